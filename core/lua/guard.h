/*
 * guard.h - the catch points of Lua, made unable to swallow a stop (see lua/sandbox.h).
 */
#ifndef TB_LUA_GUARD_H
#define TB_LUA_GUARD_H

#include <lua.h>

/* Replaces pcall, xpcall, coroutine.resume/close, load, setmetatable and getmetatable of a state
 * made by tb_lua_new with versions that rethrow the engine's stop error. */
void tb_lua_install_guards(lua_State *L);

/* string.find/match/gmatch/gsub with the bounded matcher (lua/pattern.c). */
void tb_lua_open_patterns(lua_State *L);

#endif
