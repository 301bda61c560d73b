/*
 * macd.c - moving average convergence/divergence: EMA(fast) - EMA(slow), its EMA(signal), and
 * the difference. As in TA-Lib, both EMAs first output at bar slow-1 (the fast one seeded with
 * the SMA of the `fast` bars ending there), and every output starts at (slow-1) + (signal-1).
 * A slow period shorter than the fast one is swapped, as TA-Lib does. EMA steps are written
 * e*(1-k) + x*k (see ema.c).
 */
#include "ind/ind_step.h"

static int macd_params(const double *opt, int *fast, int *slow, int *sig)
{
    *fast = ind_iparam(opt[0], 2, IND_MAX_PERIOD);
    *slow = ind_iparam(opt[1], 2, IND_MAX_PERIOD);
    *sig = ind_iparam(opt[2], 1, IND_MAX_PERIOD);
    if (*fast < 0 || *slow < 0 || *sig < 0) return IND_EPARAM;
    if (*slow < *fast) {
        int t = *slow;
        *slow = *fast;
        *fast = t;
    }
    return 0;
}

int ind_macd_start(const double *opt)
{
    int f, sl, sg;
    if (macd_params(opt, &f, &sl, &sg) < 0) return IND_EPARAM;
    return sl - 1 + sg - 1;
}

size_t ind_macd_size(const double *opt)
{
    return ind_macd_start(opt) < 0 ? 0 : sizeof(macd_state);
}

int ind_macd_init(void *st, const double *opt)
{
    macd_state *s = st;
    if (macd_params(opt, &s->fast, &s->slow, &s->sig) < 0) return IND_EPARAM;
    s->count = s->mcount = 0;
    s->kf = 2.0 / (s->fast + 1);
    s->ks = 2.0 / (s->slow + 1);
    s->kg = 2.0 / (s->sig + 1);
    s->af = 1.0 - s->kf;
    s->as = 1.0 - s->ks;
    s->ag = 1.0 - s->kg;
    s->ef = s->es = s->eg = 0.0;
    return 0;
}

static inline int macd_step(macd_state *s, double x, double *out)
{
    if (!isfinite(x)) {
        out[0] = out[1] = out[2] = NAN;
        return IND_EINPUT;
    }
    return ind_macd_step(s, x, out);
}

int ind_macd_update(void *st, const double *in, double *out)
{
    return macd_step(st, in[0], out);
}

int ind_macd(int n, const double *const *in, const double *opt, double *const *out)
{
    macd_state s;
    if (ind_macd_init(&s, opt) < 0) return IND_EPARAM;
    const double *x = in[0];
    double *om = out[0], *os = out[1], *oh = out[2];
    int skipped = 0, i = 0;
    for (; i < n && (s.count < s.slow || s.mcount < s.sig); i++) {
        double y[3];
        skipped += macd_step(&s, x[i], y) == IND_EINPUT;
        om[i] = y[0];
        os[i] = y[1];
        oh[i] = y[2];
    }
    /* Steady state: macd_step's ready branches with the state in registers. */
    double ef = s.ef, es = s.es, eg = s.eg;
    const double af = s.af, kf = s.kf, as = s.as, ks = s.ks, ag = s.ag, kg = s.kg;
    for (; i < n; i++) {
        double xi = x[i];
        if (!isfinite(xi)) {
            om[i] = os[i] = oh[i] = NAN;
            skipped++;
            continue;
        }
        ef = ef * af + xi * kf;
        es = es * as + xi * ks;
        double m = ef - es;
        eg = eg * ag + m * kg;
        om[i] = m;
        os[i] = eg;
        oh[i] = m - eg;
    }
    return skipped;
}
