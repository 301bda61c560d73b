/*
 * ind_step.h - the streaming state and one-bar step of each indicator the set holds (ind_set.c),
 * here those over closes alone (SMA, EMA, RSI, MACD, Bollinger, ROC; ind_step_hlv.h holds those
 * over highs, lows and volumes). Shared by the indicator's own file (its _update checks the
 * input, then steps) and by the set (which checks a bar's inputs once and inlines all twelve
 * steps: no call, no re-check, no indirect jump per indicator). One definition of each step, so
 * the set's values stay bit for bit the indicators' own. Private to core/ind/.
 *
 * Every step assumes finite inputs (the caller has checked) and returns IND_WARMUP or IND_READY.
 * Once ind_<name>_steady() holds it holds for good (the warm-up counters stop), and from then on
 * the step is ind_<name>_ready(): the set runs those alone once every indicator is steady, with no
 * warm-up test per indicator.
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
    int n, count;
    double sum;
} sma_state;

/* Ring-bearing states (sma, bbands, roc, relvol, stoch) keep, when they stand alone, a slot for
 * the ring's position and then the ring right after them; the set keeps the rings elsewhere (one
 * ring of closes for sma, bbands and roc, whose states then need no position), so their steps
 * take the value leaving the window, not the ring. */
static inline size_t ind_ring_at(size_t state_size)
{
    return (state_size + sizeof(double) - 1) & ~(sizeof(double) - 1);
}

/* Bytes of a standalone state with a ring of n doubles. */
static inline size_t ind_ring_bytes(size_t state_size, size_t n)
{
    return ind_ring_at(state_size) + (1 + n) * sizeof(double);
}

static inline int *ind_ring_pos(void *state, size_t state_size)
{
    return (int *)((unsigned char *)state + ind_ring_at(state_size));
}

static inline double *ind_ring_of(void *state, size_t state_size)
{
    return (double *)((unsigned char *)state + ind_ring_at(state_size)) + 1;
}

static inline int ind_sma_steady(const sma_state *s)
{
    return s->count >= s->n - 1;
}

/* leaving: the input period-1 bars ago (this x when the period is 1), read once the window is
 * full. */
static inline void ind_sma_ready(sma_state *s, double x, double leaving, double *out)
{
    s->sum += x;
    out[0] = s->sum / s->n;
    s->sum -= leaving;
}

static inline int ind_sma_step(sma_state *s, double x, double leaving, double *out)
{
    if (ind_sma_steady(s)) {
        ind_sma_ready(s, x, leaving, out);
        return IND_READY;
    }
    s->sum += x;
    s->count++;
    out[0] = NAN;
    return IND_WARMUP;
}

/* ---- ema: seeded with the SMA of the first n values, then e*(1-k) + x*k */

typedef struct ema_state {
    int n, count;
    double k, a, ema; /* a = 1 - k; ema holds the sum of the inputs until it is seeded */
} ema_state;

static inline int ind_ema_steady(const ema_state *s)
{
    return s->count >= s->n;
}

static inline void ind_ema_ready(ema_state *s, double x, double *out)
{
    s->ema = s->ema * s->a + x * s->k;
    *out = s->ema;
}

static inline int ind_ema_step(ema_state *s, double x, double *out)
{
    if (ind_ema_steady(s)) {
        ind_ema_ready(s, x, out);
        return IND_READY;
    }
    s->ema += x;
    if (++s->count < s->n) {
        *out = NAN;
        return IND_WARMUP;
    }
    s->ema = s->ema / s->n;
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

static inline int ind_rsi_steady(const rsi_state *s)
{
    return s->count > s->n;
}

static inline void ind_rsi_ready(rsi_state *s, double x, double *out)
{
    double d = x - s->prev;
    s->prev = x;
    s->loss = s->loss * s->a + ind_pos(-d) * s->b;
    s->gain = s->gain * s->a + ind_pos(d) * s->b;
    *out = rsi_value(s->gain, s->loss);
}

static inline int ind_rsi_step(rsi_state *s, double x, double *out)
{
    if (ind_rsi_steady(s)) {
        ind_rsi_ready(s, x, out);
        return IND_READY;
    }
    double d = x - s->prev;
    s->prev = x;
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
    /* a = 1 - k. Until seeded, ef, es and eg hold the sums of the inputs (or MACD values) that
     * seed them: a symbol's state keeps no field only the warm-up uses. */
    double kf, ks, kg, af, as, ag, ef, es, eg;
} macd_state;

/* The signal starts only once both EMAs run, so steady is both counters at their end. */
static inline int ind_macd_steady(const macd_state *s)
{
    return s->count >= s->slow && s->mcount >= s->sig;
}

/* Both EMAs one bar on; returns the MACD line. */
static inline double macd_emas(macd_state *s, double x)
{
    s->ef = s->ef * s->af + x * s->kf;
    s->es = s->es * s->as + x * s->ks;
    return s->ef - s->es;
}

static inline void macd_out(double m, double eg, double *out)
{
    out[0] = m;
    out[1] = eg;
    out[2] = m - eg;
}

static inline void ind_macd_ready(macd_state *s, double x, double *out)
{
    double m = macd_emas(s, x);
    s->eg = s->eg * s->ag + m * s->kg;
    macd_out(m, s->eg, out);
}

static inline int ind_macd_step(macd_state *s, double x, double *out)
{
    if (ind_macd_steady(s)) {
        ind_macd_ready(s, x, out);
        return IND_READY;
    }
    /* Not steady, so the signal is still warming up (mcount < sig): mcount counts only once both
     * EMAs run. */
    int t = s->count < s->slow ? s->count++ : s->slow;
    double m;
    if (t == s->slow) {
        m = macd_emas(s, x);
    } else {
        s->es += x;
        if (t >= s->slow - s->fast) s->ef += x;
        if (t < s->slow - 1) {
            out[0] = out[1] = out[2] = NAN;
            return IND_WARMUP;
        }
        s->es = s->es / s->slow;
        s->ef = s->ef / s->fast;
        m = s->ef - s->es;
    }
    s->eg += m;
    if (++s->mcount < s->sig) {
        out[0] = out[1] = out[2] = NAN;
        return IND_WARMUP;
    }
    s->eg = s->eg / s->sig;
    macd_out(m, s->eg, out);
    return IND_READY;
}

/* ---- bbands: SMA +- mult * population deviation from running sums of x and x^2 */

typedef struct bb_state {
    int n, count;
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
static inline int ind_bbands_steady(const bb_state *s)
{
    return s->count >= s->n - 1;
}

static inline void ind_bbands_ready(bb_state *s, double x, double leaving, double *out)
{
    s->sum += x;
    s->sum2 += x * x;
    bb_out(s->sum, s->sum2, s->r, s->mult, &out[0], &out[1], &out[2]);
    s->sum -= leaving;
    s->sum2 -= leaving * leaving;
}

static inline int ind_bbands_step(bb_state *s, double x, double leaving, double *out)
{
    if (ind_bbands_steady(s)) {
        ind_bbands_ready(s, x, leaving, out);
        return IND_READY;
    }
    s->sum += x;
    s->sum2 += x * x;
    s->count++;
    out[0] = out[1] = out[2] = NAN;
    return IND_WARMUP;
}

/* ---- roc: ((close / close n bars ago) - 1) * 100, 0 when the old close is 0 */

typedef struct roc_state {
    int n, count;
} roc_state;

static inline double roc_value(double x, double old)
{
    return old != 0.0 ? ((x / old) - 1.0) * 100.0 : 0.0;
}

/* old: the close n bars ago, read once n bars have passed. */
static inline int ind_roc_steady(const roc_state *s)
{
    return s->count >= s->n;
}

static inline void ind_roc_ready(roc_state *s, double x, double old, double *out)
{
    (void)s; /* the shape of every ready step */
    out[0] = roc_value(x, old);
}

static inline int ind_roc_step(roc_state *s, double x, double old, double *out)
{
    if (ind_roc_steady(s)) {
        ind_roc_ready(s, x, old, out);
        return IND_READY;
    }
    s->count++;
    out[0] = NAN;
    return IND_WARMUP;
}

#endif
