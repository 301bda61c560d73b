#include "lua/tb_module.h"
#include "tbtest.h"

#include <lauxlib.h>
#include <lualib.h>

static int field_type(tb_lua_trust trust, const char *name)
{
    lua_State *L = luaL_newstate();
    tb_lua_open(L, trust);
    lua_getfield(L, -1, "data");
    int t = lua_istable(L, -1) ? (lua_getfield(L, -1, name), lua_type(L, -1)) : LUA_TNONE;
    lua_close(L);
    return t;
}

TEST(sandboxed_strategies_get_the_calendar_but_not_file_reads)
{
    CHECK_INT(field_type(TB_LUA_SANDBOX, "session"), LUA_TFUNCTION);
    CHECK_INT(field_type(TB_LUA_SANDBOX, "is_open"), LUA_TFUNCTION);
    CHECK_INT(field_type(TB_LUA_SANDBOX, "read_csv"), LUA_TNIL);
    CHECK_INT(field_type(TB_LUA_TRUSTED, "read_csv"), LUA_TFUNCTION);
    CHECK_INT(field_type(TB_LUA_TRUSTED, "session"), LUA_TFUNCTION);
}
