/*
 * data_lua.c - tb.data: the session calendar and CSV bars for Lua.
 *
 * Times: a Lua float, or an integer below 1e14 in magnitude, is Unix seconds; a larger integer
 * is ns since the epoch. Functions returning a time answer in the unit they were given (seconds
 * as a float, ns as an integer). Dates are "YYYY-MM-DD" strings (an integer 20261127 is
 * accepted too) and are returned as strings.
 *
 * Strategies (sandbox) get the calendar; trusted scripts also get read_csv, which reads files.
 */
#include "data/calendar.h"
#include "data/csv.h"
#include "lua/bind.h"

#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>

#define NS_LIMIT 100000000000000LL /* 1e14: larger integers are ns */

/* Reads a time argument; *is_ns says which unit the caller used. */
static int64_t check_time(lua_State *L, int arg, int *is_ns)
{
    if (lua_isinteger(L, arg)) {
        lua_Integer v = lua_tointeger(L, arg);
        *is_ns = v >= NS_LIMIT || v <= -NS_LIMIT;
        return *is_ns ? (int64_t)v : (int64_t)v * TB_NS_PER_SEC;
    }
    double s = luaL_checknumber(L, arg);
    if (!isfinite(s) || fabs(s) > 9e9) luaL_argerror(L, arg, "time out of range");
    *is_ns = 0;
    return (int64_t)llround(s * 1e9);
}

static void push_time(lua_State *L, int64_t ns, int as_ns)
{
    if (as_ns)
        lua_pushinteger(L, ns);
    else
        lua_pushnumber(L, (double)ns / 1e9);
}

static tb_date check_date(lua_State *L, int arg)
{
    tb_err e;
    tb_date d;
    char buf[16];
    const char *s;
    if (lua_isinteger(L, arg)) {
        snprintf(buf, sizeof buf, "%lld", (long long)lua_tointeger(L, arg));
        s = buf;
    } else {
        s = luaL_checkstring(L, arg);
    }
    if (tb_date_parse(s, &d, &e) != 0) luaL_argerror(L, arg, e.msg);
    return d;
}

static void push_date(lua_State *L, tb_date d)
{
    char buf[16];
    lua_pushstring(L, tb_date_fmt(d, buf, sizeof buf));
}

/* is_open(t [, extended]) -> boolean */
static int l_is_open(lua_State *L)
{
    int is_ns;
    int64_t t = check_time(L, 1, &is_ns);
    lua_pushboolean(L, tb_cal_is_open(NULL, t, lua_toboolean(L, 2)));
    return 1;
}

/* next_open(t) -> time of the first regular open after t */
static int l_next_open(lua_State *L)
{
    int is_ns;
    int64_t t = check_time(L, 1, &is_ns);
    push_time(L, tb_cal_next_open(NULL, t), is_ns);
    return 1;
}

/* next_close(t) -> time of the first regular close after t */
static int l_next_close(lua_State *L)
{
    int is_ns;
    int64_t t = check_time(L, 1, &is_ns);
    push_time(L, tb_cal_next_close(NULL, t), is_ns);
    return 1;
}

/* session(date) -> {date, trading, open, close, open_ns, close_ns, early_close, holiday} */
static int l_session(lua_State *L)
{
    tb_session s;
    int trading = tb_cal_session(NULL, check_date(L, 1), &s);
    lua_createtable(L, 0, 8);
    push_date(L, s.date);
    lua_setfield(L, -2, "date");
    lua_pushboolean(L, trading);
    lua_setfield(L, -2, "trading");
    if (trading) {
        push_time(L, s.open_ns, 0);
        lua_setfield(L, -2, "open");
        push_time(L, s.close_ns, 0);
        lua_setfield(L, -2, "close");
        lua_pushinteger(L, s.open_ns);
        lua_setfield(L, -2, "open_ns");
        lua_pushinteger(L, s.close_ns);
        lua_setfield(L, -2, "close_ns");
    } else {
        lua_pushstring(L, s.holiday);
        lua_setfield(L, -2, "holiday");
    }
    lua_pushboolean(L, s.early_close);
    lua_setfield(L, -2, "early_close");
    return 1;
}

/* business_days_between(d1, d2) -> trading days d with d1 < d <= d2 (negative if d2 < d1) */
static int l_business_days_between(lua_State *L)
{
    lua_pushinteger(L, tb_cal_business_days_between(NULL, check_date(L, 1), check_date(L, 2)));
    return 1;
}

/* session_day(t) -> "YYYY-MM-DD", the New York date of t */
static int l_session_day(lua_State *L)
{
    int is_ns;
    push_date(L, tb_cal_session_day(check_time(L, 1, &is_ns)));
    return 1;
}

/* local_time(t) -> seconds since New York midnight, "HH:MM:SS" */
static int l_local_time(lua_State *L)
{
    int is_ns, sod;
    char buf[16];
    tb_cal_local_time(check_time(L, 1, &is_ns), NULL, &sod);
    lua_pushinteger(L, sod);
    snprintf(buf, sizeof buf, "%02d:%02d:%02d", sod / 3600, sod / 60 % 60, sod % 60);
    lua_pushstring(L, buf);
    return 2;
}

/* next_trading_day(date), prev_trading_day(date) -> "YYYY-MM-DD" */
static int l_next_trading_day(lua_State *L)
{
    push_date(L, tb_cal_next_trading_day(NULL, check_date(L, 1)));
    return 1;
}

static int l_prev_trading_day(lua_State *L)
{
    push_date(L, tb_cal_prev_trading_day(NULL, check_date(L, 1)));
    return 1;
}

/* read_csv(path [, {policy="skip"|"reject", tf=seconds, symbol=}]) -> bars, report
 * or nil, message. Each bar: {symbol, t (seconds), t_ns, tf, o, h, l, c, v, vw, n}. */
static int l_read_csv(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    tb_csv_opts o = {TB_CSV_SKIP, 0, NULL};
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_getfield(L, 2, "policy");
        static const char *const pols[] = {"skip", "reject", NULL};
        o.policy = (tb_csv_policy)luaL_checkoption(L, -1, "skip", pols);
        lua_getfield(L, 2, "tf");
        o.tf_sec = (int)luaL_optinteger(L, -1, 0);
        lua_getfield(L, 2, "symbol");
        o.symbol = luaL_optstring(L, -1, NULL);
        lua_pop(L, 3); /* the options table keeps the symbol string alive */
    }
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_bar_vec v = {0};
    tb_csv_report rep;
    tb_err e;
    if (tb_csv_read_file(path, &o, &syms, &v, &rep, &e) != 0) {
        tb_bar_vec_free(&v);
        tb_symtab_free(&syms);
        lua_pushnil(L);
        lua_pushstring(L, e.msg);
        return 2;
    }
    lua_createtable(L, (int)v.n, 0);
    for (size_t i = 0; i < v.n; i++) {
        const tb_bar *b = &v.v[i];
        lua_createtable(L, 0, 11);
        lua_pushstring(L, tb_symtab_name(&syms, b->sym));
        lua_setfield(L, -2, "symbol");
        tbl_set_num(L, "t", (double)b->start_ns / 1e9);
        lua_pushinteger(L, b->start_ns);
        lua_setfield(L, -2, "t_ns");
        lua_pushinteger(L, b->tf_sec);
        lua_setfield(L, -2, "tf");
        tbl_set_num(L, "o", b->open);
        tbl_set_num(L, "h", b->high);
        tbl_set_num(L, "l", b->low);
        tbl_set_num(L, "c", b->close);
        tbl_set_num(L, "v", b->volume);
        tbl_set_num(L, "vw", b->vwap);
        lua_pushinteger(L, b->trades);
        lua_setfield(L, -2, "n");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)rep.rows);
    lua_setfield(L, -2, "rows");
    lua_pushinteger(L, (lua_Integer)rep.accepted);
    lua_setfield(L, -2, "accepted");
    lua_pushinteger(L, (lua_Integer)rep.skipped[TB_CSV_MALFORMED]);
    lua_setfield(L, -2, "malformed");
    lua_pushinteger(L, (lua_Integer)rep.skipped[TB_CSV_OUT_OF_ORDER]);
    lua_setfield(L, -2, "out_of_order");
    lua_pushinteger(L, (lua_Integer)rep.skipped[TB_CSV_DUPLICATE]);
    lua_setfield(L, -2, "duplicate");
    lua_createtable(L, rep.nmsgs, 0);
    for (int k = 0; k < rep.nmsgs; k++) {
        lua_pushstring(L, rep.msgs[k]);
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "messages");
    tb_bar_vec_free(&v);
    tb_symtab_free(&syms);
    return 2;
}

static const luaL_Reg calendar_fns[] = {
    {"is_open", l_is_open},
    {"next_open", l_next_open},
    {"next_close", l_next_close},
    {"session", l_session},
    {"business_days_between", l_business_days_between},
    {"session_day", l_session_day},
    {"local_time", l_local_time},
    {"next_trading_day", l_next_trading_day},
    {"prev_trading_day", l_prev_trading_day},
    {NULL, NULL},
};

static const luaL_Reg file_fns[] = {
    {"read_csv", l_read_csv},
    {NULL, NULL},
};

/* tb.data for strategies: the calendar only (no file access in the sandbox). */
int tbl_open_data_sandbox(lua_State *L)
{
    luaL_newlib(L, calendar_fns);
    return 1;
}

/* tb.data for trusted states: the calendar and read_csv. */
int tbl_open_data(lua_State *L)
{
    luaL_newlib(L, calendar_fns);
    luaL_setfuncs(L, file_fns, 0);
    return 1;
}
