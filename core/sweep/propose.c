/*
 * propose.c - a sweep's best set proposed through the Healer (propose.h).
 */
#include "sweep/propose.h"
#include "config/config.h"
#include "healer/healer.h"
#include "home/home.h"
#include "strategy/decl.h"

#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *tb_sweep_directive(const tb_sweep_view *v, json_t *decl, const char *name, tb_err *e)
{
    if (v->best < 0) return tb_errf(e, "no set to propose (no result ranks)"), NULL;
    json_t *set = v->sets[v->best], *tunable = json_object_get(decl, "tunable"), *x;
    const char *k;
    json_object_foreach(set, k, x)
    {
        json_t *t = json_object_get(tunable, k);
        if (!t) {
            tb_errf(e,
                    "%s does not declare %s tunable: the Healer may not change it (declare "
                    "tunable.%s = {min, max} in the strategy file first)",
                    name, k, k);
            return NULL;
        }
        if (!tb_tunable_within(t, x)) {
            tb_errf(e, "%s = %g is outside %s's tunable bounds [%g, %g]", k, json_number_value(x),
                    name, json_number_value(json_object_get(t, "min")),
                    json_number_value(json_object_get(t, "max")));
            return NULL;
        }
        json_t *def = json_object_get(json_object_get(decl, "params"), k);
        if (!tb_param_whole_ok(def, x)) {
            tb_errf(e, "%s = %g must be a whole number, as %s's default %lld is", k,
                    json_number_value(x), name, (long long)json_integer_value(def));
            return NULL;
        }
    }
    char what[512], buf[512];
    int wf = v->wf_train > 0;
    if (wf)
        snprintf(what, sizeof what,
                 "walk-forward out-of-sample mean %s %.4f (in sample %.4f); set "
                 "chosen on the last train window",
                 v->metric->name, v->wf_oos, v->wf_is);
    else
        snprintf(what, sizeof what,
                 "in-sample %s %.4f over %s..%s, no walk-forward (no "
                 "out-of-sample figure)",
                 v->metric->name, v->is[v->best], v->first, v->last);
    char rationale[1400];
    snprintf(rationale, sizeof rationale, "sweep of %s (%zu sets): set %ld %s; %s", v->strategy,
             v->nsets, v->best, tb_sweep_set_text(v, (size_t)v->best, buf, sizeof buf), what);
    return json_pack("{s:s, s:s, s:n, s:s, s:s, s:{s:s, s:O}, s:s, s:b}", "finding", "sweep",
                     "severity", "INFO", "symbol", "kind", "param_change", "target",
                     "config/trading_config.json", "change", "strategy", name, "params", set,
                     "rationale", rationale, "can_auto_apply", 0);
}

/* The name of the strategy the sweep ran (its file's declared name, else the file's). */
static int sweep_name(const tb_sweep_view *v, char *name, size_t len, tb_err *e)
{
    char rel[512];
    snprintf(rel, sizeof rel, "%s", v->strategy);
    json_t *decl = tb_strategy_decl_file(v->strategy_path, v->strategy, e);
    if (!decl) return -1;
    const char *n = json_string_value(json_object_get(decl, "name"));
    char *b = basename(rel);
    if (!n && strlen(b) > 4 && strcmp(b + strlen(b) - 4, ".lua") == 0) b[strlen(b) - 4] = 0;
    snprintf(name, len, "%s", n ? n : b);
    json_decref(decl);
    return 0;
}

/* The declaration of the home's file of strategy name (its entry in config/trading_config.json):
 * the Healer applies a param_change there, so its bounds are the ones a proposal must keep,
 * never those of the file a results database names (a copy, an older version, anything). */
static json_t *home_decl(const char *name, tb_err *e)
{
    tb_config cfg;
    tb_config_errors errs;
    char path[PATH_MAX], rel[512] = "";
    if (tb_config_load(tb_home_path(path, sizeof path, TB_CONFIG_PATH), 1, &cfg, &errs) != 0)
        return tb_errf(e, "%s", errs.msg[0]), NULL;
    for (int i = 0; i < cfg.nstrategies && !rel[0]; i++) {
        char f[512];
        snprintf(f, sizeof f, "%s", cfg.strategies[i].file ? cfg.strategies[i].file : "");
        char *b = basename(f);
        size_t n = strlen(b);
        if (n > 4 && strcmp(b + n - 4, ".lua") == 0) b[n - 4] = 0;
        if ((cfg.strategies[i].name && strcmp(cfg.strategies[i].name, name) == 0) ||
            (!cfg.strategies[i].name && strcmp(b, name) == 0))
            snprintf(rel, sizeof rel, "%s", cfg.strategies[i].file ? cfg.strategies[i].file : "");
    }
    tb_config_free(&cfg);
    if (!rel[0])
        return tb_errf(e,
                       "strategy %s is not in config/trading_config.json: add it there "
                       "before its params can be proposed",
                       name),
               NULL;
    return tb_strategy_decl_file(tb_home_path(path, sizeof path, rel), rel, e);
}

int tb_sweep_propose(const tb_sweep_view *v, char *id, size_t idlen, tb_err *e)
{
    char name[256];
    json_t *decl = sweep_name(v, name, sizeof name, e) == 0 ? home_decl(name, e) : NULL;
    if (!decl) return -1;
    json_t *d = tb_sweep_directive(v, decl, name, e);
    json_decref(decl);
    if (!d) return -1;
    return hl_propose_one(d, "sweep", id, idlen, e);
}
