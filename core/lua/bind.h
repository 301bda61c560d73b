/*
 * bind.h - what every binding file (core/<area>/<area>_lua.c) shares, as in Knot Resolver's
 * daemon/bindings: the openers of the `tb` submodules, declared once here so each definition is
 * checked against the table core/lua/tb_module.c builds from them, and the setters that fill
 * the table on top of the stack. Errors follow the Lua library's style: luaL_check* and
 * luaL_argerror for a bad argument (naming it), luaL_error("<what>: <why>") otherwise.
 */
#ifndef TB_LUA_BIND_H
#define TB_LUA_BIND_H

#include <lauxlib.h>
#include <lua.h>

/* The submodules, each pushing its table (tb_module.c says which trust level gets which). */
int tbl_open_log(lua_State *L);          /* core/log/log_lua.c */
int tbl_open_json(lua_State *L);         /* core/lua/util_lua.c */
int tbl_open_util(lua_State *L);         /* core/lua/util_lua.c */
int tbl_open_engine(lua_State *L);       /* core/engine/engine_lua.c */
int tbl_open_ind(lua_State *L);          /* core/ind/ind_lua.c */
int tbl_open_data(lua_State *L);         /* core/data/data_lua.c: calendar and read_csv */
int tbl_open_data_sandbox(lua_State *L); /* core/data/data_lua.c: the calendar only */
int tbl_open_risk(lua_State *L);         /* core/risk/risk_lua.c */
int tbl_open_orch(lua_State *L);         /* core/orch/orch_lua.c */
int tbl_open_ml(lua_State *L);           /* core/ml/ml_lua.c */
int tbl_open_sentinel(lua_State *L);     /* core/sentinel/sentinel_lua.c */

/* t[k] = v for the table on top of the stack. */
static inline void tbl_set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static inline void tbl_set_num(lua_State *L, const char *k, lua_Number v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

/* v NULL sets nothing (the key stays nil). */
static inline void tbl_set_str(lua_State *L, const char *k, const char *v)
{
    if (!v) return;
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

static inline void tbl_set_bool(lua_State *L, const char *k, int v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}

#endif
