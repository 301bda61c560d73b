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
    {"ops", tbl_open_ops, TB_LUA_TRUSTED},
    {"ml", tbl_open_ml, TB_LUA_TRUSTED},
    {"sentinel", tbl_open_sentinel, TB_LUA_TRUSTED},
    {NULL, NULL, 0},
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
    return 1;
}
