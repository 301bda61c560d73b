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

/*
 * One node, 16 bytes. Children are laid out side by side (right = left + 1), so a step is
 * `i = left + go_right` without a branch; a leaf is its own left child, so a walk may run a fixed
 * number of steps (the tree's depth) and stop on the leaf whatever the path.
 */
typedef struct tb_ml_node {
    float thr;    /* split: row[feat] < thr goes left */
    float leaf;   /* leaf weight (leaves only) */
    int32_t left; /* absolute index of the left child; a leaf's own index */
    uint16_t feat;
    uint8_t default_left; /* where a missing (NaN) value goes */
    uint8_t is_leaf;
} tb_ml_node;

typedef struct tb_ml_model {
    int nfeat; /* columns the model expects */
    int ntrees;
    int32_t *roots;    /* node index of each tree's root */
    uint8_t *depth;    /* steps from root to the deepest leaf, per tree */
    tb_ml_node *nodes; /* all trees, one array */
    int32_t nnodes;
    double base_margin; /* logit of base_score */
    int max_depth;
} tb_ml_model;

/* Parses a model file. 0, or -1 with e naming the file and the problem. */
int tb_ml_model_load(tb_ml_model *m, const char *path, tb_err *e);

/* Same from a JSON text in memory. */
int tb_ml_model_parse(tb_ml_model *m, const char *text, size_t len, const char *name, tb_err *e);

void tb_ml_model_free(tb_ml_model *m);

/* Probability of the positive class for one row of m->nfeat floats (NaN = missing). */
double tb_ml_model_predict(const tb_ml_model *m, const float *row);

#endif
