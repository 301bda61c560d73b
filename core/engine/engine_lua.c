/*
 * engine_lua.c - tb.engine: the running engine seen from the REPL and trusted scripts.
 *
 *   tb.engine.status()        -> {version, home, pid, uptime_s, broker, feed, strategies,
 *                                 catching_up (a restart replays the seen bars at full speed),
 *                                 reloads..., loop_latency_us = {mode, p50, p99, max, count},
 *                                 db = {held_updates, intents_refused, rows_pending, ...},
 *                                 net = {broker_state, requests, retries, status_429, ...}}
 *   tb.engine.strategies()    -> { {name, file, version, events, errors, disabled, last_error}, ...
 * } tb.engine.reload(name?)   -> reloads one strategy (or the configuration when name is nil)
 *   tb.engine.candidates()    -> {count, date, generated_at, file_time, symbols = {{symbol, rank,
 *                                 score, gap_pct}, ...}} or nil before a candidates file loaded
 *   tb.engine.running()       -> true inside a running engine
 *   tb.engine.positions()     -> { {symbol, qty, avg_price, realized}, ... } (open ones)
 *   tb.engine.account()       -> {cash, equity, buying_power} as exact decimal strings
 */
#include "broker/alpaca.h"
#include "broker/ibkr.h"
#include "engine/brokers.h"
#include "engine/dbwait.h"
#include "engine/engine.h"
#include "lua/bind.h"
#include "lua/convert.h"
#include "engine/engine_orch.h"
#include "home/home.h"
#include "util/clock.h"
#include "version.h"

#include <lauxlib.h>
#include <stdio.h>
#include <unistd.h>

static tb_engine *need_engine(lua_State *L)
{
    tb_engine *en = tb_engine_current();
    if (!en) luaL_error(L, "no engine is running in this process (attach with `tradebot repl`)");
    return en;
}

/* db = {held_updates, held_total, held_dropped, intents_refused, rows_pending, rows_deferred,
 * rows_dropped, lock_episodes}: writes that waited for a locked database (engine/dbwait.h). */
static void push_db(lua_State *L, tb_engine *en)
{
    if (!en->dbwait) return;
    tb_dbwait_stats s;
    tb_dbwait_stats_get(en->dbwait, &s);
    lua_newtable(L);
    tbl_set_int(L, "held_updates", s.held_updates);
    tbl_set_int(L, "held_total", (long long)s.held_total);
    tbl_set_int(L, "held_dropped", (long long)s.held_dropped);
    tbl_set_int(L, "intents_refused", (long long)s.intents_refused);
    tbl_set_int(L, "unjournaled_cancels", (long long)s.unjournaled_cancels);
    tbl_set_int(L, "rows_pending", (long long)s.rows_pending);
    tbl_set_int(L, "rows_deferred", (long long)s.rows_deferred);
    tbl_set_int(L, "rows_dropped", (long long)s.rows_dropped);
    tbl_set_int(L, "lock_episodes", (long long)s.episodes);
    lua_setfield(L, -2, "db");
}

/* The broker's connection state and the network counters (the retry metric of the runbook). */
static void push_net(lua_State *L, tb_engine *en)
{
    lua_newtable(L);
    broker b;
    int real = tb_engine_real_broker(en, &b);
    tbl_set_str(L, "broker_state", real ? broker_state_name(broker_get_state(b)) : "ready");
    char why[200];
    const char *code = real ? broker_not_ready(b, why, sizeof why) : NULL;
    if (code) tbl_set_str(L, "broker_not_ready", why); /* what refuses new intents now */
    if (en->http) {
        tb_httpc_stats h;
        tb_httpc_stats_get(en->http, &h);
        tbl_set_int(L, "requests", (long long)h.requests);
        tbl_set_int(L, "retries", (long long)h.retries);
        tbl_set_int(L, "status_429", (long long)h.status_429);
        tbl_set_int(L, "status_5xx", (long long)h.status_5xx);
        tbl_set_int(L, "auth_failures", (long long)h.auth_failures);
        tbl_set_int(L, "transport_errors", (long long)h.transport_errors);
        tbl_set_int(L, "throttled", (long long)h.throttled);
    }
    if (en->alpaca) {
        alpaca_stats a;
        alpaca_stats_get(en->alpaca, &a);
        tbl_set_int(L, "reconciles", (long long)a.reconciles);
        tbl_set_int(L, "periodic_reconciles", (long long)a.periodic_reconciles);
        tbl_set_int(L, "reconcile_differences", (long long)a.differences);
        tbl_set_int(L, "unknown_outcomes", (long long)a.unknown_outcomes);
        tbl_set_int(L, "order_lookups", (long long)a.lookups);
        tbl_set_int(L, "stream_events", (long long)a.stream_events);
        tbl_set_int(L, "stream_reconnects", (long long)a.stream_reconnects);
        tbl_set_int(L, "order_polls", (long long)a.order_polls);
        tbl_set_int(L, "order_polls_learned", (long long)a.polls_learned);
        tbl_set_int(L, "stream_forced_reconnects", (long long)a.stream_forced_reconnects);
    }
    if (en->ibkr) {
        ibkr_stats s;
        ibkr_conn_stats c;
        ibkr_stats_get(en->ibkr, &s);
        ibkr_get_conn_stats(en->ibkr, &c);
        tbl_set_int(L, "reconciles", (long long)s.reconciles);
        tbl_set_int(L, "periodic_reconciles", (long long)s.quiet_reconciles);
        tbl_set_int(L, "reconcile_differences", (long long)s.differences);
        tbl_set_int(L, "ibkr_orders_sent", (long long)s.orders_sent);
        tbl_set_int(L, "ibkr_fills", (long long)s.fills);
        tbl_set_int(L, "ibkr_replayed_execs", (long long)s.replayed_execs);
        tbl_set_int(L, "ibkr_rejects", (long long)s.rejects);
        tbl_set_int(L, "ibkr_window_refusals", (long long)s.window_refusals);
        tbl_set_int(L, "ibkr_last_order_id", (long long)s.last_order_id);
        tbl_set_int(L, "ibkr_drops", (long long)c.drops);
        tbl_set_int(L, "ibkr_code_1100", (long long)c.code_1100);
        tbl_set_int(L, "ibkr_code_326", (long long)c.code_326);
        tbl_set_int(L, "ibkr_client_id", c.client_id);
        tbl_set_int(L, "ibkr_server_version", c.server_version);
        tbl_set_int(L, "ibkr_refused_version", c.refused_version);
        tbl_set_int(L, "ibkr_fees_applied", (long long)s.fees_applied);
        /* the send queue (docs/brokers.md, Pacing) */
        tbl_set_int(L, "ibkr_queue_depth", (long long)c.queue_depth);
        tbl_set_int(L, "ibkr_max_queue", (long long)c.max_queue);
        tbl_set_int(L, "ibkr_msgs_sent", (long long)c.msgs_sent);
        tbl_set_int(L, "ibkr_msgs_delayed", (long long)c.msgs_delayed);
        tbl_set_int(L, "ibkr_msgs_discarded", (long long)c.msgs_discarded);
    }
    lua_setfield(L, -2, "net");
}

static int l_status(lua_State *L)
{
    tb_engine *en = need_engine(L);
    lua_newtable(L);
    tbl_set_str(L, "version", TB_VERSION);
    tbl_set_str(L, "home", tb_home_dir());
    tbl_set_int(L, "pid", getpid());
    tbl_set_num(L, "uptime_s", (double)(tb_clock_now_ns() - en->started_ns) / 1e9);
    tbl_set_str(L, "broker", en->cfg.broker);
    tbl_set_str(L, "feed", en->cfg.feed);
    tbl_set_int(L, "strategies", en->shost.n);
    lua_pushboolean(L, en->runner_open && en->runner.catching_up); /* after a restart */
    lua_setfield(L, -2, "catching_up");
    tbl_set_int(L, "strategy_reloads", (long long)en->shost.reloads);
    tbl_set_int(L, "strategy_reload_failures", (long long)en->shost.reload_failures);
    tbl_set_int(L, "config_reloads", (long long)en->config_reloads);
    tbl_set_int(L, "config_reload_failures", (long long)en->config_reload_failures);
    if (en->dash) {
        char url[128];
        snprintf(url, sizeof url, "http://%s:%d/", en->cfg.dashboard.bind, en->dash_port);
        tbl_set_str(L, "dashboard", url);
    }
    tb_latency lat;
    tb_loop_latency(en->loop, &lat);
    lua_newtable(L);
    tbl_set_str(L, "mode", tb_loop_mode_name(tb_loop_get_mode(en->loop)));
    tbl_set_num(L, "p50", tb_latency_quantile(&lat, 0.5));
    tbl_set_num(L, "p99", tb_latency_quantile(&lat, 0.99));
    tbl_set_num(L, "max", lat.max_us);
    tbl_set_num(L, "last", lat.last_us);
    tbl_set_int(L, "count", (long long)lat.count);
    lua_setfield(L, -2, "loop_latency_us");
    push_db(L, en);
    push_net(L, en);
    return 1;
}

/* tb.engine.kill_switch(engage = true): stop new orders and cancel open ones (false releases). */
static int l_kill_switch(lua_State *L)
{
    tb_engine *en = need_engine(L);
    int engage = lua_isnoneornil(L, 1) ? 1 : lua_toboolean(L, 1);
    tb_err e;
    if (tb_engine_kill_switch(en, engage, "repl", &e) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, e.msg);
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int l_strategies(lua_State *L)
{
    tb_engine *en = need_engine(L);
    lua_createtable(L, en->shost.n, 0);
    for (int i = 0; i < en->shost.n; i++) {
        const tb_strategy *s = en->shost.s[i];
        lua_newtable(L);
        tbl_set_str(L, "name", s->name);
        tbl_set_str(L, "file", s->rel);
        tbl_set_int(L, "version", s->version);
        tbl_set_int(L, "events", (long long)s->events);
        tbl_set_int(L, "errors", (long long)s->errors);
        lua_pushboolean(L, s->disabled);
        lua_setfield(L, -2, "disabled");
        if (s->last_error[0]) tbl_set_str(L, "last_error", s->last_error);
        /* ctx.params as the strategy sees them (file defaults, configuration, overlay) */
        int dropped = 0;
        lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->ref_params);
        tb_lua_xcopy(s->L, -1, L, &dropped);
        lua_pop(s->L, 1);
        lua_setfield(L, -2, "params");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_reload(lua_State *L)
{
    tb_engine *en = need_engine(L);
    tb_err e;
    if (lua_isnoneornil(L, 1)) {
        if (tb_engine_reload_config(en, &e) != 0) return luaL_error(L, "%s", e.msg);
        lua_pushboolean(L, 1);
        return 1;
    }
    const char *name = luaL_checkstring(L, 1);
    tb_strategy *s = tb_shost_find(&en->shost, name);
    if (!s) return luaL_error(L, "no strategy named '%s'", name);
    if (tb_shost_reload_path(&en->shost, s->path, &e) < 0) return luaL_error(L, "%s", e.msg);
    lua_pushinteger(L, s->version);
    return 1;
}

static int l_positions(lua_State *L)
{
    tb_engine *en = need_engine(L);
    if (!en->runner_open) return luaL_error(L, "no trading runner in this engine");
    const oms_position *ps[4096];
    int n = oms_positions(tb_trader_oms(en->runner.trader), ps, 4096), k = 0;
    lua_newtable(L);
    for (int i = 0; i < n && i < 4096; i++) {
        if (ps[i]->qty == 0) continue;
        lua_newtable(L);
        tbl_set_str(L, "symbol", ps[i]->symbol);
        tbl_set_int(L, "qty", ps[i]->qty);
        tbl_set_num(L, "avg_price", tb_money_to_double(ps[i]->avg_price));
        tbl_set_num(L, "realized", tb_money_to_double(ps[i]->realized_pnl));
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

static int l_account(lua_State *L)
{
    tb_engine *en = need_engine(L);
    if (!en->runner_open) return luaL_error(L, "no trading runner in this engine");
    broker_account a = tb_trader_account(en->runner.trader);
    char buf[32];
    lua_newtable(L);
    tbl_set_str(L, "cash", tb_money_fmt(a.cash, buf, sizeof buf)); /* exact decimal strings */
    tbl_set_str(L, "equity", tb_money_fmt(a.equity, buf, sizeof buf));
    tbl_set_str(L, "buying_power", tb_money_fmt(a.buying_power, buf, sizeof buf));
    return 1;
}

/* The candidates the engine loaded last: {count, date, generated_at, file_time, symbols} */
static int l_candidates(lua_State *L)
{
    tb_engine *en = need_engine(L);
    int64_t file_ns;
    const tb_cand_set *set = tb_engine_candidates(en, &file_ns);
    if (!set) return lua_pushnil(L), 1;
    char buf[40];
    lua_newtable(L);
    tbl_set_int(L, "count", set->n);
    tbl_set_str(L, "date", tb_date_fmt(set->date, buf, sizeof buf));
    tbl_set_str(L, "generated_at", set->generated_at);
    tbl_set_str(L, "file_time", tb_clock_fmt_utc(file_ns, buf, sizeof buf));
    lua_createtable(L, set->n, 0);
    for (int i = 0; i < set->n; i++) {
        lua_createtable(L, 0, 4);
        tbl_set_str(L, "symbol", set->c[i].symbol);
        tbl_set_int(L, "rank", i + 1);
        tbl_set_num(L, "score", set->c[i].score);
        tbl_set_num(L, "gap_pct", set->c[i].gap_pct);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "symbols");
    return 1;
}

/* tb.engine.archive_decision_log() -> path of the archive: the runbook's "archive and truncate
 * enhanced_decision_log.jsonl", done by the writer itself so no line goes to a moved file. */
static int l_archive_decision_log(lua_State *L)
{
    tb_engine *en = need_engine(L);
    if (!en->decisions) return luaL_error(L, "this engine keeps no decision log");
    char out[4096];
    tb_err e;
    if (tb_jsonl_rotate_now(en->decisions, out, sizeof out, &e) != 0)
        return luaL_error(L, "%s", e.msg);
    lua_pushstring(L, out);
    return 1;
}

static int l_running(lua_State *L)
{
    lua_pushboolean(L, tb_engine_current() != NULL);
    return 1;
}

int tbl_open_engine(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"status", l_status},
        {"strategies", l_strategies},
        {"reload", l_reload},
        {"running", l_running},
        {"positions", l_positions},
        {"account", l_account},
        {"candidates", l_candidates},
        {"kill_switch", l_kill_switch},
        {"archive_decision_log", l_archive_decision_log},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    return 1;
}
