/*
 * spec_sets.c - expanding a sweep's grid or random samples into its numbered parameter sets.
 */
#include "sweep/spec_sets.h"
#include "util/rand.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The object's keys, sorted (the order sets are numbered in must not depend on Lua's hash). */
static int sorted_keys(tb_sweep_spec *s, json_t *o, const char *where, tb_err *e)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (s->nparams == TB_SWEEP_MAX_PARAMS)
            return tb_errf(e, "%s: more than %d params", where, TB_SWEEP_MAX_PARAMS);
        s->params[s->nparams++] = strdup(k);
    }
    qsort(s->params, (size_t)s->nparams, sizeof *s->params, cmp_str);
    if (!s->nparams) return tb_errf(e, "%s: names no param", where);
    return 0;
}

static int grid(tb_sweep_spec *s, json_t *g, const char *name, tb_err *e)
{
    char where[300];
    snprintf(where, sizeof where, "%s: grid", name);
    if (!json_is_object(g)) return tb_errf(e, "%s must be {param = {values...}, ...}", where);
    if (sorted_keys(s, g, where, e) != 0) return -1;
    size_t total = 1;
    for (int i = 0; i < s->nparams; i++) {
        json_t *vals = json_object_get(g, s->params[i]);
        size_t n = json_array_size(vals), k;
        json_t *v;
        if (!json_is_array(vals) || n == 0)
            return tb_errf(e, "%s.%s must be a non-empty list of values", where, s->params[i]);
        json_array_foreach(vals, k, v) if (!json_is_number(v) && !json_is_string(v) &&
                                           !json_is_boolean(v)) return tb_errf(e,
                                                                               "%s.%s[%zu] must "
                                                                               "be a number, "
                                                                               "string or boolean",
                                                                               where, s->params[i],
                                                                               k + 1);
        total *= n;
        if (total > TB_SWEEP_MAX_SETS)
            return tb_errf(e, "%s: more than %d combinations", where, TB_SWEEP_MAX_SETS);
    }
    s->sets = json_array();
    for (size_t id = 0; id < total; id++) {
        json_t *set = json_object();
        size_t rest = id;
        for (int i = s->nparams - 1; i >= 0; i--) { /* the last param varies fastest */
            json_t *vals = json_object_get(g, s->params[i]);
            json_object_set(set, s->params[i], json_array_get(vals, rest % json_array_size(vals)));
            rest /= json_array_size(vals);
        }
        json_array_append_new(s->sets, set);
    }
    return 0;
}

typedef struct bound {
    double min, max, step;
    int integer; /* min, max and step all whole: values are integers */
} bound;

static int read_bound(json_t *b, const char *where, const char *p, bound *out, tb_err *e)
{
    json_t *mn = json_object_get(b, "min"), *mx = json_object_get(b, "max");
    json_t *st = json_object_get(b, "step");
    if (!json_is_object(b) || !json_is_number(mn) || !json_is_number(mx) ||
        json_number_value(mn) > json_number_value(mx) ||
        (st && (!json_is_number(st) || !(json_number_value(st) > 0))))
        return tb_errf(e, "%s.bounds.%s must be {min = A, max = B, step = S?} with A <= B, S > 0",
                       where, p);
    out->min = json_number_value(mn), out->max = json_number_value(mx);
    out->step = st ? json_number_value(st) : 0;
    out->integer = json_is_integer(mn) && json_is_integer(mx) && (!st || json_is_integer(st));
    return 0;
}

/* A value in [min, max]: on the step grid from min when there is a step; rounded to 10
 * decimals so 0.8 + 3 * 0.1 reads 1.1. */
static json_t *draw(const bound *b, uint64_t *x)
{
    double u = (double)(tb_rand_next(x) >> 11) / 9007199254740992.0, v;
    if (b->integer) {
        long long span = (long long)((b->max - b->min) / (b->step ? b->step : 1));
        long long k = (long long)(u * (double)(span + 1));
        return json_integer((long long)b->min + k * (long long)(b->step ? b->step : 1));
    }
    v = b->min + u * (b->max - b->min);
    if (b->step) v = fmin(b->max, b->min + round((v - b->min) / b->step) * b->step);
    char buf[64];
    snprintf(buf, sizeof buf, "%.10f", v);
    return json_real(strtod(buf, NULL));
}

/* Each new set is compared with every earlier one: samples stay few enough for that. */
#define TB_SWEEP_MAX_SAMPLES 5000

static int seen(json_t *sets, json_t *set)
{
    size_t i;
    json_t *o;
    json_array_foreach(sets, i, o) if (json_equal(o, set)) return 1;
    return 0;
}

static int random_sets(tb_sweep_spec *s, json_t *r, const char *name, tb_err *e)
{
    char where[300];
    snprintf(where, sizeof where, "%s: random", name);
    json_t *n = json_object_get(r, "samples"), *seed = json_object_get(r, "seed");
    json_t *bounds = json_object_get(r, "bounds");
    if (!json_is_object(r) || !json_is_integer(n) || json_integer_value(n) < 1 ||
        json_integer_value(n) > TB_SWEEP_MAX_SAMPLES || !json_is_integer(seed) ||
        !json_is_object(bounds) || json_object_size(r) != 3)
        return tb_errf(e,
                       "%s must be {samples = 1..%d, seed = N, bounds = {param = {min, max, "
                       "step?}}}",
                       where, TB_SWEEP_MAX_SAMPLES);
    if (sorted_keys(s, bounds, where, e) != 0) return -1;
    bound b[TB_SWEEP_MAX_PARAMS];
    for (int i = 0; i < s->nparams; i++)
        if (read_bound(json_object_get(bounds, s->params[i]), where, s->params[i], &b[i], e) != 0)
            return -1;
    uint64_t x = (uint64_t)json_integer_value(seed);
    size_t want = (size_t)json_integer_value(n), tries = 0;
    s->sets = json_array();
    /* a repeated set would be run twice for nothing; a small step grid may hold fewer sets */
    while (json_array_size(s->sets) < want && tries++ < want * 20) {
        json_t *set = json_object();
        for (int i = 0; i < s->nparams; i++)
            json_object_set_new(set, s->params[i], draw(&b[i], &x));
        if (seen(s->sets, set))
            json_decref(set);
        else
            json_array_append_new(s->sets, set);
    }
    return 0;
}

int tb_sweep_expand_sets(tb_sweep_spec *s, const char *name, tb_err *e)
{
    json_t *g = json_object_get(s->json, "grid"), *r = json_object_get(s->json, "random");
    if (!g == !r) return tb_errf(e, "%s: needs grid = {...} or random = {...} (one of them)", name);
    return g ? grid(s, g, name, e) : random_sets(s, r, name, e);
}
