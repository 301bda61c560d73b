/*
 * decl.c - a strategy's declaration read in the sandbox (decl.h). The top-level chunk runs
 * under the same kind of budget as a strategy load, so a file that loops or allocates without
 * end is stopped; its callbacks are never called.
 */
#include "strategy/decl.h"
#include "lua/convert.h"
#include "lua/sandbox.h"

#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *field_object(lua_State *L, int mod, const char *key)
{
    json_t *v = NULL;
    if (lua_getfield(L, mod, key) == LUA_TTABLE) v = tb_lua_to_json(L, -1);
    lua_pop(L, 1);
    if (json_is_array(v) && json_array_size(v) == 0) { /* an empty table converts as [] */
        json_decref(v);
        v = NULL;
    }
    return json_is_object(v) ? v : (json_decref(v), json_object());
}

/* Every tunable entry needs numeric bounds: a param without them cannot be kept in bounds. */
static int check_tunable(json_t *tunable, const char *rel, tb_err *e)
{
    const char *k;
    json_t *t;
    json_object_foreach(tunable, k, t)
    {
        json_t *mn = json_object_get(t, "min"), *mx = json_object_get(t, "max");
        if (!json_is_number(mn) || !json_is_number(mx) ||
            json_number_value(mn) > json_number_value(mx))
            return tb_errf(e, "%s: tunable.%s must declare numeric min <= max", rel, k);
    }
    return 0;
}

json_t *tb_strategy_decl(const char *code, size_t len, const char *rel, tb_err *e)
{
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 5000000, .time_limit_ms = 1000};
    lua_State *L = tb_lua_new(TB_LUA_KIND_SANDBOX, &lim, e);
    if (!L) return NULL;
    json_t *out = NULL;
    char what[320];
    snprintf(what, sizeof what, "%s: loading", rel);
    if (tb_lua_loadstring(L, code, len, rel, e) != 0 || tb_lua_call(L, 0, 1, what, e) != 0)
        goto done;
    if (!lua_istable(L, -1)) {
        tb_errf(e, "%s: must return a table (got %s)", rel, luaL_typename(L, -1));
        goto done;
    }
    int mod = lua_gettop(L);
    json_t *name = NULL;
    if (lua_getfield(L, mod, "name") == LUA_TSTRING) name = json_string(lua_tostring(L, -1));
    lua_pop(L, 1);
    out = json_pack("{s:o?, s:o, s:o}", "name", name, "params", field_object(L, mod, "params"),
                    "tunable", field_object(L, mod, "tunable"));
    if (check_tunable(json_object_get(out, "tunable"), rel, e) != 0) {
        json_decref(out);
        out = NULL;
    }
done:
    tb_lua_close(L);
    return out;
}

json_t *tb_strategy_decl_file(const char *path, const char *rel, tb_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tb_errf(e, "%s: cannot read", rel);
        return NULL;
    }
    char *code = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[8192];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && len + n <= (4u << 20)) {
        if (len + n > cap) {
            char *t = realloc(code, cap = (len + n) * 2);
            if (!t) break;
            code = t;
        }
        memcpy(code + len, chunk, n);
        len += n;
    }
    fclose(f);
    json_t *d = tb_strategy_decl(code ? code : "", len, rel, e);
    free(code);
    return d;
}

int tb_tunable_within(const json_t *entry, const json_t *value)
{
    json_t *mn = json_object_get(entry, "min"), *mx = json_object_get(entry, "max");
    if (!json_is_number(value) || !json_is_number(mn) || !json_is_number(mx)) return 0;
    double v = json_number_value(value);
    return v >= json_number_value(mn) - 1e-12 && v <= json_number_value(mx) + 1e-12;
}

int tb_param_whole_ok(const json_t *def, const json_t *value)
{
    if (!json_is_integer(def) || json_is_integer(value)) return 1;
    double x = json_number_value(value);
    return x == floor(x);
}
