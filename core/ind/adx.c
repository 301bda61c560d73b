/*
 * adx.c - average directional index with +DI and -DI (Wilder), in TA-Lib's arithmetic: +DM, -DM
 * and the true range are summed over the first period-1 changes, then smoothed as
 * x = x - x/p + new; DI = 100 * DM / TR from bar `period`; DX = 100 * |+DI - -DI| / (+DI + -DI);
 * the first ADX is the mean of `period` DX values (bar 2*period-1), then (adx*(p-1) + dx) / p.
 * The outputs start at different bars: adx at 2*period-1, the DIs at period (TA-Lib's PLUS_DI
 * and MINUS_DI lookbacks). Smoothing steps multiply by (1 - 1/p) and 1/p instead of dividing
 * by p: equal to TA-Lib up to rounding, with no division on the chain between bars.
 */
#include "ind/ind_priv.h"

typedef struct adx_state {
    int n, count;
    double ph, pl, pc, pdm, mdm, tr, sumdx, adx, a, b; /* a = 1 - 1/p, b = 1/p */
} adx_state;

int ind_adx_start(const double *opt)
{
    int p = ind_iparam(opt[0], 2, IND_MAX_PERIOD);
    return p < 0 ? IND_EPARAM : 2 * p - 1;
}

size_t ind_adx_size(const double *opt)
{
    return ind_adx_start(opt) < 0 ? 0 : sizeof(adx_state);
}

int ind_adx_init(void *st, const double *opt)
{
    adx_state *s = st;
    s->n = ind_iparam(opt[0], 2, IND_MAX_PERIOD);
    if (s->n < 0) return IND_EPARAM;
    s->count = 0;
    s->ph = s->pl = s->pc = s->pdm = s->mdm = s->tr = s->sumdx = s->adx = 0.0;
    s->b = 1.0 / s->n;
    s->a = 1.0 - s->b;
    return 0;
}

static inline int adx_step(adx_state *s, double h, double l, double c, double *out)
{
    out[0] = out[1] = out[2] = NAN;
    if (!isfinite(h) || !isfinite(l) || !isfinite(c)) return IND_EINPUT;
    int t = s->count;
    if (t == 0) {
        s->ph = h;
        s->pl = l;
        s->pc = c;
        s->count = 1;
        return IND_WARMUP;
    }
    double dp = h - s->ph, dm = s->pl - l;
    double tr = h - l, a = fabs(h - s->pc), b = fabs(l - s->pc);
    if (a > tr) tr = a;
    if (b > tr) tr = b;
    s->ph = h;
    s->pl = l;
    s->pc = c;
    const double n = s->n;
    if (t < s->n) {
        if (dm > 0 && dp < dm)
            s->mdm += dm;
        else if (dp > 0 && dp > dm)
            s->pdm += dp;
        s->tr += tr;
        s->count++;
        return IND_WARMUP;
    }
    s->mdm = s->mdm * s->a + (dm > 0 && dp < dm ? dm : 0.0);
    s->pdm = s->pdm * s->a + (dp > 0 && dp > dm ? dp : 0.0);
    s->tr = s->tr * s->a + tr;
    double dx = -1.0;
    if (!IND_IS_ZERO(s->tr)) {
        double inv = 100.0 / s->tr, mdi = s->mdm * inv, pdi = s->pdm * inv;
        double sum = mdi + pdi;
        out[1] = pdi;
        out[2] = mdi;
        if (!IND_IS_ZERO(sum)) dx = 100.0 * (fabs(mdi - pdi) / sum);
    } else {
        out[1] = out[2] = 0.0;
    }
    if (t < 2 * s->n - 1) {
        if (dx >= 0.0) s->sumdx += dx;
        s->count++;
        return IND_WARMUP;
    }
    if (t == 2 * s->n - 1) {
        if (dx >= 0.0) s->sumdx += dx;
        s->adx = s->sumdx / n;
        s->count++;
    } else if (dx >= 0.0) {
        s->adx = s->adx * s->a + dx * s->b;
    }
    out[0] = s->adx;
    return IND_READY;
}

int ind_adx_update(void *st, const double *in, double *out)
{
    return adx_step(st, in[0], in[1], in[2], out);
}

int ind_adx(int n, const double *const *in, const double *opt, double *const *out)
{
    adx_state s;
    if (ind_adx_init(&s, opt) < 0) return IND_EPARAM;
    const double *h = in[0], *l = in[1], *c = in[2];
    double *oa = out[0], *op = out[1], *om = out[2];
    int skipped = 0;
    for (int i = 0; i < n; i++) {
        double y[3];
        skipped += adx_step(&s, h[i], l[i], c[i], y) == IND_EINPUT;
        oa[i] = y[0];
        op[i] = y[1];
        om[i] = y[2];
    }
    return skipped;
}
