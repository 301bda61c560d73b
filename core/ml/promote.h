/*
 * promote.h - whether a trained, valid model earns its place in service: its walk-forward AUC
 * must reach the floor (ml.min_auc) and must not be worse than the current model's on the same
 * validation rows. The current model is scored on the validation rows it never trained on (rows
 * past its own training set, which is time-ordered and only grows); when there are too few of
 * them, or the current model has another feature schema, the two walk-forward AUCs recorded in
 * metrics.json are compared instead, and the reason says so. Otherwise the new model stays a
 * candidate (its folder is kept) and the current one stays in service.
 */
#ifndef TB_ML_PROMOTE_H
#define TB_ML_PROMOTE_H

#include <stddef.h>

typedef struct tb_promote_in {
    const char *models; /* ml_db/models */
    const float *x, *y; /* the training set: n rows of nfeat features, labels */
    size_t n;
    int nfeat;
    const float *oof; /* the candidate's out-of-fold predictions (NaN off validation) */
    double auc;       /* the candidate's walk-forward AUC */
    double floor;     /* ml.min_auc */
} tb_promote_in;

typedef struct tb_promote_out {
    int promote;
    double current_auc, candidate_auc; /* on the rows compared (NaN when not compared) */
    size_t rows;                       /* how many rows were compared */
    char why[320];                     /* the decision in one line */
} tb_promote_out;

/* Judges the candidate. Never fails: what cannot be compared is said in why. */
void tb_promote_judge(const tb_promote_in *in, tb_promote_out *out);

#endif
