/*
 * bench_record - what the session recorder (core/replay/recorder.c) costs the bar-to-order path.
 *
 *   bench_record [SYMBOLS] [DAYS] [ROUNDS] [plain|recorded]
 *
 * A strategy that buys on every 40th bar over SYMBOLS sample symbols (default 120) and DAYS days
 * (default 2), fed bar by bar through the runner as a live feed hands them (tb_runner_feed),
 * once without and once with the recorder, alternated ROUNDS times (default 3) in one process.
 * Per variant: bar-to-order p50/p99 (bars that produced an order: the whole call, recording of
 * the bar, the decision and the order sent included), the mean time per bar over all bars, and
 * for the recorder the time of its write (the loop callback after the bar, off the path) per bar
 * and the bytes per bar. The last argument runs one variant only (for callgrind's instruction
 * counts, which do not depend on the machine's load).
 */
#include "bench.h"
#include "../tests/unit/sample_run.h"
#include "feed/replay.h"
#include "replay/recorder.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct result {
    double p50, p99, mean_bar, flush_per_bar, bytes_per_bar;
    size_t orders;
} result;

static void run(int nsym, int days, int record, result *out)
{
    struct event_base *base = event_base_new();
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 5000000, .time_limit_ms = 50};
    tb_shost h;
    tb_shost_init(&h, &lim);
    static tb_runner r;
    tb_recorder *rec = NULL;
    char dir[] = "/tmp/bench_record_XXXXXX";
    tb_err e;
    if (record) {
        if (!mkdtemp(dir)) exit(1);
        tb_recorder_opts ro = {.base = base,
                               .dir = dir,
                               .shost = &h,
                               .syms = &r.syms,
                               .broker = "paper",
                               .feed = "bench",
                               .buffer_bytes = 1 << 20};
        if (!(rec = tb_recorder_open(&ro, &e))) {
            fprintf(stderr, "bench_record: %s\n", e.msg);
            exit(1);
        }
    }
    tb_runner_opts o = sample_run_opts(base, &h, nsym, days);
    o.slippage_bps = 0, o.commission_per_share = 0,
    o.flatten_minutes = 0; /* its earlier figures: no costs, no flattening */
    o.tap = rec ? tb_recorder_tap(rec) : NULL;
    tb_strategy_cfg sc = {.name = "bench",
                          .file = (char *)bench_every40_strategy("/tmp/bench_record_every40.lua"),
                          .enabled = 1};
    if (tb_runner_open(&r, &o, &e) != 0 || tb_shost_add(&h, &sc, &e) != 0) {
        fprintf(stderr, "bench_record: %s\n", e.msg);
        exit(1);
    }
    int64_t *lat = malloc(r.bars.n * sizeof *lat);
    size_t n = 0;
    int64_t all = 0, flush = 0;
    tb_session ses;
    tb_date day = -1;
    for (size_t i = 0; i < r.bars.n; i++) {
        const tb_bar *b = &r.bars.v[i];
        if (sample_run_new_day(&r.cal, b, &day, &ses)) {
            tb_replay_ev sev = {.type = TB_REPLAY_SESSION_START, .session = &ses};
            tb_runner_feed(&r, &sev);
        }
        tb_replay_ev ev = {
            .type = TB_REPLAY_BAR, .bar = b, .session = &ses, .sim_ns = tb_bar_end_ns(b)};
        tb_trader_stats before, after;
        tb_trader_stats_get(r.trader, &before);
        int64_t t0 = tb_clock_mono_ns();
        tb_runner_feed(&r, &ev);
        int64_t dt = tb_clock_mono_ns() - t0;
        all += dt;
        tb_trader_stats_get(r.trader, &after);
        if (after.orders > before.orders) lat[n++] = dt;
        int64_t f0 = tb_clock_mono_ns();
        event_base_loop(base, EVLOOP_NONBLOCK); /* the engine's loop: the recorder's write */
        flush += tb_clock_mono_ns() - f0;
    }
    qsort(lat, n, sizeof *lat, cmp_i64);
    out->orders = n;
    out->p50 = n ? (double)lat[n / 2] / 1e3 : 0;
    out->p99 = n ? (double)lat[n * 99 / 100] / 1e3 : 0;
    out->mean_bar = (double)all / (double)r.bars.n / 1e3;
    out->flush_per_bar = (double)flush / (double)r.bars.n / 1e3;
    out->bytes_per_bar = 0;
    if (rec) {
        tb_recorder_stats st;
        tb_recorder_stats_get(rec, &st);
        out->bytes_per_bar = (double)st.bytes / (double)r.bars.n;
    }
    free(lat);
    tb_runner_close(&r);
    tb_recorder_close(rec); /* after the trader: its broker is the recorder's decorator */
    tb_shost_free(&h);
    event_base_free(base);
    if (record) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) fprintf(stderr, "bench_record: cannot remove %s\n", dir);
    }
}

int main(int argc, char **argv)
{
    int nsym = argc > 1 ? atoi(argv[1]) : 120, days = argc > 2 ? atoi(argv[2]) : 2;
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    const char *only = argc > 4 ? argv[4] : "";
    for (int k = 0; k < rounds; k++)
        for (int record = 0; record <= 1; record++) {
            if ((record && strcmp(only, "plain") == 0) ||
                (!record && strcmp(only, "recorded") == 0))
                continue;
            result res;
            run(nsym, days, record, &res);
            printf("%-9s bar-to-order (%zu orders) p50 %.2f us p99 %.2f us; per bar %.3f us; "
                   "write after the bar %.3f us/bar; %.1f B/bar\n",
                   record ? "recorded" : "plain", res.orders, res.p50, res.p99, res.mean_bar,
                   res.flush_per_bar, res.bytes_per_bar);
        }
    remove("/tmp/bench_record_every40.lua");
    return 0;
}
