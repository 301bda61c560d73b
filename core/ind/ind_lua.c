/*
 * ind_lua.c - tb.ind: the indicator table as Lua functions, generated from ind_table.c.
 *
 *   tb.ind.<name>(input arrays..., params...) -> output arrays (NaN in the leading positions)
 *   tb.ind.new(name, {param = value, ...})    -> tb.Indicator; :update(inputs...) -> outputs|nil
 *   tb.ind.list(), tb.ind.info(name)          -> names; inputs, params, outputs, lookback
 *   tb.ind.set({param = value, ...})          -> tb.IndicatorSet; :update(o,h,l,c,v,session),
 *                                                :get(name)
 *
 * Streaming objects are full userdata holding the state itself (no malloc), so no __gc needed.
 */
#include "ind/ind.h"
#include "ind/ind_set.h"
#include "lua/bind.h"
#include "lua/tb_module.h"

#include <lauxlib.h>
#include <math.h>
#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#define MT_IND "tb.Indicator"
#define MT_SET "tb.IndicatorSet"

typedef struct lua_ind {
    const ind_info *info;
    double opt[IND_MAX_PARAMS];
    alignas(max_align_t) unsigned char st[];
} lua_ind;

/* "tb.ind.rsi(close[, period=14])" */
static const char *signature(lua_State *L, const ind_info *ind)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "tb.ind.");
    luaL_addstring(&b, ind->name);
    luaL_addchar(&b, '(');
    for (int k = 0; k < ind->ninputs; k++) {
        if (k) luaL_addstring(&b, ", ");
        luaL_addstring(&b, ind->inputs[k]);
    }
    for (int k = 0; k < ind->nparams; k++) {
        if (ind->params[k].integer)
            lua_pushfstring(L, "[, %s=%d]", ind->params[k].name, (int)ind->params[k].def);
        else
            lua_pushfstring(L, "[, %s=%f]", ind->params[k].name, ind->params[k].def);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, ')');
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

static void check_param(lua_State *L, const ind_info *ind, int k, double v, int arg)
{
    const ind_param *p = &ind->params[k];
    if (v >= p->min && v <= p->max && (!p->integer || v == floor(v))) return;
    const char *sig = signature(L, ind);
    const char *msg = p->integer
                          ? lua_pushfstring(L, "%s must be an integer in [%d, %d]; usage: %s",
                                            p->name, (int)p->min, (int)p->max, sig)
                          : lua_pushfstring(L, "%s must be a number in [%f, %f]; usage: %s",
                                            p->name, p->min, p->max, sig);
    if (arg > 0) luaL_argerror(L, arg, msg);
    luaL_error(L, "%s", msg);
}

static int l_batch(lua_State *L)
{
    const ind_info *ind = lua_touserdata(L, lua_upvalueindex(1));
    int nin = ind->ninputs, nout = ind->noutputs;
    lua_Integer n = -1;
    for (int k = 0; k < nin; k++) {
        if (lua_type(L, k + 1) != LUA_TTABLE)
            luaL_argerror(L, k + 1,
                          lua_pushfstring(L, "%s array expected; usage: %s", ind->inputs[k],
                                          signature(L, ind)));
        lua_Integer len = (lua_Integer)lua_rawlen(L, k + 1);
        if (n >= 0 && len != n)
            luaL_argerror(L, k + 1,
                          lua_pushfstring(L, "%s has %d values, %s has %d", ind->inputs[k],
                                          (int)len, ind->inputs[0], (int)n));
        n = len;
    }
    if (n > 0x7fffffff / 8) return luaL_error(L, "tb.ind.%s: input too long", ind->name);
    double opt[IND_MAX_PARAMS];
    for (int k = 0; k < ind->nparams; k++) {
        int arg = nin + 1 + k;
        if (!lua_isnoneornil(L, arg) && !lua_isnumber(L, arg))
            luaL_argerror(L, arg,
                          lua_pushfstring(L, "%s must be a number; usage: %s", ind->params[k].name,
                                          signature(L, ind)));
        opt[k] = luaL_optnumber(L, arg, ind->params[k].def);
        check_param(L, ind, k, opt[k], arg);
    }
    if (lua_gettop(L) > nin + ind->nparams)
        luaL_argerror(L, nin + ind->nparams + 1,
                      lua_pushfstring(L, "too many arguments; usage: %s", signature(L, ind)));
    size_t cells = (size_t)(n ? n : 1);
    double *buf = lua_newuserdatauv(L, sizeof(double) * cells * (size_t)(nin + nout), 0);
    const double *in[IND_MAX_IO];
    double *out[IND_MAX_IO];
    for (int k = 0; k < nin; k++) {
        double *x = buf + (size_t)k * cells;
        for (lua_Integer i = 0; i < n; i++) {
            int isnum;
            x[i] = lua_tonumberx(L, (lua_rawgeti(L, k + 1, i + 1), -1), &isnum);
            lua_pop(L, 1);
            if (!isnum)
                return luaL_argerror(
                    L, k + 1,
                    lua_pushfstring(L, "%s[%d] is not a number", ind->inputs[k], (int)(i + 1)));
        }
        in[k] = x;
    }
    for (int k = 0; k < nout; k++) out[k] = buf + (size_t)(nin + k) * cells;
    int rc = ind->batch((int)n, in, opt, out);
    if (rc < 0) return luaL_error(L, "tb.ind.%s failed (%d)", ind->name, rc);
    for (int k = 0; k < nout; k++) {
        lua_createtable(L, (int)n, 0);
        for (lua_Integer i = 0; i < n; i++) {
            lua_pushnumber(L, out[k][i]);
            lua_rawseti(L, -2, i + 1);
        }
    }
    return nout;
}

/* Reads {name = value} into opt (defaults for the rest); unknown keys are errors. */
static void opts_from_table(lua_State *L, int idx, const ind_info *ind, double *opt)
{
    ind_defaults(ind, opt);
    if (lua_isnoneornil(L, idx)) return;
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int k = ind->nparams;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (k = 0; k < ind->nparams; k++)
                if (strcmp(ind->params[k].name, lua_tostring(L, -2)) == 0) break;
        if (k == ind->nparams) {
            lua_pushvalue(L, -2);
            const char *key = luaL_tolstring(L, -1, NULL);
            const char *sig = signature(L, ind);
            luaL_error(L, "tb.ind.new: %s has no parameter '%s'; usage: %s", ind->name, key, sig);
        }
        if (!lua_isnumber(L, -1))
            luaL_error(L, "tb.ind.new: %s.%s must be a number", ind->name, ind->params[k].name);
        opt[k] = lua_tonumber(L, -1);
        check_param(L, ind, k, opt[k], 0);
        lua_pop(L, 1);
    }
}

static const ind_info *check_name(lua_State *L, int arg)
{
    const char *name = luaL_checkstring(L, arg);
    const ind_info *ind = ind_find(name);
    if (!ind)
        luaL_argerror(L, arg,
                      lua_pushfstring(L, "unknown indicator '%s' (see tb.ind.list())", name));
    return ind;
}

static int l_new(lua_State *L)
{
    const ind_info *ind = check_name(L, 1);
    double opt[IND_MAX_PARAMS];
    opts_from_table(L, 2, ind, opt);
    size_t bytes = ind->size(opt);
    lua_ind *u = lua_newuserdatauv(L, sizeof(lua_ind) + bytes, 0);
    u->info = ind;
    memcpy(u->opt, opt, sizeof opt);
    if (ind->init(u->st, opt) < 0) return luaL_error(L, "tb.ind.new: bad parameters");
    luaL_setmetatable(L, MT_IND);
    return 1;
}

static int l_update(lua_State *L)
{
    lua_ind *u = luaL_checkudata(L, 1, MT_IND);
    const ind_info *ind = u->info;
    double x[IND_MAX_IO], y[IND_MAX_IO];
    for (int k = 0; k < ind->ninputs; k++) {
        if (!lua_isnumber(L, k + 2)) {
            lua_pushfstring(L, "%s expected; usage: obj:update(", ind->inputs[k]);
            for (int j = 0; j < ind->ninputs; j++)
                lua_pushfstring(L, "%s%s", j ? ", " : "", ind->inputs[j]);
            lua_pushliteral(L, ")");
            lua_concat(L, ind->ninputs + 2);
            return luaL_argerror(L, k + 2, lua_tostring(L, -1));
        }
        x[k] = lua_tonumber(L, k + 2);
    }
    int rc = ind->update(u->st, x, y);
    if (rc == IND_EINPUT) {
        lua_pushnil(L);
        lua_pushliteral(L, "input not finite: bar skipped");
        return 2;
    }
    int any = 0;
    for (int k = 0; k < ind->noutputs; k++) any |= !isnan(y[k]);
    if (!any) {
        lua_pushnil(L);
        return 1;
    }
    for (int k = 0; k < ind->noutputs; k++) lua_pushnumber(L, y[k]);
    return ind->noutputs;
}

static int l_reset(lua_State *L)
{
    lua_ind *u = luaL_checkudata(L, 1, MT_IND);
    u->info->init(u->st, u->opt);
    return 0;
}

static int l_lookback(lua_State *L)
{
    lua_ind *u = luaL_checkudata(L, 1, MT_IND);
    lua_pushinteger(L, u->info->start(u->opt));
    return 1;
}

static int l_tostring(lua_State *L)
{
    lua_ind *u = luaL_checkudata(L, 1, MT_IND);
    lua_pushfstring(L, "tb.Indicator(%s)", u->info->name);
    return 1;
}

static int l_list(lua_State *L)
{
    lua_createtable(L, ind_count(), 0);
    for (int i = 0; i < ind_count(); i++) {
        lua_pushstring(L, ind_at(i)->name);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static void push_names(lua_State *L, const char *const *names, int n)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

static int l_info(lua_State *L)
{
    const ind_info *ind = check_name(L, 1);
    double opt[IND_MAX_PARAMS];
    ind_defaults(ind, opt);
    lua_createtable(L, 0, 6);
    lua_pushstring(L, ind->name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, ind->title);
    lua_setfield(L, -2, "title");
    push_names(L, ind->inputs, ind->ninputs);
    lua_setfield(L, -2, "inputs");
    push_names(L, ind->outputs, ind->noutputs);
    lua_setfield(L, -2, "outputs");
    lua_createtable(L, ind->nparams, 0);
    for (int k = 0; k < ind->nparams; k++) {
        lua_createtable(L, 0, 4);
        lua_pushstring(L, ind->params[k].name);
        lua_setfield(L, -2, "name");
        lua_pushnumber(L, ind->params[k].def);
        lua_setfield(L, -2, "default");
        lua_pushnumber(L, ind->params[k].min);
        lua_setfield(L, -2, "min");
        lua_pushnumber(L, ind->params[k].max);
        lua_setfield(L, -2, "max");
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "params");
    lua_pushinteger(L, ind->start(opt));
    lua_setfield(L, -2, "lookback");
    return 1;
}

/* tb.ind.set{rsi = 14, ...}: keys are the ind_set_params field names. */
static int l_set_new(lua_State *L)
{
    ind_set_params p;
    ind_set_defaults(&p);
    static const struct {
        const char *name;
        size_t off;
        int real;
    } fields[] = {
#define F(f) {#f, offsetof(ind_set_params, f), 0}
        F(sma),          F(ema),         F(rsi),
        F(macd_fast),    F(macd_slow),   F(macd_signal),
        F(atr),          F(bb_period),   {"bb_stddev", offsetof(ind_set_params, bb_stddev), 1},
        F(stoch_k),      F(stoch_kslow), F(stoch_d),
        F(adx),          F(roc),         F(relvol),
        F(stale_cycles),
#undef F
    };
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            size_t i, nf = sizeof fields / sizeof fields[0];
            const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
            for (i = 0; i < nf; i++)
                if (strcmp(fields[i].name, key) == 0) break;
            if (i == nf) return luaL_error(L, "tb.ind.set: unknown parameter '%s'", key);
            if (fields[i].real)
                *(double *)((char *)&p + fields[i].off) = luaL_checknumber(L, -1);
            else
                *(int *)((char *)&p + fields[i].off) = (int)luaL_checkinteger(L, -1);
            lua_pop(L, 1);
        }
    }
    size_t bytes = ind_set_size(&p);
    if (!bytes) return luaL_argerror(L, 1, "parameter out of bounds");
    ind_set *set = lua_newuserdatauv(L, bytes, 0);
    if (ind_set_init(set, &p) < 0) return luaL_argerror(L, 1, "parameter out of bounds");
    luaL_setmetatable(L, MT_SET);
    return 1;
}

static int l_set_update(lua_State *L)
{
    ind_set *set = luaL_checkudata(L, 1, MT_SET);
    double a[6];
    for (int k = 0; k < 6; k++) {
        if (!lua_isnumber(L, k + 2))
            return luaL_argerror(L, k + 2,
                                 "number expected; usage: "
                                 "set:update(open, high, low, close, volume, session)");
        a[k] = lua_tonumber(L, k + 2);
    }
    int rc = ind_set_update(set, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (rc == IND_EINPUT) {
        lua_pushnil(L);
        lua_pushliteral(L, "input not finite: bar skipped");
        return 2;
    }
    lua_pushinteger(L, rc);
    return 1;
}

static int l_set_get(lua_State *L)
{
    ind_set *set = luaL_checkudata(L, 1, MT_SET);
    const char *name = luaL_checkstring(L, 2);
    int id = ind_set_find(name);
    if (id < 0)
        return luaL_argerror(L, 2, lua_pushfstring(L, "unknown indicator value '%s'", name));
    double v = ind_set_get(set, id);
    if (isnan(v))
        lua_pushnil(L);
    else
        lua_pushnumber(L, v);
    return 1;
}

static int l_set_stale(lua_State *L)
{
    ind_set *set = luaL_checkudata(L, 1, MT_SET);
    const ind_stale *s = ind_set_stale(set);
    lua_pushinteger(L, s->flags);
    lua_pushinteger(L, (lua_Integer)s->episodes);
    return 2;
}

static const luaL_Reg ind_methods[] = {
    {"update", l_update}, {"reset", l_reset}, {"lookback", l_lookback}, {NULL, NULL}};
static const luaL_Reg set_methods[] = {
    {"update", l_set_update}, {"get", l_set_get}, {"stale", l_set_stale}, {NULL, NULL}};
static const luaL_Reg ind_funcs[] = {
    {"new", l_new}, {"list", l_list}, {"info", l_info}, {"set", l_set_new}, {NULL, NULL}};

static void new_metatable(lua_State *L, const char *name, const luaL_Reg *methods)
{
    if (luaL_newmetatable(L, name)) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
        if (methods == ind_methods) {
            lua_pushcfunction(L, l_tostring);
            lua_setfield(L, -2, "__tostring");
        }
    }
    lua_pop(L, 1);
}

int tbl_open_ind(lua_State *L)
{
    new_metatable(L, MT_IND, ind_methods);
    new_metatable(L, MT_SET, set_methods);
    luaL_newlib(L, ind_funcs);
    for (int i = 0; i < ind_count(); i++) {
        lua_pushlightuserdata(L, (void *)ind_at(i));
        lua_pushcclosure(L, l_batch, 1);
        lua_setfield(L, -2, ind_at(i)->name);
    }
    return 1;
}
