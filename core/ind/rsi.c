/*
 * rsi.c - relative strength index with Wilder's smoothing, as TA-Lib computes it: the first
 * average gain and loss are plain means over `period` changes, then avg = (avg*(p-1) + x) / p.
 * Output 0 when both averages are (near) zero, as TA-Lib does. The smoothing is written
 * avg*((p-1)/p) + x*(1/p): equal to TA-Lib's up to rounding, without a division on the chain.
 */
#include "ind/ind_step.h"

int ind_rsi_start(const double *opt)
{
    int p = ind_iparam(opt[0], 2, IND_MAX_PERIOD);
    return p < 0 ? IND_EPARAM : p;
}

size_t ind_rsi_size(const double *opt)
{
    return ind_rsi_start(opt) < 0 ? 0 : sizeof(rsi_state);
}

int ind_rsi_init(void *st, const double *opt)
{
    rsi_state *s = st;
    s->n = ind_iparam(opt[0], 2, IND_MAX_PERIOD);
    if (s->n < 0) return IND_EPARAM;
    s->count = 0;
    s->prev = s->gain = s->loss = 0.0;
    s->a = (s->n - 1.0) / s->n;
    s->b = 1.0 / s->n;
    return 0;
}

static inline int rsi_step(rsi_state *s, double x, double *out)
{
    if (!isfinite(x)) {
        *out = NAN;
        return IND_EINPUT;
    }
    return ind_rsi_step(s, x, out);
}

int ind_rsi_update(void *st, const double *in, double *out)
{
    return rsi_step(st, in[0], out);
}

int ind_rsi(int n, const double *const *in, const double *opt, double *const *out)
{
    rsi_state s;
    if (ind_rsi_init(&s, opt) < 0) return IND_EPARAM;
    const double *x = in[0];
    double *o = out[0];
    int skipped = 0, i = 0;
    for (; i < n && s.count <= s.n; i++) skipped += rsi_step(&s, x[i], &o[i]) == IND_EINPUT;
    /*
     * Steady state: rsi_step's ready branch with the state in registers and no branch per bar.
     * Gain and loss are ind_pos(d) and ind_pos(-d) (prev - x is exactly -(x - prev)): maxsd
     * instead of a branch a random walk mispredicts half the time. Bad input is only
     * noted here; if there was any, the whole array is redone through the streaming path.
     */
    double prev = s.prev, gain = s.gain, loss = s.loss;
    const double a = s.a, b = s.b;
    int bad = skipped;
    for (; i < n; i++) {
        double xi = x[i];
        bad |= !isfinite(xi);
        double up = xi - prev, down = prev - xi;
        up = ind_pos(up);
        down = ind_pos(down);
        prev = xi;
        loss = loss * a + down * b;
        gain = gain * a + up * b;
        o[i] = rsi_value(gain, loss);
    }
    return bad ? IND_STREAM_BATCH(rsi, 1, 1) : 0;
}
