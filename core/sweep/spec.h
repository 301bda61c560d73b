/*
 * spec.h - a parameter sweep's specification (`tradebot sweep SPEC`, docs/sweeps.md): a Lua
 * file returning a table that names the strategy, a grid of parameter values or random samples
 * within bounds (with a seed), the data (sample days or a folder of CSV bars), the metric to
 * rank by, an optional walk-forward split and the two parameters of the heatmap.
 *
 * The file runs in the strategy sandbox (no io, no os.execute); what it returns is turned into
 * canonical JSON (keys sorted) whose hash, with the strategy file's, identifies the sweep: a
 * shard of another sweep is refused at merge. The parameter sets are expanded here, in one
 * fixed order, so every machine that reads the same spec numbers them the same way.
 */
#ifndef TB_SWEEP_SPEC_H
#define TB_SWEEP_SPEC_H

#include "util/err.h"

#include <jansson.h>
#include <stdint.h>

#define TB_SWEEP_MAX_SETS    100000
#define TB_SWEEP_MAX_PARAMS  16
#define TB_SWEEP_METRIC_NAME 24

/* A metric a sweep can rank by: a column of sweep_results. */
typedef struct tb_sweep_metric {
    const char *name;
    int lower_is_better; /* max_drawdown_pct */
    const char *what;    /* for the report */
} tb_sweep_metric;

extern const tb_sweep_metric tb_sweep_metrics[];
extern const int tb_sweep_nmetrics;

typedef struct tb_sweep_spec {
    json_t *json;             /* the canonical spec (owned) */
    char hash[17];            /* fnv-1a 64 of the canonical JSON and the strategy's text, hex */
    char strategy_rel[512];   /* as the spec names it */
    char strategy_path[4096]; /* resolved, absolute */
    char **symbols;           /* the strategy's symbols (NULL: all of the data's) */
    int nsymbols;
    /* data: sample (data_dir NULL) or a folder of CSV bars */
    char *data_dir;
    uint64_t data_seed;
    int days, sample_symbols;
    char start[16], from[16], to[16]; /* "" when not given */
    const tb_sweep_metric *metric;
    int wf_train, wf_test;             /* sessions; 0: no walk-forward */
    char heat_x[64], heat_y[64];       /* "" when the sweep varies fewer params */
    int top;                           /* sets shown with their equity curves */
    char *params[TB_SWEEP_MAX_PARAMS]; /* the swept params, sorted by name */
    int nparams;
    json_t *sets; /* array of objects {param: value}, in set-id order (owned) */
} tb_sweep_spec;

/*
 * Reads the spec file at path. data_dir (may be NULL) overrides the spec's data.dir (the
 * --data option). A relative strategy is looked up beside the spec, then in the home, then
 * among the shipped examples. Errors name the file and the key.
 */
int tb_sweep_spec_load(tb_sweep_spec *s, const char *path, const char *data_dir, tb_err *e);

/* The same from Lua text (tests); dir is where a relative strategy is looked up first. */
int tb_sweep_spec_parse(tb_sweep_spec *s, const char *code, size_t len, const char *name,
                        const char *dir, const char *data_dir, tb_err *e);

void tb_sweep_spec_free(tb_sweep_spec *s);

/* The metric of that name, or NULL. */
const tb_sweep_metric *tb_sweep_metric_find(const char *name);

/* Number of parameter sets. */
size_t tb_sweep_nsets(const tb_sweep_spec *s);

#endif
