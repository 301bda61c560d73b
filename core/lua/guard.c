/*
 * guard.c - pcall, xpcall, coroutine.resume/close and load that cannot swallow a stop.
 *
 * These are the places where Lua code gets an error back as a value. Each one asks the state,
 * after the protected work, whether the call has been stopped (a budget spent, a deadline
 * passed, an allocation refused) and if so raises the engine's stop error again instead of
 * returning false. xpcall's message handler is not run once the call is stopped. setmetatable
 * refuses __gc where the state forbids finalizers: Lua runs finalizers with hooks off, so a
 * looping one could never be stopped.
 */
#include "lua/guard.h"
#include "lua/sandbox.h"

#include <lauxlib.h>

static void rethrow_if_stopped(lua_State *L, int failed)
{
    if (tb_lua_stopping(L, failed)) tb_lua_raise_stop(L, TB_STOP_NONE, "stopped");
}

/* Continuation shared by pcall and xpcall (as in lbaselib.c). */
static int finish_pcall(lua_State *L, int status, lua_KContext extra)
{
    if (status != LUA_OK && status != LUA_YIELD) {
        rethrow_if_stopped(L, 1);
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - (int)extra;
}

static int g_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
    return finish_pcall(L, status, 0);
}

/* xpcall's handler, skipped once the call is stopped: the stop error passes through unchanged. */
static int guarded_handler(lua_State *L)
{
    if (tb_lua_stopping(L, 1) || tb_lua_is_stop(L, 1)) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int g_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
    return finish_pcall(L, status, 2);
}

/* Calls the original function (upvalue 1) and rethrows a stop it reported as a value. */
static int g_catching(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    rethrow_if_stopped(L, lua_gettop(L) >= 1 && !lua_toboolean(L, 1));
    return lua_gettop(L);
}

/* load() for strategies: text only whatever mode is asked, and a stop in a reader rethrown. */
static int g_load_text(lua_State *L)
{
    int has_env = lua_gettop(L) >= 4;
    lua_settop(L, 4);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushliteral(L, "t");
    if (has_env) lua_pushvalue(L, 4);
    lua_call(L, has_env ? 4 : 3, LUA_MULTRET);
    rethrow_if_stopped(L, lua_isnil(L, 5));
    return lua_gettop(L) - 4;
}

static int g_setmetatable(lua_State *L)
{
    if (tb_lua_ctl_of(L)->forbid_gc && lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int t = lua_rawget(L, 2);
        lua_pop(L, 1);
        if (t != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc is not allowed here (finalizers run outside "
                                 "the sandbox's budgets)");
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* The engine's userdata keep their metatables to themselves (a Lua __gc put there would run
 * outside every budget). */
static int g_getmetatable(lua_State *L)
{
    luaL_checkany(L, 1);
    if (tb_lua_ctl_of(L)->forbid_gc && lua_type(L, 1) == LUA_TUSERDATA) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* Replaces t[name] (t on top) by f with the old value as upvalue 1. */
static void wrap_field(lua_State *L, const char *name, lua_CFunction f)
{
    if (lua_getfield(L, -1, name) == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, -2, name);
}

void tb_lua_install_guards(lua_State *L)
{
    lua_pushglobaltable(L);
    lua_pushcfunction(L, g_pcall);
    lua_setfield(L, -2, "pcall");
    lua_pushcfunction(L, g_xpcall);
    lua_setfield(L, -2, "xpcall");
    wrap_field(L, "load", tb_lua_ctl_of(L)->sandboxed ? g_load_text : g_catching);
    wrap_field(L, "setmetatable", g_setmetatable);
    wrap_field(L, "getmetatable", g_getmetatable);
    lua_pop(L, 1);
    if (lua_getglobal(L, "coroutine") == LUA_TTABLE) {
        wrap_field(L, "resume", g_catching);
        wrap_field(L, "close", g_catching);
    }
    lua_pop(L, 1);
}
