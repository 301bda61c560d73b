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

/* tb_lua_xcopy that refuses output over max_bytes (0 = unlimited) or deeper than 32 levels: -1
 * with err naming the path ("too large (more than 1024 KB serialised) at a.b"), nil pushed.
 * Allocates in `to` only: call it protected on `to`. */
int tb_lua_xcopy_bounded(lua_State *from, int idx, lua_State *to, size_t max_bytes, int *dropped,
                         char *err, size_t errlen);

/*
 * A strategy's ctx.state as JSON, bounded: NULL with err naming the path when it holds a cycle,
 * is deeper than 32 levels, or serialises to more than max_bytes (shared subtables count every
 * time they appear). Functions and userdata are left out. Never allocates in L, so it is safe
 * outside a protected call.
 */
json_t *tb_lua_state_json(lua_State *L, int idx, size_t max_bytes, char *err, size_t errlen);

/* Appends a readable rendering of the value at idx (tables pretty-printed, keys sorted, cycles
 * marked, depth limited) to b. */
void tb_lua_pretty(lua_State *L, int idx, tb_sbuf *b);

#endif
