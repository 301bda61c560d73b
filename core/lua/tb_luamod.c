/* tb_luamod.c - the entry point of tb.so, so stock lua5.4 and busted can `require "tb"`. */
#include "lua/tb_module.h"

__attribute__((visibility("default"))) int luaopen_tb(lua_State *L)
{
    return tb_lua_open(L, TB_LUA_TRUSTED);
}
