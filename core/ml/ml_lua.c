/*
 * ml_lua.c - tb.ml for trusted scripts and the REPL:
 *
 *   tb.ml.features()               -> {"ret_1", "ret_5", ...}: the live feature set, in order
 *   tb.ml.schema_hash(names[, types]) -> "9c2f..." the hash feature_schema.json must carry for
 *                                     these columns (types default to "float"): for schemas of
 *                                     models trained elsewhere
 *   tb.ml.write_schema(path)       -> writes the live feature_schema.json
 *   tb.ml.status()                 -> {model, trees, features, loads, refusals, scored, samples,
 *                                      labels, blocked_schema, blocked_confidence} of the
 *                                      running engine
 */
#include "ml/features.h"
#include "lua/bind.h"
#include "ml/ml_lua.h"
#include "ml/schema.h"

#include <inttypes.h>
#include <lauxlib.h>
#include <stdio.h>

static int l_features(lua_State *L)
{
    lua_createtable(L, TB_FEATURES_N, 0);
    for (int i = 0; i < TB_FEATURES_N; i++) {
        lua_pushstring(L, tb_feature_name(i));
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_schema_hash(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int n = (int)luaL_len(L, 1);
    luaL_argcheck(L, n > 0 && n <= TB_ML_SCHEMA_MAX, 1, "a list of 1 to 128 feature names");
    const char *names[TB_ML_SCHEMA_MAX], *types[TB_ML_SCHEMA_MAX];
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, 1, i + 1);
        names[i] = luaL_checkstring(L, -1); /* kept alive by the table */
        lua_pop(L, 1);
        types[i] = "float";
        if (lua_istable(L, 2)) {
            lua_rawgeti(L, 2, i + 1);
            if (lua_isstring(L, -1)) types[i] = lua_tostring(L, -1);
            lua_pop(L, 1);
        }
    }
    char hex[24];
    snprintf(hex, sizeof hex, "%016" PRIx64, tb_features_hash_of(names, types, n));
    lua_pushstring(L, hex);
    return 1;
}

static int l_write_schema(lua_State *L)
{
    tb_err e;
    if (tb_ml_schema_write_live(luaL_checkstring(L, 1), &e) != 0) return luaL_error(L, "%s", e.msg);
    lua_pushboolean(L, 1);
    return 1;
}

static tb_ml_lua_src src; /* ml NULL: no engine attached */

void tb_ml_lua_attach(const tb_ml_lua_src *s)
{
    src = s ? *s : (tb_ml_lua_src){0};
}

static int l_status(lua_State *L)
{
    if (!src.ml) return luaL_error(L, "no engine is running in this process");
    tb_ml *ml = *src.ml;
    if (!ml) return luaL_error(L, "ml is disabled (ml.enabled = false)");
    const tb_ml_loaded *m = tb_ml_current(ml);
    const tb_ml_stats *st = tb_ml_stats_mut(ml);
    lua_newtable(L);
    if (m) {
        lua_pushstring(L, m->id);
        lua_setfield(L, -2, "model");
        tbl_set_int(L, "trees", m->model.ntrees);
        tbl_set_int(L, "features", m->model.nfeat);
    }
    tbl_set_int(L, "loads", (long long)*src.loads);
    tbl_set_int(L, "refusals", (long long)*src.refusals);
    tbl_set_int(L, "scored", (long long)st->scored);
    tbl_set_int(L, "samples", (long long)st->samples);
    tbl_set_int(L, "labels", (long long)st->labels);
    tbl_set_int(L, "blocked_schema", (long long)st->blocked_schema);
    tbl_set_int(L, "blocked_confidence", (long long)st->blocked_confidence);
    return 1;
}

int tbl_open_ml(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"features", l_features},
        {"schema_hash", l_schema_hash},
        {"write_schema", l_write_schema},
        {"status", l_status},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    return 1;
}
