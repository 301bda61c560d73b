/*
 * keys.h - pre-interned field names for tables the engine fills on every bar.
 *
 * lua_setfield(L, i, "close") runs the C string through Lua's string cache (a strcmp) every
 * time; on the per-bar path that was the largest single cost. The names live once per state in
 * a table (registry, keyed by a C pointer) and are pushed with lua_rawgeti instead.
 */
#ifndef TB_LUA_KEYS_H
#define TB_LUA_KEYS_H

#include <lua.h>

typedef enum tb_key {
    TB_K_SYMBOL,
    TB_K_T,
    TB_K_OPEN,
    TB_K_HIGH,
    TB_K_LOW,
    TB_K_CLOSE,
    TB_K_VOLUME,
    TB_K_SEQ,
    TB_K_PARAMS,
    TB_K_QTY,
    TB_K_AVG_PRICE,
    TB_K_REALIZED,
    TB_K_UNREALIZED,
    TB_K_COUNT
} tb_key;

/* Pushes the state's key table (creating it on first use). */
void tb_lua_push_keys(lua_State *L);

/* Pushes the name k: then push the value and lua_rawset(L, t). keys: the key table's index. */
static inline void tb_lua_pushk(lua_State *L, int keys, tb_key k)
{
    lua_rawgeti(L, keys, (lua_Integer)k + 1);
}

/* t[k] = v, a number; t and keys are not relative to the top (absolute or pseudo indexes). */
static inline void tb_lua_setk_num(lua_State *L, int keys, int t, tb_key k, lua_Number v)
{
    tb_lua_pushk(L, keys, k);
    lua_pushnumber(L, v);
    lua_rawset(L, t);
}

/* t[k] = v, an integer; t and keys are not relative to the top (absolute or pseudo indexes). */
static inline void tb_lua_setk_int(lua_State *L, int keys, int t, tb_key k, lua_Integer v)
{
    tb_lua_pushk(L, keys, k);
    lua_pushinteger(L, v);
    lua_rawset(L, t);
}

#endif
