/* ind_stream.c - the batch path through the streaming state, for input with non-finite values. */
#include "ind/ind_priv.h"

#include <stdlib.h>

int ind_stream_batch(ind_size_fn size, ind_init_fn init, ind_update_fn update, int nin, int nout,
                     int n, const double *const *in, const double *opt, double *const *out)
{
    size_t bytes = size(opt);
    if (!bytes) return IND_EPARAM;
    void *st = malloc(bytes);
    if (!st) return IND_ENOMEM;
    int rc = init(st, opt);
    if (rc < 0) {
        free(st);
        return rc;
    }
    int skipped = 0;
    double x[IND_MAX_IO], y[IND_MAX_IO];
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < nin; k++) x[k] = in[k][i];
        if (update(st, x, y) == IND_EINPUT) skipped++;
        for (int k = 0; k < nout; k++) out[k][i] = y[k];
    }
    free(st);
    return skipped;
}
