/*
 * atr.c - average true range with Wilder's smoothing (TA-Lib): the true range needs the previous
 * close, so the first one is at bar 1; the first ATR is the mean of `period` true ranges (bar
 * `period`), then atr = (atr*(p-1) + tr) / p, computed as atr*((p-1)/p) + tr*(1/p): equal up to
 * rounding, without a division on the chain between bars.
 */
#include "ind/ind_step_hlv.h"

int ind_atr_start(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? IND_EPARAM : p;
}

size_t ind_atr_size(const double *opt)
{
    return ind_atr_start(opt) < 0 ? 0 : sizeof(atr_state);
}

int ind_atr_init(void *st, const double *opt)
{
    atr_state *s = st;
    s->n = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    if (s->n < 0) return IND_EPARAM;
    s->count = 0;
    s->pc = s->atr = 0.0;
    s->a = (s->n - 1.0) / s->n;
    s->b = 1.0 / s->n;
    return 0;
}

static inline int atr_step(atr_state *s, double h, double l, double c, double *out)
{
    if (!isfinite(h) || !isfinite(l) || !isfinite(c)) {
        *out = NAN;
        return IND_EINPUT;
    }
    return ind_atr_step(s, h, l, c, out);
}

int ind_atr_update(void *st, const double *in, double *out)
{
    return atr_step(st, in[0], in[1], in[2], out);
}

int ind_atr(int n, const double *const *in, const double *opt, double *const *out)
{
    atr_state s;
    if (ind_atr_init(&s, opt) < 0) return IND_EPARAM;
    const double *h = in[0], *l = in[1], *c = in[2];
    double *o = out[0];
    int skipped = 0, i = 0;
    for (; i < n && s.count <= s.n; i++)
        skipped += atr_step(&s, h[i], l[i], c[i], &o[i]) == IND_EINPUT;
    /* Steady state: atr_step's ready branch with the state in registers. */
    double pc = s.pc, atr = s.atr;
    const double a = s.a, b = s.b;
    for (; i < n; i++) {
        double hi = h[i], lo = l[i], ci = c[i];
        if (!isfinite(hi) || !isfinite(lo) || !isfinite(ci)) {
            o[i] = NAN;
            skipped++;
            continue;
        }
        double tr = ind_true_range(hi, lo, pc);
        pc = ci;
        atr = atr * a + tr * b;
        o[i] = atr;
    }
    return skipped;
}
