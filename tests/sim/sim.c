/*
 * sim.c - the simulation's world: the market, the strategies written from the seed, the engine
 * booted as `tradebot run` boots it, crashed without a shutdown path and booted again, and the
 * step loop (docs/simulation.md).
 *
 * Nothing here reads the wall clock or the global RNG for a decision: time is the simulated
 * session calendar, randomness comes from the seed's streams, and the trace never holds an
 * address. (The engine stamps a few log lines and the kill switch's "since" with the wall clock;
 * none of them feeds a decision or the trace.)
 */
#include "sim_priv.h"
#include "log/log.h"
#include "util/clock.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIN_NS 60000000000LL

const char *const sim_symbols[SIM_NSYM] = {"AAA", "BBB"};

void sim_trace(sim *s, const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n >= (int)sizeof line) n = (int)sizeof line - 1;
    s->r->hash = sim_fnv(s->r->hash, line, (unsigned long)n + 1);
    if (s->c.print_trace) printf("%lld: %s\n", (long long)s->step, line);
}

static void fb_trace(void *ud, const char *line)
{
    sim_trace(ud, "%s", line);
}

void sim_violation(sim *s, int inv, const char *fmt, ...)
{
    char what[480];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    s->r->seen[inv - 1]++;
    sim_trace(s, "VIOLATION %d: %s", inv, what);
    if (!(s->c.checks & (1u << (inv - 1)))) return;
    if (!s->r->violations++) {
        s->r->first_step = s->step;
        snprintf(s->r->first, sizeof s->r->first, "invariant %d at step %lld: %s", inv,
                 (long long)s->step, what);
    }
}

/* --- strategies -------------------------------------------------------------------------- */

/* A strategy of random habits: buys, sells (more than it owns, too), limit orders, brackets,
 * shorts and covers (refused unless its configuration allows shorts), stops, closes and cancels,
 * each with a probability drawn from the seed. Its choices come from a generator over the bar and
 * its own seed, so a restart does not change them. */
static const char strategy_src[] =
    "-- written by tests/sim/sim.c for one seed: random habits, deterministic choices\n"
    "local SEED = %lld\n"
    "return {\n"
    "  name = '%s',\n"
    "  on_bar = function(ctx, bar)\n"
    "    local t = math.tointeger(bar.t) or 0\n"
    "    local x = SEED ~ (bar.seq * 40503) ~ (t * 31)\n"
    "    local function r(n)\n"
    "      x = x * 6364136223846793005 + 1442695040888963407\n"
    "      return (x >> 33) %% n\n"
    "    end\n"
    "    local a, q, px = r(1000), 1 + r(%d), bar.close\n"
    "    if a < %d then\n"
    "      if r(2) == 0 then ctx:buy{qty = q, reason = 'sim buy'}\n"
    "      else ctx:buy{qty = q, limit = px * (1 - r(20) / 1000), reason = 'sim buy limit'} end\n"
    "    elseif a < %d then\n"
    "      if r(2) == 0 then ctx:sell{qty = q, reason = 'sim sell'}\n"
    "      else ctx:sell{qty = q, limit = px * (1 + r(20) / 1000), reason = 'sim sell limit'} end\n"
    "    elseif a < %d then\n"
    "      ctx:buy{qty = q, limit = px * 1.002, take_profit = px * 1.01, stop_loss = px * 0.99,\n"
    "              reason = 'sim bracket'}\n"
    "    elseif a < %d then\n"
    "      ctx:close{reason = 'sim close'}\n"
    "    elseif a < %d then\n"
    "      local os = ctx:orders()\n"
    "      if #os > 0 then ctx:cancel(os[1 + r(#os)].id) end\n"
    "    elseif a < %d then\n"
    "      if r(2) == 0 then ctx:short{qty = q, reason = 'sim short'}\n"
    "      else ctx:cover{qty = q, reason = 'sim cover'} end\n"
    "    elseif a < %d then\n"
    "      local p = ctx:position()\n"
    "      if p.qty > 0 then\n"
    "        ctx:sell{qty = math.min(q, p.qty), stop = px * 0.99, reason = 'sim stop'}\n"
    "      end\n"
    "    end\n"
    "  end,\n"
    "}\n";

static int write_strategies(sim *s, tb_err *e)
{
    for (int i = 0; i < s->nstrat; i++) {
        snprintf(s->strat_name[i], sizeof s->strat_name[i], "s%d", i);
        snprintf(s->strat_file[i], sizeof s->strat_file[i], "%s/s%d.lua", s->dir, i);
        int b = 20 + sim_pick(&s->world, 50), se = b + 20 + sim_pick(&s->world, 50);
        int br = se + 5 + sim_pick(&s->world, 20), cl = br + 5 + sim_pick(&s->world, 15);
        int ca = cl + 10 + sim_pick(&s->world, 30), sh = ca + 5 + sim_pick(&s->world, 25);
        int sp = sh + 5 + sim_pick(&s->world, 15);
        /* Explicit shorts are allowed to one strategy in two seeds out of three; the others'
         * ctx:short is refused. */
        s->allow_short[i] = i == 0 && s->c.seed % 3 != 0;
        FILE *f = fopen(s->strat_file[i], "w");
        if (!f) return tb_errf(e, "%s: cannot write", s->strat_file[i]);
        fprintf(f, strategy_src, (long long)(sim_next(&s->world) >> 2), s->strat_name[i],
                5 + sim_pick(&s->world, 30), b, se, br, cl, ca, sh, sp);
        fclose(f);
    }
    return 0;
}

/* --- the engine: boot and crash ----------------------------------------------------------- */

static int make_broker(void *ud, oms *m, broker *out, tb_err *e)
{
    *out = fb_broker(((sim *)ud)->fb);
    return 0;
}

/* The engine's journal (core/engine/persist.c) as far as the gates see it: a committed fill that
 * makes a day trade is shown in data/pdt_state.json at once. */
static int j_save_fill(void *ud, const oms_order *o, const oms_exec *x, const oms_position *p,
                       const oms_position *sp, const oms_daytrade *dt, tb_err *e)
{
    sim *s = ud;
    int rc = s->inner.save_fill(s->inner.ud, o, x, p, sp, dt, e);
    if (rc == 0 && dt && s->risk) tb_risk_dt_recorded(s->risk, dt);
    return rc;
}

static int j_save_orders(void *ud, const oms_order *const *orders, int n, tb_err *e)
{
    sim *s = ud;
    return s->inner.save_orders(s->inner.ud, orders, n, e);
}

static oms_journal journal(sim *s)
{
    s->inner = oms_store_journal(s->st);
    /* No commission reported after its fill here: neither broker does it. */
    oms_journal j = {.ud = s, .save_orders = j_save_orders, .save_fill = j_save_fill};
    return j;
}

/* The paper exchange died with the engine: its book comes back from the journal, cash from
 * the fills, and what was working is canceled (core/engine/persist.c, tb_persist_restore). */
static int restore_paper(sim *s, tb_err *e)
{
    tb_money cash;
    if (oms_store_cash(s->st, s->initial_cash, &cash, e) != 0) return -1;
    int n = tb_trader_restore_paper(s->t, cash, e);
    if (n > 0) sim_trace(s, "paper restored: %d orders canceled", n);
    return n < 0 ? -1 : 0;
}

/* As tradebot run starts (core/engine/engine.c, persist.c): the journal, the risk gates with
 * their data/ files, the trader and its broker, the strategies, then the order manager's state
 * from the journal, and the adapter's reconciliation before anything trades. */
static int boot(sim *s, tb_err *e)
{
    tb_symtab_init(&s->syms);
    for (int i = 0; i < SIM_NSYM; i++)
        if (tb_symtab_intern(&s->syms, sim_symbols[i], e) < 0) return -1;
    if (!(s->db = tb_db_open(s->db_path, NULL, e)) || !(s->st = oms_store_open(s->db->h, e)) ||
        !(s->kv = tb_kv_open(s->db->h, e)))
        return -1;
    /* The gates' data/ files (kill_switch.json, pdt_state.json) only with risk_files: the
     * day-trade file is written at most once a second of wall time, so with it a run is not
     * bit-for-bit reproducible. Without, the kill switch survives a restart as the file makes it
     * do: engaged when the gates are created, before they see the order manager. */
    if (!(s->risk = tb_risk_new(&s->rc, s->c.risk_files ? s->data_dir : NULL, e))) return -1;
    tb_risk_set_kv(s->risk, s->kv); /* where the last write of pdt_state.json is recorded */
    if (s->kill && !s->c.risk_files &&
        tb_risk_kill(s->risk, "file", "simulated operator (data/kill_switch.json)", e) != 0)
        return -1;
    /* Calm markets: the VIX (and its age, the one wall-clock reading) never blocks. */
    tb_macro mac = {.vix = 15, .time_ns = tb_clock_now_ns(), .valid = 1};
    snprintf(mac.source, sizeof mac.source, "sim");
    tb_risk_set_macro(s->risk, &mac);
    memset(&s->chain, 0, sizeof s->chain);
    tb_gate_chain_add(&s->chain, tb_risk_gate, tb_risk_tick, s->risk);
    /* The instruction budget, not a time limit: time would make a loaded machine change the run. */
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 5000000};
    tb_shost_init(&s->host, &lim);
    tb_trader_opts to = {.shost = &s->host,
                         .syms = &s->syms,
                         .cal = &s->cal,
                         .journal = journal(s),
                         .gate = tb_gate_chain_fn,
                         .gate_tick = tb_gate_chain_tick,
                         .gate_ud = &s->chain,
                         .flatten_minutes = 5,
                         .allow_short = 1, /* a margin account; strategies need their own */
                         .make_broker = s->fb ? make_broker : NULL,
                         .broker_ud = s};
    to.paper.seed = s->c.seed;
    to.paper.initial_cash = s->initial_cash;
    to.paper.margin = PAPER_REGT; /* as runner.c sets it for an account that may short */
    if (!(s->t = tb_trader_new(&to, e))) return -1;
    oms *m = tb_trader_oms(s->t);
    if (s->tap) oms_set_broker(m, paper_tap_wrap(s->tap, tb_trader_broker(s->t)));
    tb_risk_attach(s->risk, m);
    for (int i = 0; i < s->nstrat; i++) {
        tb_strategy_cfg sc = {.name = s->strat_name[i],
                              .file = s->strat_file[i],
                              .enabled = 1,
                              .allow_short = s->allow_short[i]};
        if (tb_shost_add(&s->host, &sc, e) != 0) return -1;
    }
    s->alive = 1;
    if (oms_store_load(s->st, m, 0, e) != 0) return -1;
    if (s->tap && restore_paper(s, e) != 0) return -1;
    if (s->in_session) tb_trader_session_start(s->t, &s->sess);
    if (sim_check_open(s, e) != 0) return -1;
    if (s->fb) {
        fb_attach(s->fb, m);
        fb_reconcile(s->fb);
    }
    if (s->kill) s->kill_settle = s->step + SIM_KILL_GRACE; /* cancels asked at start */
    return 0;
}

/* kill -9: no on_stop, no flush, no disconnect; the broker only notices the socket is gone. */
static void crash(sim *s)
{
    sim_trace(s, "crash");
    s->r->crashes++;
    if (s->fb) fb_crash(s->fb);
    sim_check_close(s);
    tb_trader_free(s->t);
    tb_shost_free(&s->host);
    tb_risk_free(s->risk);
    oms_store_close(s->st);
    tb_kv_close(s->kv);
    tb_db_close(s->db);
    tb_symtab_free(&s->syms);
    s->t = NULL, s->risk = NULL, s->st = NULL, s->kv = NULL, s->db = NULL;
    s->alive = 0;
}

static int restart(sim *s, tb_err *e)
{
    crash(s);
    return boot(s, e);
}

/* --- the step ------------------------------------------------------------------------------ */

static tb_money cents(double px)
{
    return (tb_money)llround(px * 100) * 10000;
}

/* Delivers what is due; sometimes the engine dies in the middle of it. */
static int deliver(sim *s, int crash_pm, tb_err *e)
{
    if (sim_chance(&s->world, crash_pm)) {
        if (s->fb) fb_deliver(s->fb, s->step, sim_pick(&s->world, 4));
        return restart(s, e);
    }
    if (s->fb) fb_deliver(s->fb, s->step, 1 << 30);
    return 0;
}

/* The operator's replace of a working limit order: a new price, sometimes fewer shares. */
static void replace_one(sim *s)
{
    const oms_order *open[256];
    oms *m = tb_trader_oms(s->t);
    int n = oms_open_orders_all(m, open, 256), k = 0;
    const oms_order *cand[256];
    for (int i = 0; i < n && i < 256; i++)
        if (open[i]->type == OMS_LIMIT && open[i]->leg == OMS_LEG_NONE &&
            open[i]->order_class == OMS_CLASS_SIMPLE &&
            (open[i]->status == OMS_ST_ACCEPTED || open[i]->status == OMS_ST_PARTIALLY_FILLED))
            cand[k++] = open[i];
    if (!k) return;
    const oms_order *o = cand[sim_pick(&s->world, k)];
    oms_changes ch = {0};
    ch.limit_price = o->limit_price + (sim_pick(&s->world, 21) - 10) * 10000;
    /* qty is the new order's: the unfilled remainder (0) or fewer shares than it. */
    tb_qty left = o->qty - o->filled_qty;
    if (left > 1 && sim_pick(&s->world, 2)) ch.qty = 1 + sim_pick(&s->world, (int)left - 1);
    char id[OMS_CLIENT_ID_MAX + 1];
    oms_strlcpy(id, o->client_id, sizeof id);
    const oms_order *out = NULL;
    tb_err e;
    int rc = oms_replace(m, id, &ch, &out, &e);
    s->r->replaces++;
    sim_trace(s, "replace %s qty=%lld limit=%lld: %s", id, (long long)ch.qty,
              (long long)ch.limit_price, rc == 0 && out ? out->client_id : e.msg);
}

static void toggle_kill(sim *s)
{
    tb_err e;
    s->kill = !s->kill;
    s->r->kill_toggles++;
    s->kill_seq = oms_next_seq(tb_trader_oms(s->t));
    s->kill_settle = s->step + SIM_KILL_GRACE;
    sim_trace(s, "kill switch %s", s->kill ? "engaged" : "cleared");
    if (s->kill ? tb_risk_kill(s->risk, "sim", "simulated operator", &e)
                : tb_risk_clear(s->risk, "sim", &e))
        sim_trace(s, "kill switch: %s", e.msg);
}

static void next_session(sim *s)
{
    do s->day = tb_cal_next_trading_day(&s->cal, s->day);
    while (!tb_cal_session(&s->cal, s->day, &s->sess));
    s->in_session = 1;
    s->minute = 0;
    sim_trace(s, "session %d", (int)s->day);
    tb_trader_session_start(s->t, &s->sess);
}

static void bars(sim *s, int64_t start_ns)
{
    for (int i = 0; i < SIM_NSYM; i++) {
        double open = s->px[i];
        double px = open * (1 + (sim_pick(&s->market, 2001) - 1000) / 500000.0);
        px = round((px < 5 ? 5 : px > 500 ? 500 : px) * 100) / 100;
        s->px[i] = px;
        tb_bar b = {.start_ns = start_ns,
                    .open = open,
                    .close = px,
                    .high = fmax(open, px) + 0.01,
                    .low = fmin(open, px) - 0.01,
                    .volume = 20000,
                    .tf_sec = 60,
                    .sym = (uint32_t)i};
        if (s->fb) fb_market(s->fb, sim_symbols[i], cents(px), s->step, start_ns + MIN_NS);
        tb_trader_on_bar(s->t, &b);
    }
}

static int step(sim *s, tb_err *e)
{
    if (!s->in_session) next_session(s);
    int64_t start = s->sess.open_ns + s->minute * MIN_NS;
    sim_trace(s, "step %lld", (long long)s->step);
    if (s->fb) fb_tick(s->fb, s->step);
    if (deliver(s, 3, e) != 0) return -1;
    bars(s, start);
    if (deliver(s, 3, e) != 0) return -1;
    if (sim_chance(&s->world, 20) && !s->c.no_replace) replace_one(s);
    if (sim_chance(&s->world, 8)) toggle_kill(s);
    if (sim_chance(&s->world, 4) && restart(s, e) != 0) return -1;
    s->minute++;
    if (start + 2 * MIN_NS > s->sess.close_ns) {
        tb_trader_session_end(s->t, &s->sess);
        if (s->fb) fb_end_session(s->fb, s->step);
        s->in_session = 0;
        if (deliver(s, 0, e) != 0) return -1;
    }
    sim_check_step(s);
    return 0;
}

/* --- a run ------------------------------------------------------------------------------- */

static int setup(sim *s, tb_err *e)
{
    const char *root = s->c.tmpdir;
    struct stat st;
    if (!root)
        root = stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(s->dir, sizeof s->dir, "%s/tb-sim-%llu-XXXXXX", root, (unsigned long long)s->c.seed);
    if (!mkdtemp(s->dir)) return tb_errf(e, "%s: cannot create", s->dir);
    snprintf(s->db_path, sizeof s->db_path, "%s/ml_data.db", s->dir);
    snprintf(s->data_dir, sizeof s->data_dir, "%s/data", s->dir);
    if (mkdir(s->data_dir, 0700) != 0) return tb_errf(e, "%s: cannot create", s->data_dir);
    s->market = sim_stream(s->c.seed, 1);
    s->world = sim_stream(s->c.seed, 3);
    s->nstrat = s->c.strategies > 0 && s->c.strategies <= SIM_MAXSTRAT ? s->c.strategies : 3;
    tb_cal_init(&s->cal);
    tb_risk_cfg_defaults(&s->rc);
    /* Both day-trade policies: the legacy rule on a small account, or a budget of 2..5 (with
     * one, keep_last leaves no room for an entry at all). */
    int legacy = s->c.seed % 2;
    s->rc.dt.policy = legacy ? TB_PDT_LEGACY : TB_PDT_BUDGET;
    s->rc.dt.max_day_trades = legacy ? 3 : 2 + (int)(s->c.seed / 2 % 4);
    for (int i = 0; i < SIM_NSYM; i++) s->px[i] = 20 + sim_pick(&s->market, 60);
    fb_config fc = {.seed = s->c.seed,
                    .max_orders = 1 << 16,
                    .max_execs = 1 << 17,
                    .reject_pm = 40,
                    .timeout_pm = 15,
                    .fill_pct = 60,
                    .partial_pct = 30,
                    .late_pct = 25,
                    .max_delay = 6,
                    .dup_pct = 8,
                    .disconnect_pm = 4,
                    .cash = (legacy ? 20000LL : 200000LL) * 1000000,
                    .lose_exec = s->c.lose_exec,
                    .on_submit = sim_check_submit,
                    .trace = fb_trace,
                    .ud = s};
    s->initial_cash = fc.cash;
    paper_tap_config tc = {.on_submit = sim_check_submit, .trace = fb_trace, .ud = s};
    if (s->c.paper ? !(s->tap = paper_tap_new(&tc)) : !(s->fb = fb_new(&fc, e)))
        return tb_errf(e, "sim: cannot create the broker");
    s->day = tb_date_from_ymd(2026, 1, 2);
    return write_strategies(s, e);
}

static void teardown(sim *s)
{
    if (s->alive) crash(s);
    fb_free(s->fb);
    paper_tap_free(s->tap);
    if (s->c.keep_dir) {
        fprintf(stderr, "sim: the run's home (journal, strategies) is kept in %s\n", s->dir);
        return;
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    if (s->dir[0] && system(cmd) != 0) fprintf(stderr, "sim: cannot remove %s\n", s->dir);
}

int sim_run(const sim_cfg *c, sim_result *r, tb_err *e)
{
    sim *s = calloc(1, sizeof *s);
    if (!s) return tb_errf(e, "sim: out of memory");
    memset(r, 0, sizeof *r);
    r->hash = 0xcbf29ce484222325ULL;
    r->first_step = -1;
    s->c = *c;
    s->r = r;
    int rc = setup(s, e);
    if (rc == 0) rc = boot(s, e);
    for (; rc == 0 && s->step < c->steps; s->step++) {
        rc = step(s, e);
        if (c->stop_at_first && r->violations) {
            s->step++;
            break;
        }
    }
    r->steps = s->step;
    r->orders = s->fb ? fb_orders(s->fb) : s->submits;
    r->fills = s->fb ? fb_execs_total(s->fb) : paper_tap_delivered(s->tap);
    r->disconnects = s->fb ? fb_disconnects(s->fb) : 0;
    r->day_trades = 0;
    for (int i = 0; i < s->ndt; i++) r->day_trades += s->dt[i].n;
    teardown(s);
    free(s);
    return rc;
}

int sim_parse_checks(const char *str, unsigned *out)
{
    if (strcmp(str, "all") == 0) {
        *out = SIM_INV_ALL;
        return 0;
    }
    unsigned m = 0;
    for (const char *p = str; *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 5) return -1;
        m |= 1u << (v - 1);
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return -1;
    }
    *out = m;
    return 0;
}

/* --- what the broker saw (sim_priv.h) --------------------------------------------------------- */

tb_qty sim_broker_qty(sim *s, const char *symbol)
{
    if (s->fb) return fb_position(s->fb, symbol) - fb_undelivered_qty(s->fb, symbol);
    broker_position ps[16];
    int n = 0;
    tb_err e;
    if (broker_positions(tb_trader_broker(s->t), ps, 16, &n, &e) != 0) return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(ps[i].symbol, symbol) == 0) return ps[i].qty;
    return 0;
}

int64_t sim_broker_delivered(const sim *s)
{
    return s->fb ? fb_execs_delivered(s->fb) : paper_tap_delivered(s->tap);
}

int sim_broker_max_sends(const sim *s, const char **client_id)
{
    return s->fb ? fb_max_sends(s->fb, client_id) : paper_tap_max_sends(s->tap, client_id);
}

int sim_broker_ready(const sim *s)
{
    return s->fb ? fb_state(s->fb) == BROKER_READY : 1;
}
