#include "lua/tb_module.h"
#include "lua/bind.h"
#include "version.h"

#include <lauxlib.h>

typedef struct tb_submodule {
    const char *name;
    int (*open)(lua_State *L);
    tb_lua_trust min_trust; /* TB_LUA_SANDBOX: strategies may use it too */
} tb_submodule;

/* A name may have a sandbox row and a fuller trusted row after it: the last row allowed wins. */
static const tb_submodule submodules[] = {
    {"log", tbl_open_log, TB_LUA_SANDBOX},
    {"json", tbl_open_json, TB_LUA_SANDBOX},
    {"util", tbl_open_util, TB_LUA_SANDBOX},
    {"engine", tbl_open_engine, TB_LUA_TRUSTED},
    {"ind", tbl_open_ind, TB_LUA_SANDBOX},
    {"data", tbl_open_data_sandbox, TB_LUA_SANDBOX},
    {"data", tbl_open_data, TB_LUA_TRUSTED},
    {"risk", tbl_open_risk, TB_LUA_TRUSTED},
    {"orch", tbl_open_orch, TB_LUA_TRUSTED},
    {"ml", tbl_open_ml, TB_LUA_TRUSTED},
    {"sentinel", tbl_open_sentinel, TB_LUA_TRUSTED},
    {NULL, NULL, 0},
};

/* Older names kept so operators' scripts keep working: tb.<alias> is the same table as tb.<name>.
 */
static const struct {
    const char *alias, *name;
} aliases[] = {
    {"ops", "orch"}, /* the orchestrator's steps were tb.ops before the module took its name */
    {NULL, NULL},
};

int tb_lua_open(lua_State *L, tb_lua_trust trust)
{
    lua_newtable(L);
    lua_pushstring(L, TB_VERSION);
    lua_setfield(L, -2, "version");
    for (const tb_submodule *m = submodules; m->name; m++) {
        if (m->min_trust > trust) continue;
        m->open(L);
        lua_setfield(L, -2, m->name);
    }
    for (int i = 0; aliases[i].alias; i++) {
        if (lua_getfield(L, -1, aliases[i].name) == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        lua_setfield(L, -2, aliases[i].alias);
    }
    return 1;
}
