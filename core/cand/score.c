#include "cand/score.h"
#include "lua/bind.h"
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <math.h>
#include <string.h>

static double num_field(lua_State *L, const char *k, double def)
{
    lua_getfield(L, -1, k);
    double v = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : def;
    lua_pop(L, 1);
    return v;
}

static int read_spec(tb_scorer *s, lua_State *L, tb_err *e)
{
    if (!lua_istable(L, -1))
        return tb_errf(e, "must return a table {top, bounds, components, score}");
    s->top = (int)num_field(L, "top", 20);
    if (s->top < 1 || s->top > 500) return tb_errf(e, "top must be from 1 to 500");
    lua_getfield(L, -1, "bounds");
    if (!lua_istable(L, -1)) lua_newtable(L), lua_replace(L, -2);
    tb_cand_bounds *b = &s->bounds;
    b->min_price = num_field(L, "min_price", 0);
    b->max_price = num_field(L, "max_price", HUGE_VAL);
    b->min_dollar_volume = num_field(L, "min_dollar_volume", 0);
    b->min_atr_pct = num_field(L, "min_atr_pct", 0);
    b->max_atr_pct = num_field(L, "max_atr_pct", HUGE_VAL);
    b->min_rel_volume = num_field(L, "min_rel_volume", 0);
    b->min_sessions = (int)num_field(L, "min_sessions", 2);
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "components") != LUA_TTABLE)
        return tb_errf(e, "components must list the score's parts, e.g. {\"gap\", \"relvol\"}");
    s->ncomp = (int)luaL_len(L, -1);
    if (s->ncomp < 1 || s->ncomp > TB_CAND_MAX_COMP)
        return tb_errf(e, "components: 1 to %d names", TB_CAND_MAX_COMP);
    for (int i = 0; i < s->ncomp; i++) {
        lua_rawgeti(L, -1, i + 1);
        const char *n = lua_tostring(L, -1);
        if (!n || !*n || strlen(n) >= sizeof s->comp[0] || strchr(n, ','))
            return tb_errf(e, "components[%d] must be a short name without commas", i + 1);
        memcpy(s->comp[i], n, strlen(n) + 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, -1, "score") != LUA_TFUNCTION)
        return tb_errf(e, "score must be a function(c) returning the components");
    lua_setfield(L, LUA_REGISTRYINDEX, "tb.cand.score");
    lua_pop(L, 1);
    return 0;
}

int tb_scorer_open(tb_scorer *s, const char *path, const char *chunkname, tb_err *e)
{
    memset(s, 0, sizeof *s);
    lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, NULL, e);
    if (!L) return -1;
    s->L = L;
    if (tb_lua_loadfile(L, path, chunkname, e) != 0 || tb_lua_call(L, 0, 1, chunkname, e) != 0)
        return -1;
    if (read_spec(s, L, e) != 0) return tb_err_prefix(e, "%s: ", chunkname);
    return 0;
}

int tb_scorer_score(tb_scorer *s, tb_cand *c, tb_err *e)
{
    lua_State *L = s->L;
    lua_getfield(L, LUA_REGISTRYINDEX, "tb.cand.score");
    lua_newtable(L);
    lua_pushstring(L, c->symbol);
    lua_setfield(L, -2, "symbol");
    tbl_set_num(L, "price", c->price);
    tbl_set_num(L, "prev_close", c->prev_close);
    tbl_set_num(L, "gap_pct", c->gap_pct);
    tbl_set_num(L, "rel_volume", c->rel_volume);
    tbl_set_num(L, "atr_pct", c->atr_pct);
    tbl_set_num(L, "dollar_volume", c->dollar_volume);
    if (tb_lua_call(L, 1, 1, "candidates score", e) != 0) return -1;
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return tb_errf(e, "score(%s) must return a table of components", c->symbol);
    }
    int rc = 0;
    c->score = 0;
    for (int i = 0; i < s->ncomp && rc == 0; i++) {
        lua_getfield(L, -1, s->comp[i]);
        int isnum;
        double v = lua_tonumberx(L, -1, &isnum);
        if (!isnum || !isfinite(v))
            rc = tb_errf(e, "score(%s) gave no number for component \"%s\"", c->symbol, s->comp[i]);
        c->comp[i] = v;
        c->score += v;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return rc;
}

void tb_scorer_close(tb_scorer *s)
{
    if (s->L) tb_lua_close(s->L);
    s->L = NULL;
}
