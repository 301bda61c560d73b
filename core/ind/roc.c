/*
 * roc.c - rate of change in percent, ((close / close[period bars ago]) - 1) * 100, with TA-Lib's
 * 0 when the old close is 0.
 */
#include "ind/ind_priv.h"

typedef struct roc_state {
    int n, count, pos;
    double ring[];
} roc_state;

int ind_roc_start(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? IND_EPARAM : p;
}

size_t ind_roc_size(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? 0 : sizeof(roc_state) + (size_t)p * sizeof(double);
}

int ind_roc_init(void *st, const double *opt)
{
    roc_state *s = st;
    s->n = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    if (s->n < 0) return IND_EPARAM;
    s->count = s->pos = 0;
    return 0;
}

static inline double roc_value(double x, double old)
{
    return old != 0.0 ? ((x / old) - 1.0) * 100.0 : 0.0;
}

int ind_roc_update(void *st, const double *in, double *out)
{
    roc_state *s = st;
    double x = in[0];
    if (!isfinite(x)) {
        out[0] = NAN;
        return IND_EINPUT;
    }
    double old = s->ring[s->pos];
    s->ring[s->pos] = x;
    if (++s->pos == s->n) s->pos = 0;
    if (s->count < s->n) {
        s->count++;
        out[0] = NAN;
        return IND_WARMUP;
    }
    out[0] = roc_value(x, old);
    return IND_READY;
}

int ind_roc(int n, const double *const *in, const double *opt, double *const *out)
{
    int lb = ind_roc_start(opt);
    if (lb < 0) return lb;
    const double *x = in[0];
    double *o = out[0];
    int i = 0, bad = 0;
    for (; i < n && i < lb; i++) {
        bad |= !isfinite(x[i]);
        o[i] = NAN;
    }
    for (; i < n; i++) {
        bad |= !isfinite(x[i]);
        o[i] = roc_value(x[i], x[i - lb]);
    }
    if (bad) return IND_STREAM_BATCH(roc, 1, 1);
    return 0;
}
