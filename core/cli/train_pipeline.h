/*
 * train_pipeline.h - what `tradebot train` does, step by step, so the command stays a thin shell:
 *
 *   1. samples: when ml_samples holds fewer than ml.min_rows labelled rows of the live schema,
 *      replay the configured bars (sample data by default) through the real trading path
 *      (core/trade/runner.h with the ML runtime and gate) to write them;
 *   2. train walk-forward with XGBoost (train.h) on the labelled rows, oldest first;
 *   3. write ml_db/models/<timestamp>/{model.json, feature_schema.json, metrics.json};
 *   4. load the folder back as the engine would (tb_ml_load_dir) and, when it is valid and
 *      earns its place (promote.h: the AUC floor, not worse than the current model), point
 *      ml_db/models/current at it (model_dir.h); else it stays a candidate folder.
 */
#ifndef TB_CLI_TRAIN_PIPELINE_H
#define TB_CLI_TRAIN_PIPELINE_H

#include "config/config.h"
#include "ml/train.h"

#include <limits.h>
#include <sqlite3.h>

typedef struct tb_pipeline_opts {
    const tb_config *cfg;
    sqlite3 *db;
    const char *models; /* ml_db/models */
    int64_t now_ns;
    /* progress: what ("samples", "fold 1/3", "final"), done and total of that step */
    void (*progress)(void *ud, const char *what, double done, double total);
    void *ud;
} tb_pipeline_opts;

typedef struct tb_pipeline_result {
    int64_t generated; /* samples written by step 1 (0: the table had enough) */
    tb_train_result train;
    char name[64];      /* the new folder's name */
    char dir[PATH_MAX]; /* its path */
    int valid, current; /* passed validation; current now points at it */
    char invalid_why[256];
    char kept_why[320]; /* valid but kept as a candidate: why (ml/promote.h); else the verdict */
} tb_pipeline_result;

/* Runs the steps above. -1 on an error (nothing is pointed at); an invalid model is not an
 * error: its folder stays for inspection, result.valid is 0 and current is left alone. */
int tb_pipeline_run(const tb_pipeline_opts *o, tb_pipeline_result *r, tb_err *e);

#endif
