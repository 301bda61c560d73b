#include "ml/walkforward.h"

int tb_wf_split(const int64_t *t, size_t n, int folds, int64_t embargo_ns, tb_wf_fold *out,
                tb_err *e)
{
    if (folds < 1) return tb_errf(e, "walk-forward: need at least one fold");
    for (size_t i = 1; i < n; i++)
        if (t[i] < t[i - 1]) return tb_errf(e, "walk-forward: rows are not in time order");
    size_t block = n / (size_t)(folds + 1);
    if (block == 0) return tb_errf(e, "walk-forward: %zu rows are too few for %d folds", n, folds);
    for (int k = 0; k < folds; k++) {
        tb_wf_fold *f = &out[k];
        f->valid_begin = (size_t)(k + 1) * block;
        f->valid_end = k == folds - 1 ? n : (size_t)(k + 2) * block;
        size_t end = f->valid_begin;
        while (end > 0 && t[end - 1] + embargo_ns > t[f->valid_begin]) end--;
        f->train_end = end;
        if (end == 0)
            return tb_errf(e,
                           "walk-forward: fold %d has no training row older than the "
                           "horizon before its validation window",
                           k + 1);
    }
    return 0;
}
