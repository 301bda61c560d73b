#include "engine/engine.h"
#include "loop/stall.h"
#include "strategy/shipped.h"
#include "engine/persist.h"
#include "trade/gate_chain.h"
#include "engine/engine_orch.h"
#include "engine/brokers.h"
#include "store/checkpoint.h"
#include "engine/dbwait.h"
#include "engine/feedback.h"
#include "engine/feeds.h"
#include "data/bar_sink.h"
#include "home/home.h"
#include "log/log.h"
#include "log/rotate.h"
#include "lua/sandbox.h"
#include "risk/macro.h"
#include "risk/risk_config.h"
#include "replay/recorder.h"
#include "risk/risk_lua.h"
#include "ml/ml_lua.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static tb_engine *current;

tb_engine *tb_engine_current(void)
{
    return current;
}

/* tb.risk's view of the running trader (risk/risk_lua.h). */
static int risk_gate_ctx(void *ud, tb_gate_ctx *cx)
{
    tb_engine *en = ud;
    if (!en->runner_open || !en->runner.trader) return 0;
    tb_trader_gate_ctx(en->runner.trader, cx);
    return 1;
}

/* tb.risk and tb.ml.status() read this engine until it closes. */
static void attach_lua(tb_engine *en)
{
    tb_risk_lua_attach(&(tb_risk_lua_src){
        .risk = &en->risk, .cfg = &en->cfg, .gate_ctx = risk_gate_ctx, .ud = en});
    tb_ml_lua_attach(
        &(tb_ml_lua_src){.ml = &en->ml.ml, .loads = &en->ml.loads, .refusals = &en->ml.refusals});
}

static void apply_logging(const tb_config *c)
{
    char archives[PATH_MAX];
    tb_log_opts o = {.level = (tb_log_level)tb_log_level_parse(c->logging.level),
                     .also_stderr = c->logging.stderr_echo,
                     .max_bytes = c->logging.max_bytes,
                     .archive_dir = tb_home_path(archives, sizeof archives, "data/archives")};
    tb_log_configure(&o);
}

static void log_config_errors(const tb_config_errors *errs)
{
    for (int i = 0; i < errs->n; i++) TB_ERROR("config", "%s", errs->msg[i]);
}

int tb_engine_reload_config(tb_engine *en, tb_err *e)
{
    tb_config fresh;
    tb_config_errors errs;
    if (tb_config_load(en->config_path, 0, &fresh, &errs) != 0) {
        en->config_reload_failures++;
        log_config_errors(&errs);
        TB_ERROR("config",
                 "configuration reload failed (%d errors): keeping the running configuration",
                 errs.n);
        return tb_errf(e, "%s", errs.n ? errs.msg[0] : "configuration reload failed");
    }
    tb_config old = en->cfg;
    en->cfg = fresh;
    apply_logging(&en->cfg);
    tb_loop_set_stall_ms(en->loop, en->cfg.loop.stall_warn_ms);
    /* Strategies whose configuration changed are reloaded with their new params. */
    for (int i = 0; i < en->cfg.nstrategies; i++) {
        const tb_strategy_cfg *sc = &en->cfg.strategies[i];
        if (!sc->enabled) continue;
        tb_strategy *s = tb_shost_find(&en->shost, sc->name);
        tb_err le;
        if (s && strcmp(s->rel, sc->file) != 0) { /* a second file may not take a running name */
            TB_ERROR("strategy",
                     "strategy load refused: %s: strategy name '%s' is already taken by %s (%s "
                     "keeps running)",
                     sc->file, sc->name, s->rel, s->rel);
            continue;
        }
        if (!s) {
            if (tb_shost_add(&en->shost, sc, &le) != 0)
                TB_ERROR("strategy", "strategy load failed: %s", le.msg);
            continue;
        }
        json_decref(s->cfg_params);
        json_decref(s->cfg_symbol_params);
        s->cfg_params = tb_engine_feedback_params(en, sc); /* with the controller's overlay */
        s->cfg_symbol_params = sc->symbol_params ? json_incref(sc->symbol_params) : NULL;
        s->allow_short = sc->allow_short;
        tb_shost_reload_path(&en->shost, s->path, &le);
    }
    if (en->risk) {
        tb_risk_cfg rc;
        tb_risk_cfg_from_config(&en->cfg, &rc);
        tb_risk_configure(en->risk, &rc);
    }
    tb_engine_ml_configure(&en->ml, &en->cfg);
    tb_config_free(&old);
    en->config_reloads++;
    TB_INFO("config", "configuration reloaded from %s", TB_CONFIG_PATH);
    return 0;
}

static int under(const char *path, const char *dir)
{
    char abs[PATH_MAX];
    tb_home_path(abs, sizeof abs, dir);
    size_t n = strlen(abs);
    return strncmp(path, abs, n) == 0 && path[n] == '/';
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A script under scripts/ is checked in a fresh trusted state; its users load it when they run. */
static void reload_script(tb_engine *en, const char *path)
{
    const char *rel = path + strlen(tb_home_dir()) + 1;
    tb_err e;
    lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, NULL, &e);
    if (L && tb_lua_loadfile(L, path, rel, &e) == 0) {
        en->script_reloads++;
        TB_INFO("scripts", "script reloaded: file=%s", rel);
    } else {
        en->script_reload_failures++;
        TB_ERROR("scripts", "script reload failed: %s (keeping the previous version)", e.msg);
    }
    tb_lua_close(L);
}

static void on_file_changed(const char *path, void *ud)
{
    tb_engine *en = ud;
    tb_err e;
    if (strcmp(path, en->config_path) == 0) {
        tb_engine_reload_config(en, &e);
    } else if (under(path, "strategies") && ends_with(path, ".lua")) {
        if (tb_shost_reload_path(&en->shost, path, &e) == 0) {
            /* A trader who drops a file in expects it to run: say why it does not. */
            const char *rel = strstr(path, "strategies/");
            TB_INFO("strategy",
                    "%s is not in the configuration, so it does not run: add {\"file\": \"%s\"} "
                    "to \"strategies\" in %s",
                    rel ? rel : path, rel ? rel : path, TB_CONFIG_PATH);
        }
    } else if (under(path, "scripts") && ends_with(path, ".lua")) {
        reload_script(en, path);
        tb_engine_orch_file_changed(en, path);
    }
}

static void on_stop(void *ud, int signo)
{
    tb_engine *en = ud;
    en->stopping = 1;
    TB_INFO("engine", "signal %d: shutting down", signo);
}

static void on_reload(void *ud)
{
    tb_err e;
    TB_INFO("engine", "SIGHUP: reloading configuration");
    tb_engine_reload_config(ud, &e);
}

static int open_watch(tb_engine *en, tb_err *e)
{
    en->watch =
        tb_watch_new(tb_loop_base(en->loop), en->cfg.reload.debounce_ms, on_file_changed, en, e);
    if (!en->watch) return -1;
    const char *dirs[] = {"strategies", "scripts", "config"};
    for (int i = 0; i < 3; i++) {
        char abs[PATH_MAX];
        if (tb_watch_add_dir(en->watch, tb_home_path(abs, sizeof abs, dirs[i]), i == 1, e) != 0)
            return -1;
    }
    return 0;
}

static void on_risk_timer(evutil_socket_t fd, short what, void *ud)
{
    tb_work_begin(TB_WORK_TIMER, "risk poll", NULL);
    tb_engine *en = ud;
    tb_risk_poll(en->risk, 0);
    tb_work_end();
}

/* The gates, with a macro state computed at first start (a home without data/macro.json would
 * otherwise start in the stale fail-safe: survival mode). */
/* The dashboard's and the REPL's kill switch is the risk gate's: persistent and confirmed. */
static int risk_kill_switch(void *ud, int engage, const char *who, tb_err *e)
{
    tb_engine *en = ud;
    return engage ? tb_risk_kill(en->risk, who, "engaged from the dashboard or REPL", e)
                  : tb_risk_clear(en->risk, who, e);
}

static int open_risk(tb_engine *en, tb_err *e)
{
    char data[PATH_MAX], macro[PATH_MAX];
    tb_home_path(data, sizeof data, "data");
    tb_home_path(macro, sizeof macro, "data/macro.json");
    tb_macro m;
    tb_err me;
    if (access(macro, F_OK) != 0) {
        if (tb_macro_compute(&en->cfg, &m, &me) == 0 &&
            tb_macro_write(macro, &m, en->cfg.risk.survival.vix_threshold, &me) == 0)
            TB_INFO("risk", "wrote data/macro.json: vix=%.2f (%s, %s)", m.vix, m.source,
                    m.vix_date);
        else
            TB_ERROR("risk", "cannot compute the macro state: %s", me.msg);
    }
    tb_risk_cfg rc;
    tb_risk_cfg_from_config(&en->cfg, &rc);
    if (!(en->risk = tb_risk_new(&rc, data, e))) return -1;
    en->kill_switch = risk_kill_switch;
    en->kill_switch_ud = en;
    en->risk_timer = event_new(tb_loop_base(en->loop), -1, EV_PERSIST, on_risk_timer, en);
    struct timeval tv = {1, 0};
    if (!en->risk_timer || event_add(en->risk_timer, &tv) != 0)
        return tb_errf(e, "risk: cannot add the poll timer");
    return 0;
}

/* The trading path: decision log, the database journal (fills committed before they are
 * acted on), and the replay of the configured bars through the paper broker. */
static void on_session_end(void *ud)
{
    tb_persist_save_states(ud);
    tb_bar_sink_flush(((tb_engine *)ud)->bar_sink, "session end");
}

/* The live feed's bars (and corrections) go to the bars table through a buffered sink. */
static int open_bar_sink(tb_engine *en, tb_live_opts *lo, tb_err *e)
{
    const tb_config *c = &en->cfg;
    tb_bar_sink_opts so = {.base = tb_loop_base(en->loop),
                           .db = en->db,
                           .syms = &en->runner.syms, /* interned by the runner before any bar */
                           .capacity = (long)c->bar_store.buffer_bars,
                           .flush_ms = (long)c->bar_store.flush_ms};
    if (!(en->bar_sink = tb_bar_sink_new(&so, e))) return -1;
    lo->store = tb_bar_sink_push;
    lo->store_status = tb_bar_sink_status;
    lo->store_ud = en->bar_sink;
    TB_INFO("store", "live bars are written to the bar store every %lld ms",
            (long long)c->bar_store.flush_ms);
    return 0;
}

static json_t *position_json(const char *strategy, const oms_position *p)
{
    return json_pack("{s:s?, s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:I}", "strategy", strategy,
                     "symbol", p->symbol, "qty", (json_int_t)p->qty, "cost_basis",
                     (json_int_t)p->cost_basis, "avg_price", (json_int_t)p->avg_price,
                     "realized_pnl", (json_int_t)p->realized_pnl, "fees", (json_int_t)p->fees,
                     "day", (int)p->day, "opened_today", (json_int_t)p->opened_today);
}

/* What the engine restored before its first bar (a restart in the session): the replay starts
 * from the same resume point, strategies' state, positions and order sequence. */
static json_t *record_start_state(void *ud)
{
    tb_engine *en = ud;
    if (!en->runner_open) return NULL;
    oms *m = tb_trader_oms(en->runner.trader);
    json_t *states = json_object(), *acct = json_array(), *own = json_array();
    for (int i = 0; i < en->shost.n; i++) {
        tb_err e;
        json_t *st = tb_shost_state_get(&en->shost, en->shost.s[i], &e);
        if (st) json_object_set_new(states, en->shost.s[i]->name, st);
    }
    static const oms_position *ps[4096];
    static const char *names[4096];
    int n = oms_positions(m, ps, 4096);
    for (int i = 0; i < n && i < 4096; i++)
        if (ps[i]->qty) json_array_append_new(acct, position_json(NULL, ps[i]));
    n = oms_strategy_positions(m, names, ps, 4096);
    for (int i = 0; i < n && i < 4096; i++)
        if (ps[i]->qty) json_array_append_new(own, position_json(names[i], ps[i]));
    return json_pack("{s:I, s:I, s:o, s:o, s:o}", "resume_ns",
                     (json_int_t)tb_trader_resume_ns(en->runner.trader), "next_seq",
                     (json_int_t)oms_next_seq(m), "states", states, "positions", acct,
                     "strategy_positions", own);
}

/* A live session is recorded (record.enabled) for `tradebot replay` and the Healer. A recorder
 * that cannot start is an error in the log, not a stop: the engine trades without it. */
static void open_recorder(tb_engine *en, tb_runner_opts *ro)
{
    char dir[PATH_MAX];
    tb_err e;
    json_t *cfg = json_load_file(en->config_path, 0, NULL);
    tb_macro m;
    int survival = 0, stale = 0;
    tb_risk_macro_get(en->risk, &m, &survival, &stale);
    json_t *macro =
        json_pack("{s:f, s:b, s:b, s:s, s:s}", "vix", m.vix, "survival", survival, "valid",
                  m.valid && !stale, "source", m.source, "vix_date", m.vix_date);
    tb_recorder_opts o = {.base = tb_loop_base(en->loop),
                          .dir = tb_home_path(dir, sizeof dir, TB_SESSIONS_DIR),
                          .shost = &en->shost,
                          .syms = &en->runner.syms, /* the runner's table: its address is fixed */
                          .config = cfg,
                          .macro = macro,
                          .broker = en->cfg.broker,
                          .feed = en->cfg.feed,
                          .buffer_bytes = (size_t)en->cfg.record.buffer_kb << 10,
                          .start_state = record_start_state,
                          .start_ud = en};
    if (!(en->recorder = tb_recorder_open(&o, &e)))
        TB_ERROR("record", "session not recorded: %s", e.msg);
    else
        ro->tap = tb_recorder_tap(en->recorder);
    json_decref(cfg);
    json_decref(macro);
}

/* An fsync per journal commit (milliseconds on a busy disk, on the loop) only where the other
 * side of an order lives outside this process: with the paper exchange, whose book is rebuilt
 * from this database, a power cut rewinds both together (oms_store.h, docs/orders.md). */
static int journal_durability(tb_engine *en, tb_err *e)
{
    int is_paper = strcmp(en->cfg.broker, "paper") == 0;
    if (oms_store_set_durability(en->ostore, is_paper ? OMS_DURABLE_CRASH : OMS_DURABLE_POWER, e) !=
        0)
        return -1;
    if (is_paper)
        TB_INFO("engine", "journal: commits survive a crash, not a power cut (paper exchange: its "
                          "book is rebuilt from the same database)");
    else
        TB_INFO("engine", "journal: every commit is synced to disk (broker %s)", en->cfg.broker);
    return 0;
}

static int open_trading(tb_engine *en, tb_err *e)
{
    char path[PATH_MAX];
    if (!(en->decisions = tb_jsonl_open(
              tb_home_path(path, sizeof path, "logs/enhanced_decision_log.jsonl"), 0, e)))
        return -1;
    char archives[PATH_MAX];
    tb_jsonl_set_rotation(en->decisions, en->cfg.logging.jsonl_max_bytes,
                          tb_home_path(archives, sizeof archives, "data/archives"));
    if (!(en->db = tb_db_open(tb_home_path(path, sizeof path, "ml_db/ml_data.db"), NULL, e)))
        return -1;
    tb_err ce;
    if (!(en->ckpt = tb_ckpt_start(en->db->path, en->db->h, TB_ENGINE_CHECKPOINT_MS,
                                   TB_ENGINE_CHECKPOINT_BACKSTOP_PAGES, &ce)))
        TB_WARN("store", "%s; the loop checkpoints the WAL itself", ce.msg);
    if (!(en->ostore = oms_store_open(en->db->h, e)) || !(en->kv = tb_kv_open(en->db->h, e)))
        return -1;
    if (journal_durability(en, e) != 0) return -1;
    tb_risk_set_kv(en->risk, en->kv); /* where the last write of pdt_state.json is recorded */
    const tb_config *c = &en->cfg;
    if (tb_engine_ml_open(&en->ml, tb_loop_base(en->loop), en->db->h, c, e) != 0) return -1;
    /* Sentinel pauses first, then the risk gates; the ML gate runs last, on what they let
     * through. */
    tb_gate_chain_add(&en->gates, tb_engine_feedback_gate, NULL, en);
    tb_gate_chain_add(&en->gates, tb_risk_gate, tb_risk_tick, en->risk);
    if (en->ml.ml) tb_gate_chain_add(&en->gates, tb_ml_gate_fn, NULL, &en->ml.gate);
    tb_runner_opts ro = {.base = tb_loop_base(en->loop),
                         .shost = &en->shost,
                         .speed = c->replay.speed,
                         .decisions = en->decisions,
                         .journal = tb_persist_journal(en),
                         .gate = tb_gate_chain_fn,
                         .gate_tick = tb_gate_chain_tick,
                         .gate_ud = &en->gates,
                         .ml = en->ml.ml,
                         .on_session_end = on_session_end,
                         .ud = en};
    tb_runner_opts_from_config(&ro, c);
    if (strcmp(c->broker, "paper") != 0) {
        ro.make_broker = tb_engine_make_broker;
        ro.broker_ud = en;
    }
    tb_live_opts lo;
    tb_engine_feed_buf fb;
    int live = tb_engine_live_opts(en, &lo, &fb, e);
    if (live > 0) ro.live = &lo;
    /* The live figure only ever holds live samples (a replay's 150x minutes are another series). */
    tb_loop_set_mode(en->loop, live > 0 ? TB_LOOP_LIVE : TB_LOOP_REPLAY);
    if (live > 0 && c->bar_store.live && open_bar_sink(en, &lo, e) != 0) live = -1;
    if (live > 0 && c->record.enabled) open_recorder(en, &ro);
    int rc = live < 0 ? -1 : tb_runner_open(&en->runner, &ro, e);
    memset(&fb, 0, sizeof fb); /* the keys: copied by the feed */
    if (rc != 0) return -1;
    en->runner_open = 1;
    tb_risk_attach(en->risk, tb_trader_oms(en->runner.trader));
    en->ml.gate.oms = tb_trader_oms(en->runner.trader);
    if (!(en->dbwait = tb_dbwait_new(en, tb_loop_base(en->loop))))
        return tb_errf(e, "cannot start the database retry timer");
    return 0;
}

int tb_engine_open(tb_engine *en, const tb_engine_args *args, tb_err *e)
{
    memset(en, 0, sizeof *en);
    current = en;
    attach_lua(en);
    en->started_ns = tb_clock_now_ns();
    tb_home_path(en->config_path, sizeof en->config_path, TB_CONFIG_PATH);
    if (tb_config_write_default(en->config_path, e) == 1)
        TB_INFO("config", "wrote the default configuration to %s", TB_CONFIG_PATH);
    tb_config_errors errs;
    if (tb_config_load(en->config_path, 0, &en->cfg, &errs) != 0) {
        log_config_errors(&errs);
        return tb_errf(e, "%s (and %d more; `tradebot check` lists them)", errs.msg[0], errs.n - 1);
    }
    if (args && args->dashboard_port >= 0) en->cfg.dashboard.port = args->dashboard_port;
    apply_logging(&en->cfg);
    if (!(en->loop = tb_loop_new(en->cfg.loop.latency_probe_ms, e))) return -1;
    tb_loop_set_stall_ms(en->loop, en->cfg.loop.stall_warn_ms);
    tb_loop_hooks hooks = {.on_stop = on_stop, .on_reload = on_reload, .ud = en};
    if (tb_loop_handle_signals(en->loop, &hooks, e) != 0) return -1;
    tb_shost_init_config(&en->shost, &en->cfg);
    tb_shipped_write_missing(); /* a new home gets the examples its configuration names */
    if (open_risk(en, e) != 0 || open_trading(en, e) != 0) return -1;
    for (int i = 0; i < en->cfg.nstrategies; i++) {
        if (!en->cfg.strategies[i].enabled) continue;
        if (tb_shost_add(&en->shost, &en->cfg.strategies[i], e) != 0) return -1;
    }
    if (tb_persist_restore(en, e) != 0) return -1;
    if (tb_engine_feedback_open(en, e) != 0) return -1;
    if (en->cfg.reload.enabled && open_watch(en, e) != 0) return -1;
    if (tb_engine_orch_open(en, e) != 0) return -1;
    if (en->cfg.repl.enabled) {
        char sock[PATH_MAX];
        tb_home_path(sock, sizeof sock, en->cfg.repl.socket);
        tb_lua_limits rl = {.mem_limit = 512u << 20,
                            .instr_budget = en->cfg.repl.instruction_budget,
                            .time_limit_ms = en->cfg.repl.time_limit_ms};
        if (!(en->repl = tb_repl_server_new(tb_loop_base(en->loop), sock, &rl, e))) return -1;
    }
    return 0;
}

int tb_engine_run(tb_engine *en)
{
    TB_INFO("engine", "engine started: home=%s broker=%s feed=%s strategies=%d pid=%d",
            tb_home_dir(), en->cfg.broker, en->cfg.feed, en->shost.n, (int)getpid());
    tb_shost_broadcast(&en->shost, TB_CB_ON_START);
    tb_engine_orch_start(en);
    tb_err e;
    if (tb_engine_start_feed(en, &e) != 0) {
        TB_ERROR("replay", "cannot start the replay: %s", e.msg);
        return -1;
    }
    /* Start-up may wait for a lock (restoring needs the database); the loop may not. */
    if (en->db) tb_db_set_busy(en->db, TB_DB_LOOP_BUSY_MS);
    int rc = tb_loop_run(en->loop);
    if (en->db) tb_db_set_busy(en->db, TB_DB_DEFAULT_BUSY_MS);
    tb_shost_broadcast(&en->shost, TB_CB_ON_STOP);
    return rc;
}

void tb_engine_stop(tb_engine *en)
{
    en->stopping = 1;
    tb_loop_stop(en->loop);
}

void tb_engine_close(tb_engine *en)
{
    tb_repl_server_free(en->repl);
    tb_engine_orch_close(en);
    tb_watch_free(en->watch);
    /* Held fills first, while the broker adapter exists: applying them runs strategies' on_fill,
     * which may cancel or place orders through it. */
    tb_dbwait_free(en->dbwait);
    en->dbwait = NULL;
    tb_engine_brokers_close(en); /* the adapter points into the trader's OMS */
    tb_engine_feedback_close(en);
    if (en->runner_open) {
        tb_risk_pdt_flush(en->risk); /* while the order manager exists */
        tb_persist_save_states(en);
        tb_bar_sink_free(en->bar_sink); /* last flush, while the runner's symbols exist */
        en->bar_sink = NULL;
        tb_runner_close(&en->runner);
    }
    tb_recorder_close(en->recorder); /* after the trader: its broker is the recorder's decorator */
    en->recorder = NULL;
    tb_bar_sink_free(en->bar_sink); /* the runner failed to open: nothing buffered */
    if (en->risk_timer) event_free(en->risk_timer);
    tb_risk_free(en->risk);
    tb_engine_ml_close(&en->ml);
    tb_shost_free(&en->shost);
    tb_kv_close(en->kv);
    oms_store_close(en->ostore);
    tb_ckpt_stop(en->ckpt);
    tb_db_close(en->db);
    tb_jsonl_close(en->decisions);
    tb_loop_free(en->loop);
    tb_config_free(&en->cfg);
    TB_INFO("engine", "engine stopped");
    tb_rotate_wait();
    if (current == en) {
        current = NULL;
        tb_risk_lua_attach(NULL);
        tb_ml_lua_attach(NULL);
    }
}
