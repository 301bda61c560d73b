/*
 * bench_backtest - the trading path's speed, as `tradebot backtest` runs it.
 *
 *   bench_backtest [STRATEGY.lua] [SYMBOLS] [DAYS]
 *
 * 1. Throughput: the strategy (default strategies/rsi_macd_reversal.lua) over SYMBOLS sample
 *    symbols (default 120) and DAYS days (default 5) at full replay speed, bars per second on
 *    one core (data generation excluded).
 * 2. Bar-to-order latency: a strategy that buys on every 40th bar; time from a bar handed to
 *    the trader until its order reached the broker interface (the whole on_bar call for bars
 *    that produced an order), p50 and p99.
 * 3. Memory per symbol: the per-symbol state the trader keeps.
 *
 * TB_BENCH_GATES=1 runs both with the risk gates of the default configuration, as `tradebot
 * backtest` does (bar-to-order "including every gate"); the trades then differ (the gates block
 * some). TB_BENCH_TIME_LIMIT_MS sets the sandbox's deadline per call, TB_BENCH_INSTR_BUDGET its
 * instruction budget (both 0: no count hook, to measure the hook's cost). TB_BENCH_PART=latency
 * (or throughput) runs that part alone, so a profile of the order path holds nothing else:
 *
 *   TB_BENCH_GATES=1 TB_BENCH_PART=latency valgrind --tool=callgrind \
 *       --toggle-collect=tb_trader_on_bar build/bench_backtest
 */
#include "bench.h"
#include "../tests/unit/sample_run.h"
#include "data/ring.h"
#include "ind/ind_set.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_CALLGRIND 1
#endif
#endif
#ifndef BENCH_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT ((void)0) /* a statement, so `if (cg) ...;` has a body */
#define CALLGRIND_DUMP_STATS     ((void)0)
#endif

/* This thread's CPU time: on a shared machine the wall time also holds the waits for a core. */
static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* This thread's minor page faults so far. */
static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt;
}

/* FNV-1a of the run's trades, every field: two builds that trade alike print the same hash. */
static uint64_t trades_hash(const tb_trader *t, size_t *n)
{
    const tb_trade_rec *tr = tb_trader_trades(t, n);
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < *n; i++) {
        char line[256];
        int k = snprintf(line, sizeof line, "%s %s %lld %lld %lld %lld %d %lld %lld %s\n",
                         tr[i].symbol, tr[i].strategy, (long long)tr[i].t_ns, (long long)tr[i].qty,
                         (long long)tr[i].price, (long long)tr[i].pnl, tr[i].side,
                         (long long)tr[i].entry_ns, (long long)tr[i].fees, tr[i].reason);
        for (int j = 0; j < k && j < (int)sizeof line; j++)
            h = (h ^ (unsigned char)line[j]) * 1099511628211ULL;
    }
    return h;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int gates_on(void)
{
    const char *g = getenv("TB_BENCH_GATES");
    return g && atoi(g) != 0;
}

/* The default configuration's risk gates for one run (TB_BENCH_GATES=1), as sample_run_gates
 * sets them: every gate judges every intent. Kept for the process's life. */
static tb_gate_chain *bench_gates(tb_risk **risk)
{
    static tb_config cfg;
    tb_err e;
    tb_gate_chain *chain = calloc(1, sizeof *chain);
    if (!chain || !(*risk = sample_run_gates(&cfg, chain, &e))) {
        fprintf(stderr, "bench_backtest: %s\n", chain ? e.msg : "gates: out of memory");
        exit(1);
    }
    return chain;
}

static int open_runner(tb_runner *r, struct event_base *base, tb_shost *h, const char *file,
                       int nsym, int days)
{
    /* TB_BENCH_TIME_LIMIT_MS: the sandbox's deadline per call (default 50 as configured; 0 runs
     * without the watchdog timer, to measure what it costs). */
    const char *tl = getenv("TB_BENCH_TIME_LIMIT_MS");
    /* TB_BENCH_INSTR_BUDGET: instructions per call (default 5,000,000; 0 with the timer off runs
     * without the count hook, to measure what the hook costs: never a configuration to trade). */
    const char *ib = getenv("TB_BENCH_INSTR_BUDGET");
    tb_lua_limits lim = {.mem_limit = 64u << 20,
                         .instr_budget = ib ? atoll(ib) : 5000000,
                         .time_limit_ms = tl ? atoll(tl) : 50};
    tb_shost_init(h, &lim);
    tb_runner_opts o = sample_run_opts(base, h, nsym, days);
    tb_risk *risk = NULL;
    if (gates_on()) {
        o.gate = tb_gate_chain_fn, o.gate_tick = tb_gate_chain_tick;
        o.gate_ud = bench_gates(&risk);
    }
    tb_err e;
    if (tb_runner_open(r, &o, &e) != 0) {
        fprintf(stderr, "bench_backtest: %s\n", e.msg);
        return -1;
    }
    if (risk) tb_risk_attach(risk, tb_trader_oms(r->trader));
    tb_strategy_cfg sc = {.name = "bench", .file = (char *)file, .enabled = 1};
    if (tb_shost_add(h, &sc, &e) != 0) {
        fprintf(stderr, "bench_backtest: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static void throughput(const char *file, int nsym, int days)
{
    struct event_base *base = event_base_new();
    tb_runner r;
    tb_shost h;
    if (open_runner(&r, base, &h, file, nsym, days) != 0) exit(1);
    tb_err e;
    int64_t t0 = tb_clock_mono_ns(), c0 = cpu_ns();
    tb_runner_start(&r, &e);
    event_base_dispatch(base);
    double s = (double)(tb_clock_mono_ns() - t0) / 1e9, cs = (double)(cpu_ns() - c0) / 1e9;
    tb_trader_stats st;
    tb_trader_stats_get(r.trader, &st);
    printf("throughput%s  %s, %u symbols, %d days: %llu bars in %.3f s = %.0f bars/s (orders %llu, "
           "fills %llu); CPU time %.3f s = %.0f bars/s\n",
           gates_on() ? " (gates)" : "", file, tb_symtab_count(&r.syms), days,
           (unsigned long long)st.bars, s, (double)st.bars / s, (unsigned long long)st.orders,
           (unsigned long long)st.fills, cs, (double)st.bars / cs);
    size_t ntr;
    uint64_t th = trades_hash(r.trader, &ntr);
    printf("trades      %zu, hash %016llx\n", ntr, (unsigned long long)th);
    tb_runner_close(&r);
    tb_shost_free(&h);
    event_base_free(base);
}

/* TB_BENCH_ORDER_BARS=FILE: a run without FILE writes the indices of the bars that ordered to
 * it; a run with it (under `valgrind --tool=callgrind --collect-atstart=no`) collects only those
 * bars, so the instructions are the order bars' alone. The replay is deterministic (raise
 * TB_BENCH_TIME_LIMIT_MS under valgrind), so both runs order on the same bars. With
 * TB_BENCH_DUMP=1 as well, callgrind writes one file per order bar (the slow ones, one by one). */
typedef struct order_bars {
    int dump;
    FILE *out;
    size_t *v, n, at;
} order_bars;

static void order_bars_open(order_bars *ob)
{
    *ob = (order_bars){.dump = getenv("TB_BENCH_DUMP") != NULL};
    const char *path = getenv("TB_BENCH_ORDER_BARS");
    if (!path) return;
    FILE *f = fopen(path, "r");
    if (!f) {
        ob->out = fopen(path, "w");
        return;
    }
    size_t cap = 0, i;
    while (fscanf(f, "%zu", &i) == 1) {
        if (ob->n == cap) ob->v = realloc(ob->v, (cap = cap ? 2 * cap : 1024) * sizeof *ob->v);
        ob->v[ob->n++] = i;
    }
    fclose(f);
}

static int order_bars_wanted(order_bars *ob, size_t i)
{
    while (ob->at < ob->n && ob->v[ob->at] < i) ob->at++;
    return ob->at < ob->n && ob->v[ob->at] == i;
}

static void latency(int nsym)
{
    order_bars ob;
    order_bars_open(&ob);
    const char *path = bench_every40_strategy("/tmp/bench_backtest_every40.lua");
    struct event_base *base = event_base_new();
    tb_runner r;
    tb_shost h;
    if (open_runner(&r, base, &h, path, nsym, 2) != 0) exit(1);
    int64_t *lat = malloc(r.bars.n * sizeof *lat);
    size_t n = 0, nfaulted = 0; /* order bars that took a page fault (a microsecond or more) */
    tb_session ses;
    tb_date day = -1;
    for (size_t i = 0; i < r.bars.n; i++) {
        const tb_bar *b = &r.bars.v[i];
        if (sample_run_new_day(&r.cal, b, &day, &ses)) tb_trader_session_start(r.trader, &ses);
        tb_trader_stats before, after;
        tb_trader_stats_get(r.trader, &before);
        int cg = order_bars_wanted(&ob, i);
        if (cg) CALLGRIND_TOGGLE_COLLECT;
        long f0 = minor_faults();
        int64_t t0 = tb_clock_mono_ns();
        tb_trader_on_bar(r.trader, b);
        int64_t dt = tb_clock_mono_ns() - t0;
        long faulted = minor_faults() > f0;
        if (cg) CALLGRIND_TOGGLE_COLLECT;
        if (cg && ob.dump) CALLGRIND_DUMP_STATS;
        tb_shost_gc_pay(&h); /* as the runner does after each bar */
        tb_trader_warm(r.trader);
        tb_trader_stats_get(r.trader, &after);
        if (after.orders > before.orders) {
            lat[n++] = dt;
            nfaulted += faulted;
            if (ob.out) fprintf(ob.out, "%zu\n", i);
        }
    }
    if (ob.out) fclose(ob.out);
    free(ob.v);
    qsort(lat, n, sizeof *lat, cmp_i64);
    if (n)
        printf("bar-to-order  %zu orders: p50 %.2f us, p99 %.2f us, max %.2f us; %zu took a page "
               "fault\n",
               n, (double)lat[n / 2] / 1e3, (double)lat[n * 99 / 100] / 1e3,
               (double)lat[n - 1] / 1e3, nfaulted);
    free(lat);
    tb_runner_close(&r);
    tb_shost_free(&h);
    event_base_free(base);
    remove(path);
}

int main(int argc, char **argv)
{
    const char *file = argc > 1 ? argv[1] : TB_SOURCE_DIR_BENCH "/strategies/rsi_macd_reversal.lua";
    int nsym = argc > 2 ? atoi(argv[2]) : 120, days = argc > 3 ? atoi(argv[3]) : 5;
    const char *part = getenv("TB_BENCH_PART");
    if (!part || strcmp(part, "latency") != 0) throughput(file, nsym, days);
    if (!part || strcmp(part, "throughput") != 0) latency(nsym);
    ind_set_params p;
    ind_set_defaults(&p);
    printf("memory per symbol: indicator set %zu B + recent bars ring %zu B (512 bars)\n",
           ind_set_size(&p), 512 * sizeof(tb_bar));
    return 0;
}
