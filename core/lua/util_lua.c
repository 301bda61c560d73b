/*
 * util_lua.c - tb.inspect(v): the REPL's pretty printer, for scripts too; tb.json is lua-cjson.
 */
#include "lua/convert.h"
#include "lua/bind.h"

#include <lauxlib.h>

int luaopen_cjson(lua_State *L);

static int l_inspect(lua_State *L)
{
    luaL_checkany(L, 1);
    tb_sbuf b = {0};
    tb_lua_pretty(L, 1, &b);
    lua_pushlstring(L, b.s ? b.s : "", b.len);
    tb_sbuf_free(&b);
    return 1;
}

int tbl_open_util(lua_State *L)
{
    static const luaL_Reg fns[] = {{"inspect", l_inspect}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

int tbl_open_json(lua_State *L)
{
    return luaopen_cjson(L);
}
