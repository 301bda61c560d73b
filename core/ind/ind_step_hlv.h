/*
 * ind_step_hlv.h - the streaming steps of the set's indicators over highs, lows and volumes (ATR,
 * Stochastic, ADX, OBV, VWAP, relative volume); see ind_step.h for the shape and the rules.
 * Private to core/ind/.
 */
#ifndef TB_IND_IND_STEP_HLV_H
#define TB_IND_IND_STEP_HLV_H

#include "ind/ind_step.h"

/* The larger of the bar's range and the gaps from the previous close (ATR, ADX). */
static inline double ind_true_range(double h, double l, double pc)
{
    double tr = h - l, a = fabs(h - pc), b = fabs(l - pc);
    if (a > tr) tr = a;
    if (b > tr) tr = b;
    return tr;
}

/* ---- atr: Wilder's average of the true range */

typedef struct atr_state {
    int n, count;
    double pc, atr, a, b; /* a = (p-1)/p, b = 1/p; atr holds the sum of the true ranges until
                             it is seeded */
} atr_state;

static inline int ind_atr_steady(const atr_state *s)
{
    return s->count > s->n;
}

static inline void ind_atr_ready(atr_state *s, double h, double l, double c, double *out)
{
    double tr = ind_true_range(h, l, s->pc);
    s->pc = c;
    s->atr = s->atr * s->a + tr * s->b;
    *out = s->atr;
}

static inline int ind_atr_step(atr_state *s, double h, double l, double c, double *out)
{
    if (ind_atr_steady(s)) {
        ind_atr_ready(s, h, l, c, out);
        return IND_READY;
    }
    double tr = ind_true_range(h, l, s->pc);
    s->pc = c;
    if (s->count++ > 0) s->atr += tr;
    if (s->count <= s->n) {
        *out = NAN;
        return IND_WARMUP;
    }
    s->atr = s->atr / s->n;
    *out = s->atr;
    return IND_READY;
}

/* ---- stoch: fast %K over the window's extremes, then two SMAs (stoch.c) */

typedef struct stoch_state {
    int kp, ks, dp, count, pos, kcount, kpos, dcount, dpos;
    double ksum, dsum, rk, rd; /* rk = 1/ks, rd = 1/dp: the SMAs multiply, as Tulip's do */
    double ph, pl;             /* highest high, lowest low of the current block so far */
} stoch_state;

/* ind_stoch_init with the buffer (ind_stoch_buf_len doubles) where the caller keeps it; a NULL
 * buffer sets up the state only (to size the buffer). */
int ind_stoch_init_state(stoch_state *s, double *buf, const double *opt);

/* Doubles of a stochastic's buffer: high[kp+1], low[kp+1], fast %K[ks], %K[dp]. */
static inline size_t ind_stoch_buf_len(int kp, int ks, int dp)
{
    return (size_t)(2 * (kp + 1) + ks + dp);
}

static inline double max2(double a, double b)
{
    return a > b ? a : b; /* maxsd: no jump (the inputs are finite) */
}

static inline double min2(double a, double b)
{
    return a < b ? a : b;
}

/* TA-Lib's (c - ll) / ((hh - ll) / 100), with the inner division as a multiplication by 0.01
 * (one divider use per bar instead of two; within 1e-9 of TA-Lib). */
static inline double stoch_fastk(double c, double hh, double ll)
{
    double diff = (hh - ll) * 0.01;
    return diff != 0.0 ? (c - ll) / diff : 0.0;
}

/*
 * The extremes of the last kp bars by blocks (van Herk / Gil-Werman, as the batch takes them):
 * bars are cut in blocks of kp; the window ending at position j of the current block is the
 * previous block's positions j+1.. and this block's 0..j, so its high is the larger of the
 * previous block's suffix high from j+1 (kept in hi[j+1] until this block overwrites it; hi[kp]
 * is -inf) and this block's running high. When a block is complete it is turned into its suffix
 * highs in place (kp-1 maxsd once per kp bars). Two loads and two maxsd/minsd a bar instead of a
 * scan of the window, and no branch on the data. Extremes are the same numbers in any order
 * (finite inputs; a -0.0 next to a 0.0 could come out with the other sign, which no price has).
 */
static inline void stoch_window(stoch_state *s, double *buf, double h, double l, double *hh,
                                double *ll)
{
    int kp = s->kp, j = s->pos;
    double *hi = buf, *lo = hi + kp + 1;
    hi[j] = h;
    lo[j] = l;
    s->ph = max2(h, s->ph);
    s->pl = min2(l, s->pl);
    *hh = max2(hi[j + 1], s->ph);
    *ll = min2(lo[j + 1], s->pl);
    if (++s->pos < kp) return;
    s->pos = 0;
    for (int i = kp - 2; i >= 0; i--) {
        hi[i] = max2(hi[i + 1], hi[i]);
        lo[i] = min2(lo[i + 1], lo[i]);
    }
    s->ph = -INFINITY;
    s->pl = INFINITY;
}

static inline int ind_stoch_steady(const stoch_state *s)
{
    return s->count >= s->kp - 1 && s->kcount >= s->ks - 1 && s->dcount >= s->dp - 1;
}

/* Fast %K into the slowing SMA; returns %K, its sum then without the fast %K that leaves. */
static inline double stoch_k(stoch_state *s, double *kr, double fk)
{
    s->ksum += fk;
    ind_ring_swap(kr, &s->kpos, s->ks, fk);
    double k = s->ksum * s->rk;
    s->ksum -= kr[s->kpos];
    return k;
}

/* Always inlined: gcc otherwise keeps it a call in the set's update (the block pass makes it
 * look large), which costs the update a frame and its spills on every bar. */
static inline __attribute__((always_inline)) void
ind_stoch_ready(stoch_state *s, double *buf, double h, double l, double c, double *out)
{
    double *kr = buf + 2 * (s->kp + 1), *dr = kr + s->ks;
    double hh, ll;
    stoch_window(s, buf, h, l, &hh, &ll);
    double k = stoch_k(s, kr, stoch_fastk(c, hh, ll));
    s->dsum += k;
    ind_ring_swap(dr, &s->dpos, s->dp, k);
    out[0] = k;
    out[1] = s->dsum * s->rd;
    s->dsum -= dr[s->dpos];
}

static inline int ind_stoch_step(stoch_state *s, double *buf, double h, double l, double c,
                                 double *out)
{
    if (ind_stoch_steady(s)) {
        ind_stoch_ready(s, buf, h, l, c, out);
        return IND_READY;
    }
    double *kr = buf + 2 * (s->kp + 1), *dr = kr + s->ks;
    double hh, ll;
    out[0] = out[1] = NAN;
    stoch_window(s, buf, h, l, &hh, &ll);
    if (s->count < s->kp - 1) {
        s->count++;
        return IND_WARMUP;
    }
    double fk = stoch_fastk(c, hh, ll);
    if (s->kcount < s->ks - 1) {
        s->ksum += fk;
        ind_ring_swap(kr, &s->kpos, s->ks, fk);
        s->kcount++;
        return IND_WARMUP;
    }
    double k = stoch_k(s, kr, fk);
    s->dsum += k;
    ind_ring_swap(dr, &s->dpos, s->dp, k);
    s->dcount++; /* not steady, so %D is still warming up */
    return IND_WARMUP;
}

/* ---- adx: Wilder's +DI, -DI and ADX in TA-Lib's arithmetic (adx.c) */

typedef struct adx_state {
    int n, count;
    double ph, pl, pc, pdm, mdm, tr, adx, a, b; /* a = 1 - 1/p, b = 1/p; adx holds the sum of
                                                  the first DX values until it is seeded */
} adx_state;

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

static inline int ind_adx_steady(const adx_state *s)
{
    return s->count >= 2 * s->n;
}

/* The bar's directional moves and true range into the smoothed sums (after the first period);
 * returns DX (< 0 if undefined), the DIs into out[1], out[2]. */
static inline double adx_smooth(adx_state *s, double h, double l, double c, double *out)
{
    double dp = h - s->ph, dm = s->pl - l, tr = ind_true_range(h, l, s->pc);
    s->ph = h;
    s->pl = l;
    s->pc = c;
    s->mdm = s->mdm * s->a + adx_minus(dp, dm);
    s->pdm = s->pdm * s->a + adx_plus(dp, dm);
    s->tr = s->tr * s->a + tr;
    return adx_dx(s->mdm, s->pdm, s->tr, &out[1], &out[2]);
}

static inline void ind_adx_ready(adx_state *s, double h, double l, double c, double *out)
{
    double dx = adx_smooth(s, h, l, c, out);
    if (dx >= 0.0) s->adx = s->adx * s->a + dx * s->b;
    out[0] = s->adx;
}

static inline int ind_adx_step(adx_state *s, double h, double l, double c, double *out)
{
    if (ind_adx_steady(s)) {
        ind_adx_ready(s, h, l, c, out);
        return IND_READY;
    }
    out[0] = out[1] = out[2] = NAN;
    int t = s->count;
    if (t == 0) {
        s->ph = h;
        s->pl = l;
        s->pc = c;
        s->count = 1;
        return IND_WARMUP;
    }
    if (t < s->n) {
        double dp = h - s->ph, dm = s->pl - l, tr = ind_true_range(h, l, s->pc);
        s->ph = h;
        s->pl = l;
        s->pc = c;
        s->mdm += adx_minus(dp, dm);
        s->pdm += adx_plus(dp, dm);
        s->tr += tr;
        s->count++;
        return IND_WARMUP;
    }
    double dx = adx_smooth(s, h, l, c, out);
    if (dx >= 0.0) s->adx += dx;
    s->count++;
    if (t < 2 * s->n - 1) return IND_WARMUP;
    s->adx = s->adx / s->n; /* t == 2n-1: the first ADX, the mean of n DX */
    out[0] = s->adx;
    return IND_READY;
}

/* ---- obv: volume added times the sign of the close's move */

typedef struct obv_state {
    int started;
    double pc, obv;
} obv_state;

static inline int ind_obv_steady(const obv_state *s)
{
    return s->started;
}

static inline void ind_obv_ready(obv_state *s, double c, double v, double *out)
{
    s->obv += v * (double)((c > s->pc) - (c < s->pc)); /* as the batch loop: no branch */
    s->pc = c;
    *out = s->obv;
}

static inline int ind_obv_step(obv_state *s, double c, double v, double *out)
{
    if (ind_obv_steady(s)) {
        ind_obv_ready(s, c, v, out);
        return IND_READY;
    }
    s->started = 1;
    s->obv = v;
    s->pc = c;
    *out = s->obv;
    return IND_READY;
}

/* ---- vwap: session's sum of typical price x volume over its volume */

typedef struct vwap_state {
    int started;
    double session, pv, vol;
} vwap_state;

static inline int ind_vwap_steady(const vwap_state *s)
{
    return s->started;
}

static inline void ind_vwap_ready(vwap_state *s, double h, double l, double c, double v, double ses,
                                  double *out)
{
    if (ses != s->session) {
        s->session = ses;
        s->pv = s->vol = 0.0;
    }
    double tp = (h + l + c) / 3.0;
    s->pv += tp * v;
    s->vol += v;
    *out = s->vol > 0.0 ? s->pv / s->vol : tp;
}

static inline int ind_vwap_step(vwap_state *s, double h, double l, double c, double v, double ses,
                                double *out)
{
    if (!s->started) {
        s->started = 1;
        s->session = ses;
        s->pv = s->vol = 0.0;
    }
    ind_vwap_ready(s, h, l, c, v, ses, out);
    return IND_READY;
}

/* ---- relvol: this bar's volume over the mean of the n bars before it */

typedef struct relvol_state {
    int n, count, pos;
    double sum;
} relvol_state;

static inline double relvol_value(double v, double sum, double n)
{
    double mean = sum / n;
    return mean > 0.0 ? v / mean : 0.0;
}

/* old: the volume n bars ago, read once n bars have passed. */
static inline int ind_relvol_steady(const relvol_state *s)
{
    return s->count >= s->n;
}

static inline void ind_relvol_ready(relvol_state *s, double v, double old, double *out)
{
    out[0] = relvol_value(v, s->sum, s->n);
    s->sum += v;
    s->sum -= old;
}

static inline int ind_relvol_step(relvol_state *s, double v, double old, double *out)
{
    if (ind_relvol_steady(s)) {
        ind_relvol_ready(s, v, old, out);
        return IND_READY;
    }
    s->count++;
    s->sum += v;
    out[0] = NAN;
    return IND_WARMUP;
}

#endif
