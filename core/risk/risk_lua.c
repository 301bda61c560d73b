/*
 * risk_lua.c - tb.risk: the gates seen from the REPL and trusted scripts.
 *
 *   tb.risk.status()        -> {enabled, gates = {kill_switch = n, ...}, kill = {...},
 *                               macro = {vix, date, source, survival, stale},
 *                               day_trades = {count, pending, reserved, left, max, policy}}
 *   tb.risk.kill(reason)    -> engages the kill switch (cancels every open order)
 *   tb.risk.clear()         -> clears it
 */
#include "risk/risk_lua.h"
#include "lua/bind.h"

#include <lauxlib.h>

static tb_risk_lua_src src; /* risk NULL: no engine attached */

void tb_risk_lua_attach(const tb_risk_lua_src *s)
{
    src = s ? *s : (tb_risk_lua_src){0};
}

static tb_risk *need_risk(lua_State *L)
{
    if (!src.risk || !*src.risk)
        luaL_error(L, "no engine with risk gates is running in this process");
    return *src.risk;
}

static void push_gates(lua_State *L, const tb_risk *r)
{
    const uint64_t *c = tb_risk_counts(r);
    lua_createtable(L, 0, TB_GATE_COUNT);
    for (int g = 0; g < TB_GATE_COUNT; g++)
        tbl_set_int(L, tb_gate_name((tb_gate_id)g), (long long)c[g]);
}

static void push_kill(lua_State *L, const tb_risk *r)
{
    tb_risk_kill_state k;
    tb_risk_kill_get(r, &k);
    lua_newtable(L);
    tbl_set_bool(L, "engaged", k.engaged);
    if (k.engaged) {
        tbl_set_str(L, "who", k.who);
        tbl_set_str(L, "reason", k.reason);
        tbl_set_int(L, "since", (long long)(k.since_ns / 1000000000LL));
    }
    tbl_set_int(L, "cancels_requested", k.cancels_requested);
    tbl_set_int(L, "cancels_confirmed", k.cancels_confirmed);
}

static void push_macro(lua_State *L, const tb_risk *r)
{
    tb_macro m;
    int survival, stale;
    tb_risk_macro_get(r, &m, &survival, &stale);
    lua_newtable(L);
    if (m.valid) {
        lua_pushnumber(L, m.vix);
        lua_setfield(L, -2, "vix");
        tbl_set_str(L, "date", m.vix_date);
        tbl_set_str(L, "source", m.source);
    }
    tbl_set_bool(L, "survival", survival);
    tbl_set_bool(L, "stale", stale);
}

static void push_day_trades(lua_State *L, tb_risk *r)
{
    tb_risk_dt_state d = {0};
    tb_gate_ctx cx = {0};
    if (src.gate_ctx && src.gate_ctx(src.ud, &cx)) tb_risk_dt_get(r, &cx, &d);
    lua_newtable(L);
    tbl_set_int(L, "count", d.count);
    tbl_set_int(L, "pending", d.pending);
    tbl_set_int(L, "reserved", d.reserved);
    tbl_set_int(L, "left", d.left);
    tbl_set_bool(L, "applies", d.applies);
    tbl_set_int(L, "max", src.cfg->risk.day_trades.max_day_trades);
    tbl_set_str(L, "policy", src.cfg->risk.day_trades.policy);
}

static int l_status(lua_State *L)
{
    tb_risk *r = need_risk(L);
    lua_newtable(L);
    tbl_set_bool(L, "enabled", src.cfg->risk.enabled);
    push_gates(L, r);
    lua_setfield(L, -2, "gates");
    push_kill(L, r);
    lua_setfield(L, -2, "kill");
    push_macro(L, r);
    lua_setfield(L, -2, "macro");
    push_day_trades(L, r);
    lua_setfield(L, -2, "day_trades");
    return 1;
}

static int l_kill(lua_State *L)
{
    tb_risk *r = need_risk(L);
    const char *reason = luaL_checkstring(L, 1);
    tb_err e;
    if (tb_risk_kill(r, "repl", reason, &e) != 0) return luaL_error(L, "%s", e.msg);
    tb_risk_kill_state k;
    tb_risk_kill_get(r, &k);
    lua_pushinteger(L, k.cancels_requested);
    return 1;
}

static int l_clear(lua_State *L)
{
    tb_risk *r = need_risk(L);
    tb_err e;
    if (tb_risk_clear(r, "repl", &e) != 0) return luaL_error(L, "%s", e.msg);
    lua_pushboolean(L, 1);
    return 1;
}

int tbl_open_risk(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"status", l_status},
        {"kill", l_kill},
        {"clear", l_clear},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    return 1;
}
