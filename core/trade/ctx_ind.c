/* ctx.ind (ctx_ind.h): a table filled before on_bar, with __index for the rest. */
#include "trade/ctx_ind.h"
#include "trade/trader_priv.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>

struct tb_ctx_ind {
    int ref_tab, ref_names, ref_self; /* registry: the table, id + 1 -> name, this view */
    int nused, filled;
    uint8_t used[IND_SET_NVALUES]; /* read at least once: written before every on_bar */
    uint8_t ids[IND_SET_NVALUES];
};

/* __index: upvalues 1 name -> id, 2 the trader, 3 the view. */
static int ind_index(lua_State *L)
{
    tb_trader *t = lua_touserdata(L, lua_upvalueindex(2));
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNUMBER)
        return luaL_error(L, "ctx.ind has no indicator '%s'", luaL_tolstring(L, 2, NULL));
    int id = (int)lua_tointeger(L, -1);
    tb_ctx_ind *v = lua_touserdata(L, lua_upvalueindex(3));
    if (!v->used[id]) {
        v->used[id] = 1;
        v->ids[v->nused++] = (uint8_t)id;
    }
    const ind_set *set = tb_trader_cur_ind(t);
    double x = set ? ind_set_get(set, (ind_set_value)id) : NAN;
    if (!isfinite(x)) return 0;
    lua_pushnumber(L, x);
    return 1;
}

static int ind_newindex(lua_State *L)
{
    return luaL_error(L, "ctx.ind is read-only (indicator '%s')", luaL_tolstring(L, 2, NULL));
}

tb_ctx_ind *tb_ctx_ind_new(lua_State *L, tb_trader *t)
{
    lua_createtable(L, 0, IND_SET_NVALUES);
    int tab = lua_gettop(L);
    tb_ctx_ind *v = lua_newuserdatauv(L, sizeof *v, 0);
    memset(v, 0, sizeof *v);
    int view = lua_gettop(L);
    lua_pushvalue(L, view);
    v->ref_self = luaL_ref(L, LUA_REGISTRYINDEX); /* s->ctx_data points at it: never collected */
    lua_pushvalue(L, tab);
    v->ref_tab = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, IND_SET_NVALUES, 0);
    for (int i = 0; i < IND_SET_NVALUES; i++) {
        lua_pushstring(L, ind_set_name((ind_set_value)i));
        lua_rawseti(L, -2, i + 1);
    }
    v->ref_names = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, 0, 3); /* the metatable */
    lua_createtable(L, 0, IND_SET_NVALUES);
    for (int i = 0; i < IND_SET_NVALUES; i++) {
        lua_pushinteger(L, i);
        lua_setfield(L, -2, ind_set_name((ind_set_value)i));
    }
    lua_pushlightuserdata(L, t);
    lua_pushvalue(L, view);
    lua_pushcclosure(L, ind_index, 3);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, ind_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "ctx.ind");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, tab);
    lua_settop(L, tab);
    return v;
}

void tb_ctx_ind_fill(lua_State *L, tb_ctx_ind *v, const ind_set *set)
{
    if (!v || !v->nused) return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, v->ref_tab);
    lua_rawgeti(L, LUA_REGISTRYINDEX, v->ref_names);
    for (int i = 0; i < v->nused; i++) {
        lua_rawgeti(L, -1, v->ids[i] + 1);
        double x = set ? ind_set_get(set, (ind_set_value)v->ids[i]) : NAN;
        if (isfinite(x))
            lua_pushnumber(L, x);
        else
            lua_pushnil(L);
        lua_rawset(L, -4);
    }
    lua_pop(L, 2);
    v->filled = 1;
}

void tb_ctx_ind_clear(lua_State *L, tb_ctx_ind *v)
{
    if (!v || !v->filled || !lua_checkstack(L, 4)) return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, v->ref_tab);
    lua_rawgeti(L, LUA_REGISTRYINDEX, v->ref_names);
    for (int i = 0; i < v->nused; i++) {
        lua_rawgeti(L, -1, v->ids[i] + 1);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, -4) == LUA_TNIL) { /* not there: a nil write could insert */
            lua_pop(L, 2);
            continue;
        }
        lua_pop(L, 1);
        lua_pushnil(L); /* a key that is there: its slot is reused, nothing allocated */
        lua_rawset(L, -4);
    }
    lua_pop(L, 2);
    v->filled = 0;
}
