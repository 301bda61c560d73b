/*
 * train.h - gradient-boosted trees trained with the XGBoost C API on a time-ordered sample
 * set, evaluated walk-forward (walkforward.h), then trained on every row for service.
 *
 * Runs in `tradebot train`, its own process: never on the engine's loop.
 */
#ifndef TB_ML_TRAIN_H
#define TB_ML_TRAIN_H

#include "ml/metrics.h"
#include "ml/walkforward.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

#define TB_TRAIN_MAX_FOLDS 10

typedef struct tb_train_params {
    int rounds, max_depth, folds, nthread;
    double eta;
    int64_t embargo_ns; /* the label's horizon */
    /* progress: stage 0..folds-1 a fold, folds the final model */
    void (*progress)(void *ud, int stage, int stages, int round, int rounds);
    void *ud;
    float *oof; /* NULL, or n floats: each validation row's out-of-fold prediction (NaN else) */
} tb_train_params;

typedef struct tb_fold_metrics {
    tb_wf_fold split;
    double auc, logloss;
} tb_fold_metrics;

typedef struct tb_train_result {
    size_t rows;
    int nfolds;
    tb_fold_metrics fold[TB_TRAIN_MAX_FOLDS];
    double auc, logloss; /* over every validation row of every fold */
    tb_calib_bucket calib[TB_CALIB_BUCKETS];
    double max_abs_diff; /* our inference vs XGBoost's on validation rows of the saved model */
} tb_train_result;

/*
 * Trains on x (n rows of nfeat floats, NaN missing) with labels y and row times t (sorted),
 * saves the final model as XGBoost JSON at model_path and checks that tb_ml_model_predict on
 * the saved file reproduces XGBoost's predictions.
 */
int tb_train_run(const int64_t *t, const float *x, const float *y, size_t n, int nfeat,
                 const tb_train_params *p, const char *model_path, tb_train_result *r, tb_err *e);

/* XGBoost's version, "major.minor.patch". */
const char *tb_train_xgb_version(char *buf, size_t len);

#endif
