/*
 * ind_step.h - the streaming state and one-bar step of each indicator the set holds (ind_set.c),
 * shared by the indicator's own file (its _update checks the input, then steps) and by the set
 * (which checks a bar's inputs once and inlines all twelve steps: no call, no re-check, no
 * indirect jump per indicator). One definition of each step, so the set's values stay bit for
 * bit the indicators' own. Private to core/ind/.
 *
 * Every step assumes finite inputs (the caller has checked) and returns IND_WARMUP or IND_READY.
 */
#ifndef TB_IND_IND_STEP_H
#define TB_IND_IND_STEP_H

#include "ind/ind_priv.h"

/* Puts x in the ring's slot at *pos, moves *pos on (wrapping at n) and returns the value it
 * replaced: the one that left the window. */
static inline double ind_ring_swap(double *ring, int *pos, int n, double x)
{
    double old = ring[*pos];
    ring[*pos] = x;
    if (++*pos == n) *pos = 0;
    return old;
}

/* ---- sma: a running sum divided by the period; the bar leaving is subtracted after each output */

typedef struct sma_state {
    int n, count, pos; /* pos: the standalone state's ring (the n doubles after it) */
    double sum;
} sma_state;

/* Ring-bearing states (sma, bbands, roc, relvol, stoch) keep their ring in the doubles right
 * after them when they stand alone; the set keeps the rings elsewhere (one ring of closes for
 * sma, bbands and roc), so their steps take the value leaving the window, not the ring. */
static inline size_t ind_ring_at(size_t state_size)
{
    return (state_size + sizeof(double) - 1) & ~(sizeof(double) - 1);
}

static inline double *ind_ring_of(void *state, size_t state_size)
{
    return (double *)((unsigned char *)state + ind_ring_at(state_size));
}

/* leaving: the input period-1 bars ago (this x when the period is 1), read once the window is
 * full. */
static inline int ind_sma_step(sma_state *s, double x, double leaving, double *out)
{
    s->sum += x;
    if (s->count < s->n - 1) {
        s->count++;
        out[0] = NAN;
        return IND_WARMUP;
    }
    out[0] = s->sum / s->n;
    s->sum -= leaving;
    return IND_READY;
}

/* ---- ema: seeded with the SMA of the first n values, then e*(1-k) + x*k */

typedef struct ema_state {
    int n, count;
    double k, a, sum, ema; /* a = 1 - k */
} ema_state;

static inline int ind_ema_step(ema_state *s, double x, double *out)
{
    if (s->count >= s->n) {
        s->ema = s->ema * s->a + x * s->k;
        *out = s->ema;
        return IND_READY;
    }
    s->sum += x;
    if (++s->count < s->n) {
        *out = NAN;
        return IND_WARMUP;
    }
    s->ema = s->sum / s->n;
    *out = s->ema;
    return IND_READY;
}

/* ---- rsi: Wilder's smoothing written avg*((p-1)/p) + x*(1/p) */

typedef struct rsi_state {
    int n, count;
    double prev, gain, loss, a, b; /* a = (p-1)/p, b = 1/p */
} rsi_state;

static inline double rsi_value(double gain, double loss)
{
    double t = gain + loss;
    return IND_IS_ZERO(t) ? 0.0 : 100.0 * (gain / t);
}

static inline int ind_rsi_step(rsi_state *s, double x, double *out)
{
    double d = x - s->prev;
    s->prev = x;
    if (s->count > s->n) {
        s->loss = s->loss * s->a + ind_pos(-d) * s->b;
        s->gain = s->gain * s->a + ind_pos(d) * s->b;
        *out = rsi_value(s->gain, s->loss);
        return IND_READY;
    }
    if (s->count++ == 0) {
        *out = NAN;
        return IND_WARMUP;
    }
    if (d < 0)
        s->loss -= d;
    else
        s->gain += d;
    if (s->count <= s->n) {
        *out = NAN;
        return IND_WARMUP;
    }
    s->loss /= s->n;
    s->gain /= s->n;
    *out = rsi_value(s->gain, s->loss);
    return IND_READY;
}

/* ---- macd: EMA(fast) - EMA(slow), its EMA(signal), the difference (macd.c) */

typedef struct macd_state {
    int fast, slow, sig, count, mcount;
    double kf, ks, kg, af, as, ag, sumf, sums, sumg, ef, es, eg; /* a = 1 - k */
} macd_state;

static inline int ind_macd_step(macd_state *s, double x, double *out)
{
    int t = s->count < s->slow ? s->count++ : s->slow;
    if (t == s->slow) {
        s->ef = s->ef * s->af + x * s->kf;
        s->es = s->es * s->as + x * s->ks;
    } else {
        s->sums += x;
        if (t >= s->slow - s->fast) s->sumf += x;
        if (t < s->slow - 1) {
            out[0] = out[1] = out[2] = NAN;
            return IND_WARMUP;
        }
        s->es = s->sums / s->slow;
        s->ef = s->sumf / s->fast;
    }
    double m = s->ef - s->es;
    if (s->mcount >= s->sig) {
        s->eg = s->eg * s->ag + m * s->kg;
    } else {
        s->sumg += m;
        if (++s->mcount < s->sig) {
            out[0] = out[1] = out[2] = NAN;
            return IND_WARMUP;
        }
        s->eg = s->sumg / s->sig;
    }
    out[0] = m;
    out[1] = s->eg;
    out[2] = m - s->eg;
    return IND_READY;
}

/* ---- atr: Wilder's average of the true range */

typedef struct atr_state {
    int n, count;
    double pc, sum, atr, a, b; /* a = (p-1)/p, b = 1/p */
} atr_state;

static inline int ind_atr_step(atr_state *s, double h, double l, double c, double *out)
{
    double tr = h - l, a = fabs(h - s->pc), b = fabs(l - s->pc);
    if (a > tr) tr = a;
    if (b > tr) tr = b;
    s->pc = c;
    if (s->count > s->n) {
        s->atr = s->atr * s->a + tr * s->b;
        *out = s->atr;
        return IND_READY;
    }
    if (s->count++ > 0) s->sum += tr;
    if (s->count <= s->n) {
        *out = NAN;
        return IND_WARMUP;
    }
    s->atr = s->sum / s->n;
    *out = s->atr;
    return IND_READY;
}

/* ---- bbands: SMA +- mult * population deviation from running sums of x and x^2 */

typedef struct bb_state {
    int n, count, pos;
    double mult, r, sum, sum2; /* r = 1/period */
} bb_state;

/*
 * Outputs for one full window; sum and sum2 still include the bar about to leave. r = 1/period:
 * multiplying by it instead of dividing (as Tulip does) leaves one divider use per bar (the sqrt)
 * and stays within 1e-9 of TA-Lib's divisions (test_ind_reference).
 */
static inline void bb_out(double sum, double sum2, double r, double mult, double *u, double *m,
                          double *l)
{
    double mid = sum * r;
    double var = sum2 * r - mid * mid;
    double d = var < 1e-14 ? 0.0 : sqrt(var) * mult;
    *u = mid + d;
    *m = mid;
    *l = mid - d;
}

/* leaving: as for the sma. */
static inline int ind_bbands_step(bb_state *s, double x, double leaving, double *out)
{
    s->sum += x;
    s->sum2 += x * x;
    if (s->count < s->n - 1) {
        s->count++;
        out[0] = out[1] = out[2] = NAN;
        return IND_WARMUP;
    }
    bb_out(s->sum, s->sum2, s->r, s->mult, &out[0], &out[1], &out[2]);
    s->sum -= leaving;
    s->sum2 -= leaving * leaving;
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

static inline int ind_stoch_step(stoch_state *s, double *buf, double h, double l, double c,
                                 double *out)
{
    double *kr = buf + 2 * (s->kp + 1), *dr = kr + s->ks;
    double hh, ll;
    out[0] = out[1] = NAN;
    stoch_window(s, buf, h, l, &hh, &ll);
    if (s->count < s->kp - 1) {
        s->count++;
        return IND_WARMUP;
    }
    double fk = stoch_fastk(c, hh, ll);
    s->ksum += fk;
    ind_ring_swap(kr, &s->kpos, s->ks, fk);
    if (s->kcount < s->ks - 1) {
        s->kcount++;
        return IND_WARMUP;
    }
    double k = s->ksum * s->rk;
    s->ksum -= kr[s->kpos];
    s->dsum += k;
    ind_ring_swap(dr, &s->dpos, s->dp, k);
    if (s->dcount < s->dp - 1) {
        s->dcount++;
        return IND_WARMUP;
    }
    out[0] = k;
    out[1] = s->dsum * s->rd;
    s->dsum -= dr[s->dpos];
    return IND_READY;
}

/* ---- adx: Wilder's +DI, -DI and ADX in TA-Lib's arithmetic (adx.c) */

typedef struct adx_state {
    int n, count;
    double ph, pl, pc, pdm, mdm, tr, sumdx, adx, a, b; /* a = 1 - 1/p, b = 1/p */
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

static inline int ind_adx_step(adx_state *s, double h, double l, double c, double *out)
{
    out[0] = out[1] = out[2] = NAN;
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

/* ---- obv: volume added times the sign of the close's move */

typedef struct obv_state {
    int started;
    double pc, obv;
} obv_state;

static inline int ind_obv_step(obv_state *s, double c, double v, double *out)
{
    if (!s->started) {
        s->started = 1;
        s->obv = v;
    } else {
        s->obv += v * (double)((c > s->pc) - (c < s->pc)); /* as the batch loop: no branch */
    }
    s->pc = c;
    *out = s->obv;
    return IND_READY;
}

/* ---- vwap: session's sum of typical price x volume over its volume */

typedef struct vwap_state {
    int started;
    double session, pv, vol;
} vwap_state;

static inline int ind_vwap_step(vwap_state *s, double h, double l, double c, double v, double ses,
                                double *out)
{
    if (!s->started || ses != s->session) {
        s->started = 1;
        s->session = ses;
        s->pv = s->vol = 0.0;
    }
    double tp = (h + l + c) / 3.0;
    s->pv += tp * v;
    s->vol += v;
    *out = s->vol > 0.0 ? s->pv / s->vol : tp;
    return IND_READY;
}

/* ---- roc: ((close / close n bars ago) - 1) * 100, 0 when the old close is 0 */

typedef struct roc_state {
    int n, count, pos;
} roc_state;

static inline double roc_value(double x, double old)
{
    return old != 0.0 ? ((x / old) - 1.0) * 100.0 : 0.0;
}

/* old: the close n bars ago, read once n bars have passed. */
static inline int ind_roc_step(roc_state *s, double x, double old, double *out)
{
    if (s->count < s->n) {
        s->count++;
        out[0] = NAN;
        return IND_WARMUP;
    }
    out[0] = roc_value(x, old);
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
static inline int ind_relvol_step(relvol_state *s, double v, double old, double *out)
{
    if (s->count < s->n) {
        s->count++;
        s->sum += v;
        out[0] = NAN;
        return IND_WARMUP;
    }
    out[0] = relvol_value(v, s->sum, s->n);
    s->sum += v;
    s->sum -= old;
    return IND_READY;
}

#endif
