/*
 * engine_lua.c - tb.engine: the running engine seen from the REPL and trusted scripts.
 *
 *   tb.engine.status()        -> {version, home, pid, uptime_s, broker, feed, strategies,
 *                                 reloads..., loop_latency_us = {p50, p99, max, count},
 *                                 net = {broker_state, requests, retries, status_429, ...}}
 *   tb.engine.strategies()    -> { {name, file, version, events, errors, disabled, last_error}, ...
 * } tb.engine.reload(name?)   -> reloads one strategy (or the configuration when name is nil)
 *   tb.engine.running()       -> true inside a running engine
 */
#include "broker/alpaca.h"
#include "engine/engine.h"
#include "home/home.h"
#include "util/clock.h"
#include "version.h"

#include <lauxlib.h>
#include <unistd.h>

static tb_engine *need_engine(lua_State *L)
{
    tb_engine *en = tb_engine_current();
    if (!en) luaL_error(L, "no engine is running in this process (attach with `tradebot repl`)");
    return en;
}

static void set_num(lua_State *L, const char *k, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, long long v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

/* The broker's connection state and the network counters (the retry metric of the runbook). */
static void push_net(lua_State *L, tb_engine *en)
{
    lua_newtable(L);
    set_str(L, "broker_state",
            en->alpaca ? broker_state_name(broker_get_state(alpaca_broker(en->alpaca))) : "ready");
    if (en->http) {
        tb_http_stats h;
        tb_http_stats_get(en->http, &h);
        set_int(L, "requests", (long long)h.requests);
        set_int(L, "retries", (long long)h.retries);
        set_int(L, "status_429", (long long)h.status_429);
        set_int(L, "status_5xx", (long long)h.status_5xx);
        set_int(L, "auth_failures", (long long)h.auth_failures);
        set_int(L, "transport_errors", (long long)h.transport_errors);
        set_int(L, "throttled", (long long)h.throttled);
    }
    if (en->alpaca) {
        alpaca_stats a;
        alpaca_stats_get(en->alpaca, &a);
        set_int(L, "reconciles", (long long)a.reconciles);
        set_int(L, "reconcile_differences", (long long)a.differences);
        set_int(L, "unknown_outcomes", (long long)a.unknown_outcomes);
        set_int(L, "order_lookups", (long long)a.lookups);
        set_int(L, "stream_events", (long long)a.stream_events);
        set_int(L, "stream_reconnects", (long long)a.stream_reconnects);
    }
    lua_setfield(L, -2, "net");
}

static int l_status(lua_State *L)
{
    tb_engine *en = need_engine(L);
    lua_newtable(L);
    set_str(L, "version", TB_VERSION);
    set_str(L, "home", tb_home_dir());
    set_int(L, "pid", getpid());
    set_num(L, "uptime_s", (double)(tb_clock_now_ns() - en->started_ns) / 1e9);
    set_str(L, "broker", en->cfg.broker);
    set_str(L, "feed", en->cfg.feed);
    set_int(L, "strategies", en->shost.n);
    set_int(L, "strategy_reloads", (long long)en->shost.reloads);
    set_int(L, "strategy_reload_failures", (long long)en->shost.reload_failures);
    set_int(L, "config_reloads", (long long)en->config_reloads);
    set_int(L, "config_reload_failures", (long long)en->config_reload_failures);
    tb_latency lat;
    tb_loop_latency(en->loop, &lat);
    lua_newtable(L);
    set_num(L, "p50", tb_latency_quantile(&lat, 0.5));
    set_num(L, "p99", tb_latency_quantile(&lat, 0.99));
    set_num(L, "max", lat.max_us);
    set_int(L, "count", (long long)lat.count);
    lua_setfield(L, -2, "loop_latency_us");
    push_net(L, en);
    return 1;
}

static int l_strategies(lua_State *L)
{
    tb_engine *en = need_engine(L);
    lua_createtable(L, en->shost.n, 0);
    for (int i = 0; i < en->shost.n; i++) {
        const tb_strategy *s = en->shost.s[i];
        lua_newtable(L);
        set_str(L, "name", s->name);
        set_str(L, "file", s->rel);
        set_int(L, "version", s->version);
        set_int(L, "events", (long long)s->events);
        set_int(L, "errors", (long long)s->errors);
        lua_pushboolean(L, s->disabled);
        lua_setfield(L, -2, "disabled");
        if (s->last_error[0]) set_str(L, "last_error", s->last_error);
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

static int l_running(lua_State *L)
{
    lua_pushboolean(L, tb_engine_current() != NULL);
    return 1;
}

int tbl_open_engine(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"status", l_status}, {"strategies", l_strategies},
        {"reload", l_reload}, {"running", l_running},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    return 1;
}
