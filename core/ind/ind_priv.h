/*
 * ind_priv.h - helpers shared by the indicator files; not part of the public surface.
 */
#ifndef TB_IND_IND_PRIV_H
#define TB_IND_IND_PRIV_H

#include "ind/ind.h"

#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* TA-Lib's "is zero" (1e-14), kept so divisions by near-zero give the same 0 it gives. */
#define IND_IS_ZERO(v) ((v) > -1e-14 && (v) < 1e-14)

/*
 * x > 0 ? x : 0 (NaN gives 0), without a branch: gcc compiles the ternary to a compare and jump
 * in some loops, and on a random walk the sign of a change is a coin flip the predictor loses.
 * maxsd computes exactly this expression (the second operand when unordered or not greater).
 */
static inline double ind_pos(double x)
{
#ifdef __SSE2__
    return _mm_cvtsd_f64(_mm_max_sd(_mm_set_sd(x), _mm_setzero_pd()));
#else
    return x > 0.0 ? x : 0.0;
#endif
}

/* A whole-number parameter in [min, max], or -1. */
static inline int ind_iparam(double v, int min, int max)
{
    if (!(v >= min && v <= max) || v != (double)(int)v) return -1;
    return (int)v;
}

static inline void ind_fill_nan(double *o, int from, int to)
{
    for (int i = from; i < to; i++) o[i] = NAN;
}

/*
 * Runs a batch through the streaming update, bar by bar: the path taken when the input holds
 * non-finite values (the fast loops detect that at the end and fall back here). Returns the
 * number of skipped bars or IND_ENOMEM.
 */
int ind_stream_batch(ind_size_fn size, ind_init_fn init, ind_update_fn update, int nin, int nout,
                     int n, const double *const *in, const double *opt, double *const *out);

#define IND_STREAM_BATCH(name, nin, nout)                                                          \
    ind_stream_batch(ind_##name##_size, ind_##name##_init, ind_##name##_update, nin, nout, n, in,  \
                     opt, out)

#endif
