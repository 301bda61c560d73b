/*
 * The shipped strategies trade exactly as they did: every speed-up of the per-bar path (issue
 * 21) must leave the trades, the report and the equity curve of a backtest bit for bit the same.
 *
 * Each shipped strategy runs over the same sample data as bench_backtest (seed 42, its account,
 * slippage and commission); the trades (every field, the reason included), the report (JSON,
 * every figure) and the equity curve are written as text and hashed (FNV-1a). The expected
 * hashes were taken on main before the issue 21 work. A different hash means the strategy
 * decided differently: find out why; only a change meant to alter trading may update them
 * (the test prints the new hash and the text's first lines).
 */
#include "tbtest.h"
#include "sample_run.h"
#include "trade/report.h"

#include <event2/event.h>
#include <inttypes.h>
#include <stdarg.h>
#include <jansson.h>

typedef struct text {
    char *buf;
    size_t len, cap;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap = t->cap * 2 + (size_t)n + 256;
        t->buf = realloc(t->buf, t->cap);
    }
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Runs file over the sample data and writes what a user sees of the run into out; with gated,
 * under the default configuration's risk gates (no macro state: survival's stale fail-safe off). */
static void run(const char *file, int nsym, int days, int gated, text *out, size_t *ntrades)
{
    struct event_base *base = event_base_new();
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 5000000, .time_limit_ms = 0};
    tb_shost h;
    tb_shost_init(&h, &lim);
    tb_runner_opts o = sample_run_opts(base, &h, nsym, days);
    tb_runner r;
    tb_err e;
    tb_risk *risk = NULL;
    tb_gate_chain gates = {0};
    tb_config cfg; /* freed at the end: the risk configuration may point into it */
    if (gated) {
        risk = sample_run_gates(&cfg, &gates, &e);
        CHECK(risk != NULL);
        o.gate = tb_gate_chain_fn, o.gate_tick = tb_gate_chain_tick, o.gate_ud = &gates;
        o.initial_cash = 100000LL * 1000000; /* tradebot backtest's account: the limits bite */
    }
    CHECK_INT(tb_runner_open(&r, &o, &e), 0);
    if (risk) tb_risk_attach(risk, tb_trader_oms(r.trader));
    tb_strategy_cfg sc = {.name = "golden", .file = (char *)file, .enabled = 1};
    CHECK_INT(tb_shost_add(&h, &sc, &e), 0);
    CHECK_INT(tb_runner_start(&r, &e), 0);
    event_base_dispatch(base);
    CHECK(r.done);
    const tb_trade_rec *tr = tb_trader_trades(r.trader, ntrades);
    for (size_t i = 0; i < *ntrades; i++)
        put(out, "trade %s %s %" PRId64 " %lld %lld %lld %d %" PRId64 " %lld %s\n", tr[i].symbol,
            tr[i].strategy, tr[i].t_ns, (long long)tr[i].qty, (long long)tr[i].price,
            (long long)tr[i].pnl, tr[i].side, tr[i].entry_ns, (long long)tr[i].fees, tr[i].reason);
    tb_report rep;
    tb_report_compute(&r, &rep);
    json_t *j = tb_report_json(&rep);
    char *js = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17));
    put(out, "report %s\n", js);
    free(js);
    json_decref(j);
    for (size_t i = 0; i < r.ncurve; i++)
        put(out, "equity %" PRId64 " %.17g %d\n", r.curve[i].t_ns, r.curve[i].equity,
            r.curve[i].exposed);
    CHECK_INT(rep.invariant_violations, 0);
    CHECK_INT(rep.unallowed_shorts, 0);
    if (gated) put(out, "blocked %llu\n", (unsigned long long)rep.blocked);
    if (gated) fprintf(stderr, "  gated: %llu intents blocked\n", (unsigned long long)rep.blocked);
    tb_runner_close(&r);
    tb_risk_free(risk);
    if (gated) tb_config_free(&cfg);
    tb_shost_free(&h);
    event_base_free(base);
}

static void check_golden(const char *name, int nsym, int days, int gated, uint64_t want,
                         size_t min_trades)
{
    char file[1024];
    snprintf(file, sizeof file, "%s/strategies/%s", TB_SOURCE_DIR, name);
    text t = {0};
    size_t n = 0;
    run(file, nsym, days, gated, &t, &n);
    uint64_t got = fnv1a(t.buf, t.len);
    fprintf(stderr, "  %s: %zu trades, %zu bytes of text, hash 0x%016" PRIx64 "\n", name, n, t.len,
            got);
    CHECK(n >= min_trades); /* a run that hardly trades would prove nothing */
    if (got != want) {
        TBT_FAIL("%s traded differently: hash 0x%016" PRIx64 ", expected 0x%016" PRIx64, name, got,
                 want);
        fprintf(stderr, "%.*s", (int)(t.len < 3000 ? t.len : 3000), t.buf);
    }
    free(t.buf);
}

TEST(rsi_macd_reversal_trades_exactly_as_before)
{
    check_golden("rsi_macd_reversal.lua", 40, 3, 0, 0x4c794c7ed445cdd5ULL, 200);
}

TEST(vwap_reversion_trades_exactly_as_before)
{
    check_golden("vwap_reversion.lua", 40, 3, 0, 0xb112685be5dbd6caULL, 50);
}

TEST(opening_range_breakout_trades_exactly_as_before)
{
    check_golden("opening_range_breakout.lua", 40, 3, 0, 0x3eaf819822ee666bULL, 20);
}

/* The same through the risk gates as `tradebot backtest` runs them, with its $100,000 account
 * (limits, margin, buying power, hours and day trades judge every intent; 479 are blocked). The
 * hash is what the code before issue 21 gives. */
TEST(vwap_reversion_under_the_risk_gates_trades_exactly_as_before)
{
    check_golden("vwap_reversion.lua", 40, 3, 1, 0x41ce1948883ba486ULL, 100);
}
