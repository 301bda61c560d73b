/*
 * walkforward.h - time-ordered train/validation splits without look-ahead.
 *
 * Rows are sorted by time. The span is cut into folds + 1 blocks of equal row count; fold k
 * validates on block k + 1 and trains only on rows whose label was known before that block's
 * first row: t + embargo <= t(first validation row), embargo being the label's horizon. So no
 * training row ever saw a price from the validation period, and validation always lies after
 * training (walk-forward).
 */
#ifndef TB_ML_WALKFORWARD_H
#define TB_ML_WALKFORWARD_H

#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct tb_wf_fold {
    size_t train_end;   /* training rows: [0, train_end) */
    size_t valid_begin; /* validation rows: [valid_begin, valid_end) */
    size_t valid_end;
} tb_wf_fold;

/* Fills out[0 .. folds-1]. -1 when t is not sorted or a fold would have no training or no
 * validation rows. */
int tb_wf_split(const int64_t *t, size_t n, int folds, int64_t embargo_ns, tb_wf_fold *out,
                tb_err *e);

#endif
