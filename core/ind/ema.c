/*
 * ema.c - exponential moving average, k = 2 / (period + 1), seeded with the SMA of the first
 * period values (TA-Lib's default; Tulip seeds with the first value instead). The update is
 * ema*(1-k) + x*k rather than TA-Lib's (x-ema)*k + ema: equal up to rounding (~1e-16), and one
 * operation shorter on the dependency chain between bars.
 */
#include "ind/ind_step.h"

int ind_ema_start(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? IND_EPARAM : p - 1;
}

size_t ind_ema_size(const double *opt)
{
    return ind_ema_start(opt) < 0 ? 0 : sizeof(ema_state);
}

int ind_ema_init(void *st, const double *opt)
{
    ema_state *s = st;
    s->n = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    if (s->n < 0) return IND_EPARAM;
    s->count = 0;
    s->k = 2.0 / (s->n + 1);
    s->a = 1.0 - s->k;
    s->ema = 0.0;
    return 0;
}

static inline int ema_step(ema_state *s, double x, double *out)
{
    if (!isfinite(x)) {
        *out = NAN;
        return IND_EINPUT;
    }
    return ind_ema_step(s, x, out);
}

int ind_ema_update(void *st, const double *in, double *out)
{
    return ema_step(st, in[0], out);
}

int ind_ema(int n, const double *const *in, const double *opt, double *const *out)
{
    ema_state s;
    if (ind_ema_init(&s, opt) < 0) return IND_EPARAM;
    const double *x = in[0];
    double *o = out[0];
    int skipped = 0, i = 0;
    for (; i < n && s.count < s.n; i++) skipped += ema_step(&s, x[i], &o[i]) == IND_EINPUT;
    /* Steady state: ema_step's ready branch with the state in registers. */
    double e = s.ema;
    const double a = s.a, k = s.k;
    for (; i < n; i++) {
        double xi = x[i];
        if (!isfinite(xi)) {
            o[i] = NAN;
            skipped++;
            continue;
        }
        e = e * a + xi * k;
        o[i] = e;
    }
    return skipped;
}
