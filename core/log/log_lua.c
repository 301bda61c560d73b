/*
 * log_lua.c - tb.log: debug/info/warn/error(...) write to the engine log.
 *
 * Arguments are joined like print() does. The component is the registry value "tb.component"
 * (a strategy's name, "repl", a script's name), so every line says who wrote it.
 */
#include "log/log.h"
#include "lua/bind.h"
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <string.h>

#define TB_COMPONENT_KEY "tb.component"

/* A sandboxed call writes at most TB_LUA_LOG_LINES lines: the text log is the engine's disk and
 * the operator's attention, not the strategy's. 1 when this line must be dropped. */
static int over_log_cap(lua_State *L, const char *comp)
{
    int t = lua_getfield(L, LUA_REGISTRYINDEX, TB_LUA_CTL_KEY);
    tb_lua_ctl *c = t == LUA_TLIGHTUSERDATA ? lua_touserdata(L, -1) : NULL;
    lua_pop(L, 1);
    if (!c || !c->sandboxed) return 0;
    if (++c->log_lines == TB_LUA_LOG_LINES + 1)
        tb_log(TB_LOG_WARN, comp,
               "more than %d log lines in one call: the rest of this call's "
               "lines are dropped",
               TB_LUA_LOG_LINES);
    return c->log_lines > TB_LUA_LOG_LINES;
}

static int log_at(lua_State *L, tb_log_level level)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, ' ');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_getfield(L, LUA_REGISTRYINDEX, TB_COMPONENT_KEY);
    const char *comp = lua_isstring(L, -1) ? lua_tostring(L, -1) : "lua";
    if (over_log_cap(L, comp)) return 0;
    tb_log(level, comp, "%s", lua_tostring(L, -2));
    return 0;
}

static int l_debug(lua_State *L)
{
    return log_at(L, TB_LOG_DEBUG);
}
static int l_info(lua_State *L)
{
    return log_at(L, TB_LOG_INFO);
}
static int l_warn(lua_State *L)
{
    return log_at(L, TB_LOG_WARN);
}
static int l_error(lua_State *L)
{
    return log_at(L, TB_LOG_ERROR);
}

int tbl_open_log(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"debug", l_debug}, {"info", l_info}, {"warn", l_warn}, {"error", l_error}, {NULL, NULL},
    };
    luaL_newlib(L, fns);
    return 1;
}
