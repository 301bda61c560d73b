#include "lua/keys.h"

static const char registry_key = 0; /* its address is the registry key */

static const char *const names[TB_K_COUNT] = {
    "symbol", "t",      "open", "high",      "low",      "close",      "volume",
    "seq",    "params", "qty",  "avg_price", "realized", "unrealized",
};

void tb_lua_push_keys(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &registry_key) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_createtable(L, TB_K_COUNT, 0);
    for (int i = 0; i < TB_K_COUNT; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &registry_key);
}
