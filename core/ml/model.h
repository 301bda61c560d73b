/*
 * model.h - gradient-boosted trees evaluated in C from an XGBoost JSON model (the format of
 * XGBoosterSaveModel("model.json"), XGBoost >= 1.0), so the engine scores a row without the
 * library and without allocating.
 *
 * Supported: booster gbtree, objective binary:logistic (or reg:logistic), numerical splits.
 * Anything else (dart, gblinear, multi-class, categorical splits, a truncated file) is refused
 * at load with an error that says why; the caller keeps its previous model.
 */
#ifndef TB_ML_MODEL_H
#define TB_ML_MODEL_H

#include "util/err.h"

#include <stdint.h>

/* One node: a leaf when feat < 0 (value is the leaf weight), else a split on row[feat] < value
 * going left, right otherwise, and default_left for a missing (NaN) value. */
typedef struct tb_ml_node {
    float value;
    int32_t feat;
    int32_t left, right; /* absolute node indices */
    uint8_t default_left;
} tb_ml_node;

typedef struct tb_ml_model {
    int nfeat; /* columns the model expects */
    int ntrees;
    int32_t *roots;    /* node index of each tree's root */
    tb_ml_node *nodes; /* all trees, one array */
    int32_t nnodes;
    double base_margin; /* logit of base_score */
    int max_depth;      /* deepest path seen, for the record */
} tb_ml_model;

/* Parses a model file. 0, or -1 with e naming the file and the problem. */
int tb_ml_model_load(tb_ml_model *m, const char *path, tb_err *e);

/* Same from a JSON text in memory. */
int tb_ml_model_parse(tb_ml_model *m, const char *text, size_t len, const char *name, tb_err *e);

void tb_ml_model_free(tb_ml_model *m);

/* Probability of the positive class for one row of m->nfeat floats (NaN = missing). */
double tb_ml_model_predict(const tb_ml_model *m, const float *row);

#endif
