/*
 * bbands.c - Bollinger Bands: SMA(period) +- mult * population standard deviation, in TA-Lib's
 * order (upper, middle, lower) and arithmetic (running sums of x and x^2; a variance under 1e-14
 * gives a deviation of 0). TA-Lib takes separate up/down multipliers; here one serves both.
 */
#include "ind/ind_step.h"

static int bb_period(const double *opt)
{
    if (!(opt[1] >= 0.0 && opt[1] <= 100.0)) return IND_EPARAM;
    return ind_iparam(opt[0], 2, IND_MAX_PERIOD);
}

int ind_bbands_start(const double *opt)
{
    int p = bb_period(opt);
    return p < 0 ? IND_EPARAM : p - 1;
}

size_t ind_bbands_size(const double *opt)
{
    int p = bb_period(opt);
    return p < 0 ? 0 : ind_ring_bytes(sizeof(bb_state), (size_t)p);
}

int ind_bbands_init(void *st, const double *opt)
{
    bb_state *s = st;
    s->n = bb_period(opt);
    if (s->n < 0) return IND_EPARAM;
    s->mult = opt[1];
    s->r = 1.0 / s->n;
    s->count = *ind_ring_pos(s, sizeof *s) = 0;
    s->sum = s->sum2 = 0.0;
    return 0;
}

int ind_bbands_update(void *st, const double *in, double *out)
{
    double x = in[0];
    if (!isfinite(x)) {
        out[0] = out[1] = out[2] = NAN;
        return IND_EINPUT;
    }
    bb_state *s = st;
    double *ring = ind_ring_of(s, sizeof *s);
    int *pos = ind_ring_pos(s, sizeof *s);
    ind_ring_swap(ring, pos, s->n, x);
    return ind_bbands_step(s, x, ring[*pos], out);
}

int ind_bbands(int n, const double *const *in, const double *opt, double *const *out)
{
    int lb = ind_bbands_start(opt);
    if (lb < 0) return lb;
    const double *x = in[0];
    double *u = out[0], *m = out[1], *l = out[2];
    const double r = 1.0 / (lb + 1), mult = opt[1];
    double sum = 0.0, sum2 = 0.0;
    int i = 0, bad = 0;
    for (; i < n && i < lb; i++) {
        bad |= !isfinite(x[i]);
        sum += x[i];
        sum2 += x[i] * x[i];
        u[i] = m[i] = l[i] = NAN;
    }
    for (; i < n; i++) {
        sum += x[i];
        sum2 += x[i] * x[i];
        bb_out(sum, sum2, r, mult, &u[i], &m[i], &l[i]);
        double t = x[i - lb];
        sum -= t;
        sum2 -= t * t;
    }
    if (bad || !isfinite(sum) || !isfinite(sum2)) return IND_STREAM_BATCH(bbands, 1, 3);
    return 0;
}
