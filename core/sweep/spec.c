/*
 * spec.c - reading a sweep spec (spec.h): the Lua file in the sandbox, its table checked key by
 * key, the strategy resolved, and the parameter sets expanded (spec_sets.c).
 */
#include "sweep/spec.h"
#include "sweep/spec_sets.h"
#include "home/home.h"
#include "lua/convert.h"
#include "lua/sandbox.h"
#include "strategy/shipped.h"
#include "util/hash.h"

#include <lauxlib.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const tb_sweep_metric tb_sweep_metrics[] = {
    {"sharpe", 0, "Sharpe ratio"},
    {"pnl", 0, "net P&L"},
    {"return_pct", 0, "return in percent of the starting equity"},
    {"win_rate", 0, "share of winning trades"},
    {"max_drawdown_pct", 1, "largest fall from a peak, percent (lower is better)"},
    {"trades", 0, "round trips"},
};
const int tb_sweep_nmetrics = (int)(sizeof tb_sweep_metrics / sizeof tb_sweep_metrics[0]);

const tb_sweep_metric *tb_sweep_metric_find(const char *name)
{
    for (int i = 0; name && i < tb_sweep_nmetrics; i++)
        if (strcmp(tb_sweep_metrics[i].name, name) == 0) return &tb_sweep_metrics[i];
    return NULL;
}

size_t tb_sweep_nsets(const tb_sweep_spec *s)
{
    return json_array_size(s->sets);
}

/* Only these keys: a misspelt one ("walkforward") must not silently run another sweep. */
static int known_keys(json_t *o, const char *const *keys, const char *where, tb_err *e)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        int ok = 0;
        for (int i = 0; keys[i] && !ok; i++) ok = strcmp(keys[i], k) == 0;
        if (!ok) return tb_errf(e, "%s: unknown key %s", where, k);
    }
    return 0;
}

/* An integer field in [lo, hi]; absent: def. */
static int int_field(json_t *o, const char *key, int def, int lo, int hi, const char *where,
                     int *out, tb_err *e)
{
    json_t *v = json_object_get(o, key);
    if (!v) return *out = def, 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return tb_errf(e, "%s.%s must be a whole number in %d..%d", where, key, lo, hi);
    *out = (int)json_integer_value(v);
    return 0;
}

static int str_field(json_t *o, const char *key, char *out, size_t len, const char *where,
                     tb_err *e)
{
    json_t *v = json_object_get(o, key);
    out[0] = 0;
    if (!v) return 0;
    if (!json_is_string(v) || json_string_length(v) >= len)
        return tb_errf(e, "%s.%s must be a string (under %zu characters)", where, key, len);
    snprintf(out, len, "%s", json_string_value(v));
    return 0;
}

static int parse_data(tb_sweep_spec *s, json_t *d, const char *data_dir, const char *specdir,
                      const char *name, tb_err *e)
{
    static const char *const keys[] = {"days", "seed", "symbols", "start",
                                       "dir",  "from", "to",      NULL};
    char where[300], dir[4096];
    snprintf(where, sizeof where, "%s: data", name);
    if (d && !json_is_object(d)) return tb_errf(e, "%s must be a table", where);
    json_t *seed = json_object_get(d, "seed");
    if (seed && (!json_is_integer(seed) || json_integer_value(seed) < 0))
        return tb_errf(e, "%s.seed must be a whole number >= 0", where);
    s->data_seed = seed ? (uint64_t)json_integer_value(seed) : 42;
    if (known_keys(d, keys, where, e) != 0 ||
        int_field(d, "days", 20, 1, 10000, where, &s->days, e) != 0 ||
        int_field(d, "symbols", 20, 1, 200, where, &s->sample_symbols, e) != 0 ||
        str_field(d, "start", s->start, sizeof s->start, where, e) != 0 ||
        str_field(d, "from", s->from, sizeof s->from, where, e) != 0 ||
        str_field(d, "to", s->to, sizeof s->to, where, e) != 0 ||
        str_field(d, "dir", dir, sizeof dir, where, e) != 0)
        return -1;
    /* data.dir is relative to the spec, --data to where the command runs; either is made
     * absolute, so a shard started elsewhere (a Slurm job's folder) reads the same files */
    char joined[8192], abs[PATH_MAX];
    if (data_dir)
        snprintf(joined, sizeof joined, "%s", data_dir);
    else if (*dir && dir[0] != '/')
        snprintf(joined, sizeof joined, "%s/%s", specdir, dir);
    else
        snprintf(joined, sizeof joined, "%s", dir);
    if (*joined && !realpath(joined, abs))
        return tb_errf(e, "%s: data folder %s: no such folder", name, joined);
    if (*joined) s->data_dir = strdup(abs);
    if (!s->start[0]) snprintf(s->start, sizeof s->start, "2026-01-02"); /* the sample's own */
    return 0;
}

static int parse_symbols(tb_sweep_spec *s, json_t *v, const char *name, tb_err *e)
{
    if (!v) return 0;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 256)
        return tb_errf(e, "%s: symbols must be a list of 1..256 tickers", name);
    s->symbols = calloc(json_array_size(v), sizeof *s->symbols);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x) || json_string_length(x) == 0 || json_string_length(x) > 15)
            return tb_errf(e, "%s: symbols[%zu] must be a ticker", name, i + 1);
        s->symbols[s->nsymbols++] = strdup(json_string_value(x));
    }
    return 0;
}

static int parse_walk_forward(tb_sweep_spec *s, json_t *w, const char *name, tb_err *e)
{
    static const char *const keys[] = {"train", "test", NULL};
    char where[300];
    snprintf(where, sizeof where, "%s: walk_forward", name);
    if (!w) return 0;
    if (!json_is_object(w)) return tb_errf(e, "%s must be {train = N, test = M}", where);
    if (known_keys(w, keys, where, e) != 0 ||
        int_field(w, "train", 0, 1, 10000, where, &s->wf_train, e) != 0 ||
        int_field(w, "test", 0, 1, 10000, where, &s->wf_test, e) != 0)
        return -1;
    if (!s->wf_train || !s->wf_test)
        return tb_errf(e, "%s needs both train and test (sessions)", where);
    return 0;
}

/* Heatmap axes: two of the swept params (default the first two). */
static int parse_heatmap(tb_sweep_spec *s, json_t *h, const char *name, tb_err *e)
{
    const char *x = s->nparams > 0 ? s->params[0] : "", *y = s->nparams > 1 ? s->params[1] : "";
    if (h) {
        if (!json_is_array(h) || json_array_size(h) != 2 || !json_is_string(json_array_get(h, 0)) ||
            !json_is_string(json_array_get(h, 1)))
            return tb_errf(e, "%s: heatmap must be two param names", name);
        x = json_string_value(json_array_get(h, 0));
        y = json_string_value(json_array_get(h, 1));
        int fx = 0, fy = 0;
        for (int i = 0; i < s->nparams; i++)
            fx |= strcmp(s->params[i], x) == 0, fy |= strcmp(s->params[i], y) == 0;
        if (!fx || !fy || strcmp(x, y) == 0)
            return tb_errf(e, "%s: heatmap names %s and %s: two different swept params", name, x,
                           y);
    }
    snprintf(s->heat_x, sizeof s->heat_x, "%s", x);
    snprintf(s->heat_y, sizeof s->heat_y, "%s", y);
    return 0;
}

/* A relative strategy: beside the spec, then in the home, then a shipped example. */
static int resolve_strategy(tb_sweep_spec *s, const char *dir, const char *name, tb_err *e)
{
    const char *rel = s->strategy_rel;
    char path[PATH_MAX];
    if (rel[0] == '/')
        snprintf(path, sizeof path, "%s", rel);
    else if (snprintf(path, sizeof path, "%s/%s", dir, rel), access(path, R_OK) != 0) {
        tb_home_path(path, sizeof path, rel);
        if (access(path, R_OK) != 0 && tb_shipped_materialize(rel, path, sizeof path) != 0)
            path[0] = 0;
    }
    if (!path[0] || !realpath(path, s->strategy_path)) {
        char names[1024];
        tb_shipped_names(names, sizeof names);
        return tb_errf(e,
                       "%s: strategy %s: no such file (looked beside the spec, in the home %s "
                       "and among the shipped examples %s)",
                       name, rel, tb_home_dir(), names);
    }
    return 0;
}

/* The hash of the canonical spec and the strategy's text: what makes two shards one sweep. */
static int hash_spec(tb_sweep_spec *s, tb_err *e)
{
    char *text = json_dumps(s->json, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    uint64_t h = tb_fnv64(TB_FNV64_BASIS, text, strlen(text));
    free(text);
    FILE *f = fopen(s->strategy_path, "rb");
    if (!f) return tb_errf(e, "%s: cannot read", s->strategy_path);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) h = tb_fnv64(h, buf, n);
    fclose(f);
    snprintf(s->hash, sizeof s->hash, "%016llx", (unsigned long long)h);
    return 0;
}

static int parse_table(tb_sweep_spec *s, const char *name, const char *dir, const char *data_dir,
                       tb_err *e)
{
    static const char *const keys[] = {"strategy", "symbols",      "grid",    "random", "data",
                                       "metric",   "walk_forward", "heatmap", "top",    NULL};
    json_t *j = s->json;
    char metric[TB_SWEEP_METRIC_NAME];
    if (known_keys(j, keys, name, e) != 0 ||
        str_field(j, "strategy", s->strategy_rel, sizeof s->strategy_rel, name, e) != 0 ||
        str_field(j, "metric", metric, sizeof metric, name, e) != 0)
        return -1;
    if (!s->strategy_rel[0]) return tb_errf(e, "%s: needs strategy = \"FILE.lua\"", name);
    if (!metric[0]) snprintf(metric, sizeof metric, "sharpe");
    if (!(s->metric = tb_sweep_metric_find(metric))) {
        char list[256] = "";
        for (int i = 0; i < tb_sweep_nmetrics; i++)
            strcat(strcat(list, i ? ", " : ""), tb_sweep_metrics[i].name);
        return tb_errf(e, "%s: metric %s is not one of %s", name, metric, list);
    }
    if (parse_symbols(s, json_object_get(j, "symbols"), name, e) != 0 ||
        parse_data(s, json_object_get(j, "data"), data_dir, dir, name, e) != 0 ||
        parse_walk_forward(s, json_object_get(j, "walk_forward"), name, e) != 0 ||
        int_field(j, "top", 5, 1, 20, name, &s->top, e) != 0 ||
        tb_sweep_expand_sets(s, name, e) != 0 ||
        parse_heatmap(s, json_object_get(j, "heatmap"), name, e) != 0 ||
        resolve_strategy(s, dir, name, e) != 0)
        return -1;
    /* what --data said is part of the sweep's identity */
    if (s->data_dir) json_object_set_new(j, "data_dir_used", json_string(s->data_dir));
    return hash_spec(s, e);
}

int tb_sweep_spec_parse(tb_sweep_spec *s, const char *code, size_t len, const char *name,
                        const char *dir, const char *data_dir, tb_err *e)
{
    memset(s, 0, sizeof *s);
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 50000000, .time_limit_ms = 5000};
    lua_State *L = tb_lua_new(TB_LUA_KIND_SANDBOX, &lim, e);
    if (!L) return -1;
    char what[300];
    snprintf(what, sizeof what, "%s: loading", name);
    int rc = -1;
    if (tb_lua_loadstring(L, code, len, name, e) != 0 || tb_lua_call(L, 0, 1, what, e) != 0)
        goto out;
    if (!lua_istable(L, -1)) {
        tb_errf(e, "%s: must return a table (got %s)", name, luaL_typename(L, -1));
        goto out;
    }
    s->json = tb_lua_to_json(L, -1);
    if (!json_is_object(s->json)) {
        tb_errf(e, "%s: must return a table with named keys (strategy = ..., grid = ...)", name);
        goto out;
    }
    rc = parse_table(s, name, dir, data_dir, e);
out:
    tb_lua_close(L);
    return rc;
}

int tb_sweep_spec_load(tb_sweep_spec *s, const char *path, const char *data_dir, tb_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        memset(s, 0, sizeof *s);
        return tb_errf(e, "%s: cannot read the spec", path);
    }
    char *code = malloc(1 << 20);
    size_t n = code ? fread(code, 1, 1 << 20, f) : 0;
    int big = code && n == 1 << 20;
    fclose(f);
    if (!code || big) {
        free(code);
        memset(s, 0, sizeof *s);
        return tb_errf(e, "%s: the spec is larger than 1 MB", path);
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    int rc = tb_sweep_spec_parse(s, code, n, path, dir, data_dir, e);
    free(code);
    return rc;
}

void tb_sweep_spec_free(tb_sweep_spec *s)
{
    json_decref(s->json);
    json_decref(s->sets);
    for (int i = 0; i < s->nsymbols; i++) free(s->symbols[i]);
    free(s->symbols);
    for (int i = 0; i < s->nparams; i++) free(s->params[i]);
    free(s->data_dir);
    memset(s, 0, sizeof *s);
}
