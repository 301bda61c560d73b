#include "trade/runner.h"
#include "data/csv_dir.h"
#include "data/sample_gen.h"
#include "log/log.h"
#include "util/clock.h"

#include <stdlib.h>
#include <string.h>

#define SAMPLE_EVERY_NS (5 * 60 * 1000000000LL) /* equity curve resolution */

static void sample_equity(tb_runner *r, int64_t t_ns)
{
    if (r->ncurve == r->capcurve) {
        size_t cap = r->capcurve ? r->capcurve * 2 : 1024;
        tb_equity_point *nc = realloc(r->curve, cap * sizeof *nc);
        if (!nc) return;
        r->curve = nc, r->capcurve = cap;
    }
    broker_account a = tb_trader_account(r->trader);
    static const oms_position *ps[4096]; /* positions of every symbol seen, flat ones too */
    int npos = oms_positions(tb_trader_oms(r->trader), ps, 4096), exposed = 0;
    for (int i = 0; i < npos && i < 4096 && !exposed; i++) exposed = ps[i]->qty != 0;
    tb_equity_point *p = &r->curve[r->ncurve++];
    p->t_ns = t_ns;
    p->equity = tb_money_to_double(a.equity);
    p->exposed = exposed;
    r->last_sample_ns = t_ns;
}

#define COMPONENT(r) ((r)->o.log_component ? (r)->o.log_component : "replay")

static void caught_up(tb_runner *r)
{
    r->catching_up = 0;
    double secs = (double)(tb_clock_mono_ns() - r->catch_up_mono_ns) / 1e9;
    TB_INFO("replay", "caught up: %zu bars in %.1f s; strategies trade from here", r->catch_up_bars,
            secs);
}

static void on_replay(const tb_replay_ev *ev, void *ud)
{
    tb_runner *r = ud;
    if (r->o.tap && r->o.tap->feed) r->o.tap->feed(r->o.tap->ud, ev);
    switch (ev->type) {
    case TB_REPLAY_BAR:
        if (r->catching_up && ev->bar->start_ns > r->catch_up_to_ns) caught_up(r);
        tb_trader_on_bar(r->trader, ev->bar);
        if (r->o.shost) tb_shost_gc_pay(r->o.shost); /* after the bar's orders, not inside */
        tb_trader_warm(r->trader);
        if (ev->sim_ns - r->last_sample_ns >= SAMPLE_EVERY_NS) sample_equity(r, ev->sim_ns);
        break;
    case TB_REPLAY_SESSION_START: {
        char d[16];
        TB_INFO(COMPONENT(r), "session %s started", tb_date_fmt(ev->session->date, d, sizeof d));
        if (r->o.on_session_start) r->o.on_session_start(r->o.ud, ev->session->date);
        tb_trader_session_start(r->trader, ev->session);
        break;
    }
    case TB_REPLAY_SESSION_END: {
        tb_trader_session_end(r->trader, ev->session);
        sample_equity(r, ev->sim_ns);
        if (r->o.on_session_end) r->o.on_session_end(r->o.ud);
        tb_trader_stats st;
        tb_trader_stats_get(r->trader, &st);
        char d[16], eq[32];
        broker_account a = tb_trader_account(r->trader);
        TB_INFO(COMPONENT(r),
                "session %s ended: bars=%llu orders=%llu fills=%llu blocked=%llu equity=%s",
                tb_date_fmt(ev->session->date, d, sizeof d), (unsigned long long)st.bars,
                (unsigned long long)st.orders, (unsigned long long)st.fills,
                (unsigned long long)st.blocked, tb_money_fmt(a.equity, eq, sizeof eq));
        break;
    }
    case TB_REPLAY_DONE:
        if (r->catching_up) caught_up(r);
        r->done = 1;
        TB_INFO(COMPONENT(r), "replay finished");
        if (r->o.on_done) r->o.on_done(r->o.ud);
        break;
    }
}

/* Rows of a --data file that did not become bars: a warning each (the first few) and a summary,
 * so a backtest over a damaged file does not look like one over a complete one. */
static void report_skips(tb_runner *r, const char *path, const tb_csv_report *rep)
{
    tb_csv_report *all = &r->data_skips;
    all->rows += rep->rows;
    all->accepted += rep->accepted;
    for (int i = 0; i < TB_CSV_NREASONS; i++) all->skipped[i] += rep->skipped[i];
    for (int k = 0; k < rep->nmsgs && all->nmsgs < TB_CSV_MAX_MSGS; k++)
        memcpy(all->msgs[all->nmsgs++], rep->msgs[k], sizeof all->msgs[0]);
    size_t n = tb_csv_skipped(rep);
    if (!n) return;
    char sum[192];
    tb_csv_summary(rep, sum, sizeof sum);
    TB_WARN(COMPONENT(r), "%s: %s", path, sum);
    for (int k = 0; k < rep->nmsgs; k++) TB_WARN(COMPONENT(r), "skipped %s", rep->msgs[k]);
    if (n > (size_t)rep->nmsgs)
        TB_WARN(COMPONENT(r), "%s: ... and %zu more skipped rows", path, n - (size_t)rep->nmsgs);
}

static void on_csv_file(void *ud, const char *path, const tb_csv_file *f)
{
    tb_runner *r = ud;
    report_skips(r, path, &f->rep);
    if (f->note[0]) TB_INFO(COMPONENT(r), "%s: %s", path, f->note);
}

static int load_csv_dir(tb_runner *r, const char *dir, tb_err *e)
{
    tb_csv_dir_opts o = {.cache = r->o.csv_cache, .on_file = on_csv_file, .ud = r};
    return tb_csv_dir_load(dir, &o, &r->syms, &r->bars, e);
}

/* Keeps the bars whose session day is in [from, to]; the vector stays sorted. */
static int filter_dates(tb_runner *r, const char *from, const char *to, tb_err *e)
{
    tb_date lo = INT32_MIN, hi = INT32_MAX;
    if (from && *from && tb_date_parse(from, &lo, e) != 0) return tb_err_prefix(e, "--from: ");
    if (to && *to && tb_date_parse(to, &hi, e) != 0) return tb_err_prefix(e, "--to: ");
    if (lo > hi) return tb_errf(e, "--from %s is after --to %s", from, to);
    size_t k = 0;
    for (size_t i = 0; i < r->bars.n; i++) {
        tb_date d = tb_cal_session_day(r->bars.v[i].start_ns);
        if (d >= lo && d <= hi) r->bars.v[k++] = r->bars.v[i];
    }
    r->bars.n = k;
    if (k == 0)
        return tb_errf(e, "no bars between %s and %s", from ? from : "the start",
                       to ? to : "the end");
    return 0;
}

int tb_runner_sample_cfg(const tb_runner_opts *o, tb_sample_cfg *sc, tb_err *e)
{
    tb_sample_defaults(sc);
    sc->seed = o->seed;
    if (o->days > 0) sc->days = o->days;
    if (o->nsymbols > 0) sc->nsymbols = o->nsymbols;
    /* A configured start is where the engine's data begins (backtest --config replays that
     * same data, cut to --from/--to); otherwise --from is where generation starts. */
    const char *first = o->start && *o->start ? o->start : o->from;
    if (first && *first && tb_date_parse(first, &sc->start, e) != 0) return -1;
    tb_date last;
    if (o->to && *o->to && !o->sample_cut_only) { /* enough days to reach --to; cut after */
        if (tb_date_parse(o->to, &last, e) != 0) return tb_err_prefix(e, "--to: ");
        sc->days = last >= sc->start ? (int)(last - sc->start) + 1 : 1;
    }
    sc->with_vix = 0;
    return 0;
}

/* Dollars of the configuration to micro-dollars, rounded to the nearest micro (the schema
 * bounds the values, so the conversion cannot fail for a loaded configuration). */
static tb_money config_money(double dollars)
{
    tb_money m = 0;
    tb_err e;
    return tb_money_from_double(dollars, 1, &m, &e) == 0 ? m : 0;
}

void tb_runner_opts_from_config(tb_runner_opts *ro, const tb_config *c)
{
    ro->seed = (uint64_t)c->replay.seed;
    ro->days = (int)c->replay.days;
    ro->nsymbols = (int)c->replay.symbols;
    ro->start = c->replay.start;
    ro->data_dir = c->replay.data_dir && *c->replay.data_dir ? c->replay.data_dir : NULL;
    ro->initial_cash = config_money(c->paper.initial_cash);
    ro->slippage_bps = (int32_t)c->paper.slippage_bps;
    ro->commission_per_share = config_money(c->paper.commission_per_share);
    ro->flatten_minutes = (int)c->paper.flatten_minutes;
    ro->reject_hold_minutes = c->orders.reject_hold_minutes;
    ro->allow_short = c->risk.allow_short;
}

int tb_runner_open(tb_runner *r, const tb_runner_opts *o, tb_err *e)
{
    memset(r, 0, sizeof *r);
    r->o = *o;
    tb_symtab_init(&r->syms);
    tb_cal_init(&r->cal);
    if (o->live || o->external) {
        /* nothing to load: the vendor's bars arrive as they close, or the caller hands them */
    } else if (o->data_dir) {
        if (load_csv_dir(r, o->data_dir, e) != 0) return -1;
    } else {
        tb_sample_cfg sc;
        if (tb_runner_sample_cfg(o, &sc, e) != 0 ||
            tb_sample_generate(&sc, &r->syms, &r->bars, NULL, e) != 0)
            return -1;
    }
    if (!o->live && !o->external && (o->from || o->to) && filter_dates(r, o->from, o->to, e) != 0)
        return -1;
    tb_trader_opts to = {.shost = o->shost,
                         .syms = &r->syms,
                         .cal = &r->cal,
                         .decisions = o->decisions,
                         .journal = o->journal,
                         .flatten_minutes = o->flatten_minutes,
                         .reject_hold_minutes = o->reject_hold_minutes,
                         .allow_short = o->allow_short,
                         .gate = o->gate,
                         .gate_tick = o->gate_tick,
                         .gate_ud = o->gate_ud,
                         .make_broker = o->make_broker,
                         .broker_ud = o->broker_ud,
                         .ml = o->ml,
                         .tap = o->tap};
    to.paper.seed = o->seed;
    /* The paper account is a cash account (no short sales) unless shorting is configured. */
    to.paper.margin = o->allow_short ? PAPER_REGT : PAPER_CASH;
    to.paper.initial_cash = o->initial_cash;
    to.paper.slippage_bps = o->slippage_bps;
    to.paper.commission_per_share = o->commission_per_share;
    if (!(r->trader = tb_trader_new(&to, e))) return -1;
    if (o->external) return 0;
    if (!o->live) tb_trader_prepare(r->trader, tb_symtab_count(&r->syms)); /* all have bars */
    if (o->live) {
        tb_live_opts lo = *o->live;
        lo.base = o->base, lo.syms = &r->syms, lo.cal = &r->cal, lo.cb = on_replay, lo.ud = r;
        return (r->live = tb_live_new(&lo, e)) ? 0 : -1;
    }
    tb_replay_opts ro = {.speed = o->speed, .cal = &r->cal};
    r->replay = tb_replay_new(o->base, r->bars.v, r->bars.n, &ro, on_replay, r, e);
    return r->replay ? 0 : -1;
}

void tb_runner_feed(tb_runner *r, const tb_replay_ev *ev)
{
    on_replay(ev, r);
}

int tb_runner_start(tb_runner *r, tb_err *e)
{
    if (r->live) return tb_live_start(r->live, e);
    TB_INFO("replay", "replaying %zu bars of %u symbols at %s", r->bars.n,
            tb_symtab_count(&r->syms), r->o.speed > 0 ? "paced speed" : "full speed");
    /* After a restart the part played before is caught up at full speed, not paced: it only
     * warms indicators (strategies do not see it, nothing fills on it). */
    int64_t resume = tb_trader_resume_ns(r->trader);
    size_t seen = 0;
    while (seen < r->bars.n && r->bars.v[seen].start_ns <= resume) seen++;
    if (seen > 0) {
        char to[40];
        r->catching_up = 1;
        r->catch_up_to_ns = resume;
        r->catch_up_bars = seen;
        r->catch_up_mono_ns = tb_clock_mono_ns();
        tb_replay_fast_until(r->replay, resume);
        TB_INFO("replay", "catching up to %s (%zu bars) at full speed; strategies trade after it",
                tb_clock_fmt_utc(resume, to, sizeof to), seen);
    }
    return tb_replay_start(r->replay, e);
}

void tb_runner_close(tb_runner *r)
{
    tb_replay_free(r->replay);
    tb_live_free(r->live);
    tb_trader_free(r->trader);
    tb_bar_vec_free(&r->bars);
    tb_symtab_free(&r->syms);
    free(r->curve);
    memset(r, 0, sizeof *r);
}
