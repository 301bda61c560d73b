/*
 * convert.h - moving values between JSON, Lua states and text.
 */
#ifndef TB_LUA_CONVERT_H
#define TB_LUA_CONVERT_H

#include "util/sbuf.h"

#include <jansson.h>
#include <lua.h>

/* Pushes a JSON value as Lua (objects and arrays become tables, null becomes nil). */
void tb_lua_push_json(lua_State *L, const json_t *v);

/* Converts the Lua value at idx to JSON (tables with 1..n keys become arrays; functions,
 * userdata and cycles are dropped). Returns a new reference, or NULL for nil. */
json_t *tb_lua_to_json(lua_State *L, int idx);

/*
 * Copies plain data (nil, booleans, numbers, strings, tables of them) from one state to another
 * and pushes it on `to`. Functions, userdata, threads and cycles are left out; their number is
 * added to *dropped. Used to carry a strategy's `state` table across a reload.
 */
void tb_lua_xcopy(lua_State *from, int idx, lua_State *to, int *dropped);

/* Appends a readable rendering of the value at idx (tables pretty-printed, keys sorted, cycles
 * marked, depth limited) to b. */
void tb_lua_pretty(lua_State *L, int idx, tb_sbuf *b);

#endif
