/*
 * sma.c - simple moving average. TA-Lib's arithmetic: a running sum, divided by the period,
 * from which the bar leaving the window is subtracted after each output.
 */
#include "ind/ind_step.h"

int ind_sma_start(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? IND_EPARAM : p - 1;
}

size_t ind_sma_size(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? 0 : ind_ring_bytes(sizeof(sma_state), (size_t)p);
}

int ind_sma_init(void *st, const double *opt)
{
    sma_state *s = st;
    s->n = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    if (s->n < 0) return IND_EPARAM;
    s->count = *ind_ring_pos(s, sizeof *s) = 0;
    s->sum = 0.0;
    return 0;
}

int ind_sma_update(void *st, const double *in, double *out)
{
    sma_state *s = st;
    double x = in[0];
    if (!isfinite(x)) {
        out[0] = NAN;
        return IND_EINPUT;
    }
    double *ring = ind_ring_of(s, sizeof *s);
    int *pos = ind_ring_pos(s, sizeof *s);
    ind_ring_swap(ring, pos, s->n, x);
    return ind_sma_step(s, x, ring[*pos], out);
}

int ind_sma(int n, const double *const *in, const double *opt, double *const *out)
{
    int lb = ind_sma_start(opt);
    if (lb < 0) return lb;
    const double *x = in[0];
    double *o = out[0];
    const double p = lb + 1;
    double sum = 0.0;
    int i = 0, bad = 0;
    for (; i < n && i < lb; i++) {
        bad |= !isfinite(x[i]);
        sum += x[i];
        o[i] = NAN;
    }
    for (; i < n; i++) {
        sum += x[i];
        o[i] = sum / p;
        sum -= x[i - lb];
    }
    if (bad || !isfinite(sum)) return IND_STREAM_BATCH(sma, 1, 1);
    return 0;
}
