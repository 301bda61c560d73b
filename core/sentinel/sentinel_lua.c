/*
 * sentinel_lua.c - tb.sentinel for trusted scripts: facts(date?) returns the Sentinel's facts
 * as a table (the adaptive controller reads sessions and trades from it; a rule can be tried
 * on live facts from the REPL).
 */
#include "config/config.h"
#include "home/home.h"
#include "lua/convert.h"
#include "sentinel/facts.h"

#include <lauxlib.h>
#include <limits.h>

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

int tbl_open_sentinel(lua_State *L);
int tbl_open_sentinel(lua_State *L)
{
    static const luaL_Reg fns[] = {{"facts", l_facts}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}
