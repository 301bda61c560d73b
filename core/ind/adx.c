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

/* The bar's -DM and +DM: at most one is non-zero. Written as a 0/1 factor, not a branch (the
 * comparisons are coin flips on a random walk); dm * 0 adds a zero, as the branch would. */
static inline double adx_minus(double dp, double dm)
{
    return dm * (double)((dm > 0) & (dp < dm));
}

static inline double adx_plus(double dp, double dm)
{
    return dp * (double)((dp > 0) & (dp > dm));
}

/* The larger of the bar's range and the gaps from the previous close. */
static inline double adx_tr(double h, double l, double pc)
{
    double tr = h - l, a = fabs(h - pc), b = fabs(l - pc);
    if (a > tr) tr = a;
    if (b > tr) tr = b;
    return tr;
}

/* +DI and -DI from the smoothed sums (0 when the range is ~0); returns DX, or -1 if undefined. */
static inline double adx_dx(double mdm, double pdm, double tr, double *pdi, double *mdi)
{
    if (IND_IS_ZERO(tr)) {
        *pdi = *mdi = 0.0;
        return -1.0;
    }
    double inv = 100.0 / tr, m = mdm * inv, p = pdm * inv, sum = m + p;
    *pdi = p;
    *mdi = m;
    return IND_IS_ZERO(sum) ? -1.0 : 100.0 * (fabs(m - p) / sum);
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
    double dp = h - s->ph, dm = s->pl - l, tr = adx_tr(h, l, s->pc);
    s->ph = h;
    s->pl = l;
    s->pc = c;
    if (t < s->n) {
        s->mdm += adx_minus(dp, dm);
        s->pdm += adx_plus(dp, dm);
        s->tr += tr;
        s->count++;
        return IND_WARMUP;
    }
    s->mdm = s->mdm * s->a + adx_minus(dp, dm);
    s->pdm = s->pdm * s->a + adx_plus(dp, dm);
    s->tr = s->tr * s->a + tr;
    double dx = adx_dx(s->mdm, s->pdm, s->tr, &out[1], &out[2]);
    if (t < 2 * s->n - 1) {
        if (dx >= 0.0) s->sumdx += dx;
        s->count++;
        return IND_WARMUP;
    }
    if (t == 2 * s->n - 1) {
        if (dx >= 0.0) s->sumdx += dx;
        s->adx = s->sumdx / s->n;
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
        double dp = hi - ph, dm = pl - lo, tr = adx_tr(hi, lo, pc);
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
