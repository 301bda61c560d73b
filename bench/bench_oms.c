/*
 * bench_oms - order manager latency and throughput with the paper broker.
 *
 *   bench_oms [orders] [db-dir]
 *
 * 1. submit: oms_submit of a market order through the paper broker, which accepts it and
 *    reports back synchronously (client id, validation, pool, id map, broker call, ack applied);
 *    p50/p99 in ns, no journal.
 * 2. fills: executions applied per second, through oms_on_update (order state machine, exec-id
 *    set, position, day-trade check), no journal; and end to end from paper_on_bar.
 * 3. the same submit with the SQLite journal (WAL, synchronous=FULL) in db-dir (default /tmp).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "broker/paper.h"
#include "oms/oms.h"
#include "oms/oms_store.h"
#include "store/db.h"
#include "util/clock.h"

#define MIN_NS 60000000000LL

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, int64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    printf("%-40s n=%d p50=%lld ns p99=%lld ns max=%lld ns\n", what, n, (long long)v[n / 2],
           (long long)v[(int)(n * 0.99)], (long long)v[n - 1]);
}

static long fills_seen;
static void count_fills(void *ud, const oms_event *ev)
{
    fills_seen += ev->kind == OMS_EV_FILL;
}

/* Submits n market orders, draining the paper book with a bar every 1000. */
static void run_submit(const char *label, int n, oms_store *st)
{
    oms_config oc = {16384, 64, 1 << 20, 20260105};
    oms *m = oms_new(&oc, NULL);
    paper_config pc = {
        .seed = 1, .initial_cash = TB_USD(1000000000, 0), .margin = PAPER_REGT, .max_orders = 8192};
    paper *p = paper_new(&pc, NULL);
    broker b = paper_broker(p);
    broker_connect(b, NULL);
    oms_set_broker(m, b);
    if (st) {
        oms_journal j = oms_store_journal(st);
        oms_set_journal(m, &j);
    }
    oms_set_listener(m, count_fills, NULL);
    int64_t t = 1;
    paper_on_bar(p, "AAPL", TB_USD(100, 0), TB_USD(100, 0), TB_USD(100, 0), TB_USD(100, 0),
                 1000000000, t * MIN_NS, NULL);
    int64_t *lat = malloc((size_t)n * sizeof *lat);
    fills_seen = 0;
    int64_t fill_ns = 0;
    for (int i = 0; i < n; i++) {
        oms_intent in = {.strategy = "bench",
                         .symbol = "AAPL",
                         .type = OMS_MARKET,
                         .side = (i & 1) ? OMS_SELL : OMS_BUY,
                         .qty = 10};
        int64_t t0 = tb_clock_mono_ns();
        tb_err e;
        if (oms_submit(m, &in, NULL, &e) != 0) {
            fprintf(stderr, "submit: %s\n", e.msg);
            exit(1);
        }
        lat[i] = tb_clock_mono_ns() - t0;
        if ((i + 1) % 1000 == 0 || i == n - 1) {
            int64_t f0 = tb_clock_mono_ns();
            paper_on_bar(p, "AAPL", TB_USD(100, 0), TB_USD(100, 0), TB_USD(100, 0), TB_USD(100, 0),
                         1000000000, ++t * MIN_NS, NULL);
            fill_ns += tb_clock_mono_ns() - f0;
            paper_end_session(p);
        }
    }
    report(label, lat, n);
    printf("%-40s %ld fills in %.1f ms = %.0f fills/s\n", "  fills via paper_on_bar", fills_seen,
           fill_ns / 1e6, fills_seen / (fill_ns / 1e9));
    free(lat);
    paper_free(p);
    oms_free(m);
}

/* Applies executions straight to oms_on_update: the OMS's own fill path. */
static void run_fills(int n)
{
    oms_config oc = {1024, 64, 1 << 20, 20260105};
    oms *m = oms_new(&oc, NULL);
    oms_intent in = {.strategy = "bench",
                     .symbol = "AAPL",
                     .type = OMS_MARKET,
                     .side = OMS_BUY,
                     .qty = (tb_qty)n};
    const oms_order *o;
    oms_submit(m, &in, &o, NULL);
    char id[OMS_CLIENT_ID_MAX + 1], xid[32];
    strcpy(id, o->client_id);
    int64_t t0 = tb_clock_mono_ns();
    for (int i = 0; i < n; i++) {
        snprintf(xid, sizeof xid, "x%d", i);
        broker_update u = {.client_id = id,
                           .status = OMS_ST_PARTIALLY_FILLED,
                           .has_exec = 1,
                           .exec_id = xid,
                           .exec_qty = 1,
                           .exec_price = TB_USD(100, i % 100),
                           .t_ns = i};
        oms_on_update(m, &u, NULL);
    }
    int64_t dt = tb_clock_mono_ns() - t0;
    printf("%-40s %d fills in %.1f ms = %.0f fills/s (%.0f ns/fill)\n", "fills via oms_on_update",
           n, dt / 1e6, n / (dt / 1e9), (double)dt / n);
    oms_free(m);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    run_submit("submit -> paper ack (no journal)", n, NULL);
    run_fills(n);
    char path[512];
    snprintf(path, sizeof path, "%s/bench_oms_%d.db", dir, (int)getpid());
    tb_err e = {{0}};
    tb_db *db = tb_db_open(path, NULL, &e);
    if (!db) return fprintf(stderr, "%s\n", e.msg), 1;
    oms_store *st = oms_store_open(db->h, NULL);
    run_submit("submit -> paper ack (SQLite FULL)", n / 100 > 100 ? n / 100 : 100, st);
    oms_store_close(st);
    tb_db_close(db);
    bench_remove_db(path);
    return 0;
}
