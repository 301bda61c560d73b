/*
 * tb_module.h - the `tb` Lua module: one table with one submodule per engine area.
 *
 * Each area has a binding file beside its C code (core/<area>/<area>_lua.c) that exports
 * `int tbl_open_<area>(lua_State *L)` pushing its submodule table; tb_module.c lists them in one
 * table. A state opened for a sandboxed strategy gets only the safe submodules; a trusted state
 * (tradebot lua, the REPL, scripts/) gets them all.
 */
#ifndef TB_LUA_TB_MODULE_H
#define TB_LUA_TB_MODULE_H

#include <lua.h>

typedef enum { TB_LUA_SANDBOX = 0, TB_LUA_TRUSTED = 1 } tb_lua_trust;

/* Pushes the `tb` table with the submodules the given trust level may use. */
int tb_lua_open(lua_State *L, tb_lua_trust trust);

/* luaopen_tb for `require "tb"` from stock lua5.4 and busted: the trusted table. */
int luaopen_tb(lua_State *L);

#endif
