/*
 * sentinel_lua.c - tb.sentinel for trusted scripts: facts(date?) returns the Sentinel's facts
 * as a table (the adaptive controller reads sessions and trades from it; a rule can be tried
 * on live facts from the REPL); strategy(file) returns what a strategy file declares ({name,
 * params, tunable}), read in the strategy sandbox, so the controller and the Healer's rules
 * never run a strategy file outside it.
 */
#include "config/config.h"
#include "home/home.h"
#include "lua/bind.h"
#include "lua/convert.h"
#include "sentinel/facts.h"
#include "strategy/decl.h"

#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>

static int l_facts(lua_State *L)
{
    const char *date = luaL_optstring(L, 1, NULL);
    tb_config cfg;
    tb_config_errors errs;
    tb_err e;
    char path[PATH_MAX];
    if (tb_home_resolve(&e) != 0) return luaL_error(L, "tb.sentinel.facts: %s", e.msg);
    if (tb_config_load(tb_home_path(path, sizeof path, TB_CONFIG_PATH), 1, &cfg, &errs) != 0)
        return luaL_error(L, "tb.sentinel.facts: %s", errs.msg[0]);
    json_t *facts = tb_facts_gather(&cfg, date, NULL, &e);
    tb_config_free(&cfg);
    if (!facts) return luaL_error(L, "tb.sentinel.facts: %s", e.msg);
    tb_lua_push_json(L, facts);
    json_decref(facts);
    return 1;
}

/* strategy(file): file relative to the home (or absolute). Returns the table, or nil and the
 * reason (a file that does not load is not an error of the caller's script). */
static int l_strategy(lua_State *L)
{
    const char *file = luaL_checkstring(L, 1);
    char path[PATH_MAX];
    tb_err e;
    if (file[0] == '/')
        snprintf(path, sizeof path, "%s", file);
    else if (tb_home_resolve(&e) != 0)
        return luaL_error(L, "tb.sentinel.strategy: %s", e.msg);
    else
        tb_home_path(path, sizeof path, file);
    json_t *d = tb_strategy_decl_file(path, file, &e);
    if (!d) {
        lua_pushnil(L);
        lua_pushstring(L, e.msg);
        return 2;
    }
    tb_lua_push_json(L, d);
    json_decref(d);
    return 1;
}

int tbl_open_sentinel(lua_State *L)
{
    static const luaL_Reg fns[] = {{"facts", l_facts}, {"strategy", l_strategy}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}
