/*
 * relvol.c - relative volume: this bar's volume over the mean volume of the `period` bars before
 * it (the current bar is not in the mean, so a spike is not diluted by itself). No TA-Lib
 * equivalent. A zero mean (no volume in the window) gives 0, not infinity.
 */
#include "ind/ind_step_hlv.h"

int ind_relvol_start(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? IND_EPARAM : p;
}

size_t ind_relvol_size(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? 0 : ind_ring_bytes(sizeof(relvol_state), (size_t)p);
}

int ind_relvol_init(void *st, const double *opt)
{
    relvol_state *s = st;
    s->n = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    if (s->n < 0) return IND_EPARAM;
    s->count = s->pos = 0;
    s->sum = 0.0;
    return 0;
}

int ind_relvol_update(void *st, const double *in, double *out)
{
    double v = in[0];
    if (!isfinite(v)) {
        out[0] = NAN;
        return IND_EINPUT;
    }
    relvol_state *s = st;
    double old = ind_ring_swap(ind_ring_of(s, sizeof *s), &s->pos, s->n, v);
    return ind_relvol_step(s, v, old, out);
}

int ind_relvol(int n, const double *const *in, const double *opt, double *const *out)
{
    int lb = ind_relvol_start(opt);
    if (lb < 0) return lb;
    const double *v = in[0];
    double *o = out[0];
    const double p = lb;
    double sum = 0.0;
    int i = 0, bad = 0;
    for (; i < n && i < lb; i++) {
        bad |= !isfinite(v[i]);
        sum += v[i];
        o[i] = NAN;
    }
    for (; i < n; i++) {
        o[i] = relvol_value(v[i], sum, p);
        sum += v[i];
        sum -= v[i - lb];
    }
    if (bad || !isfinite(sum)) return IND_STREAM_BATCH(relvol, 1, 1);
    return 0;
}
