/*
 * adx.c - average directional index with +DI and -DI (Wilder), in TA-Lib's arithmetic: +DM, -DM
 * and the true range are summed over the first period-1 changes, then smoothed as
 * x = x - x/p + new; DI = 100 * DM / TR from bar `period`; DX = 100 * |+DI - -DI| / (+DI + -DI);
 * the first ADX is the mean of `period` DX values (bar 2*period-1), then (adx*(p-1) + dx) / p.
 * The outputs start at different bars: adx at 2*period-1, the DIs at period (TA-Lib's PLUS_DI
 * and MINUS_DI lookbacks). Smoothing steps multiply by (1 - 1/p) and 1/p instead of dividing
 * by p: equal to TA-Lib up to rounding, with no division on the chain between bars.
 */
#include "ind/ind_step_hlv.h"

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
    s->ph = s->pl = s->pc = s->pdm = s->mdm = s->tr = s->adx = 0.0;
    s->b = 1.0 / s->n;
    s->a = 1.0 - s->b;
    return 0;
}

static inline int adx_step(adx_state *s, double h, double l, double c, double *out)
{
    if (!isfinite(h) || !isfinite(l) || !isfinite(c)) {
        out[0] = out[1] = out[2] = NAN;
        return IND_EINPUT;
    }
    return ind_adx_step(s, h, l, c, out);
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
    int bad = 0, i = 0;
    for (; i < n && s.count < 2 * s.n; i++) {
        double y[3];
        bad |= adx_step(&s, h[i], l[i], c[i], y) == IND_EINPUT;
        oa[i] = y[0];
        op[i] = y[1];
        om[i] = y[2];
    }
    /* Steady state: adx_step's last branch with the state in registers; bad input is only noted
     * and the array redone through the streaming path. */
    double ph = s.ph, pl = s.pl, pc = s.pc, mdm = s.mdm, pdm = s.pdm, trs = s.tr, adx = s.adx;
    const double a = s.a, b = s.b;
    for (; i < n; i++) {
        double hi = h[i], lo = l[i], ci = c[i];
        bad |= !isfinite(hi) | !isfinite(lo) | !isfinite(ci);
        double dp = hi - ph, dm = pl - lo, tr = ind_true_range(hi, lo, pc);
        ph = hi;
        pl = lo;
        pc = ci;
        mdm = mdm * a + adx_minus(dp, dm);
        pdm = pdm * a + adx_plus(dp, dm);
        trs = trs * a + tr;
        double dx = adx_dx(mdm, pdm, trs, &op[i], &om[i]);
        if (dx >= 0.0) adx = adx * a + dx * b;
        oa[i] = adx;
    }
    return bad ? IND_STREAM_BATCH(adx, 3, 3) : 0;
}
