/*
 * stoch.c - slow stochastic oscillator. Fast %K = 100 * (close - lowest low) / (highest high -
 * lowest low) over `kperiod` bars (0 when the range is 0); %K = SMA(kslow) of fast %K; %D =
 * SMA(dperiod) of %K. As in TA-Lib, both outputs start at the same bar, (kperiod-1) + (kslow-1)
 * + (dperiod-1).
 */
#include "ind/ind_step_hlv.h"

static int stoch_params(const double *opt, int *kp, int *ks, int *dp)
{
    *kp = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    *ks = ind_iparam(opt[1], 1, IND_MAX_PERIOD);
    *dp = ind_iparam(opt[2], 1, IND_MAX_PERIOD);
    return *kp < 0 || *ks < 0 || *dp < 0 ? IND_EPARAM : 0;
}

int ind_stoch_start(const double *opt)
{
    int kp, ks, dp;
    if (stoch_params(opt, &kp, &ks, &dp) < 0) return IND_EPARAM;
    return kp - 1 + ks - 1 + dp - 1;
}

size_t ind_stoch_size(const double *opt)
{
    int kp, ks, dp;
    if (stoch_params(opt, &kp, &ks, &dp) < 0) return 0;
    return ind_ring_bytes(sizeof(stoch_state), ind_stoch_buf_len(kp, ks, dp));
}

int ind_stoch_init_state(stoch_state *s, double *buf, const double *opt)
{
    if (stoch_params(opt, &s->kp, &s->ks, &s->dp) < 0) return IND_EPARAM;
    s->count = s->pos = s->kcount = s->kpos = s->dcount = s->dpos = 0;
    s->ksum = s->dsum = 0.0;
    s->rk = 1.0 / s->ks;
    s->rd = 1.0 / s->dp;
    s->ph = -INFINITY; /* no bar yet: the extremes of an empty block and of the previous one */
    s->pl = INFINITY;
    double *hi = buf, *lo = hi + s->kp + 1;
    for (int i = 0; buf && i <= s->kp; i++) hi[i] = -INFINITY, lo[i] = INFINITY;
    return 0;
}

int ind_stoch_init(void *st, const double *opt)
{
    return ind_stoch_init_state(st, ind_ring_of(st, sizeof(stoch_state)), opt);
}

int ind_stoch_update(void *st, const double *in, double *out)
{
    double h = in[0], l = in[1], c = in[2];
    if (!isfinite(h) || !isfinite(l) || !isfinite(c)) {
        out[0] = out[1] = NAN;
        return IND_EINPUT;
    }
    stoch_state *s = st;
    return ind_stoch_step(s, ind_ring_of(s, sizeof *s), h, l, c, out);
}

/* The extreme moves to bar j (value x) when `take`: selects, not jumps (new highs and lows come
 * as coin flips on a random walk). With take = x >= ext the new extreme is max(x, ext) (equal
 * values are the same number), x <= ext min(x, ext): maxsd/minsd. */
static inline void stoch_take(int take, int j, double x, int *at, double *ext, int high)
{
    int m = -take;
    *at = (j & m) | (*at & ~m);
#ifdef __SSE2__
    __m128d a = _mm_set_sd(x), b = _mm_set_sd(*ext);
    *ext = _mm_cvtsd_f64(high ? _mm_max_sd(a, b) : _mm_min_sd(a, b));
#else
    *ext = take ? x : *ext;
#endif
}

/* Window extremes of at most this many bars take the block method; longer ones rescan. */
#define STOCH_BLOCK_MAX 256

/*
 * Highest high into hh[i] and lowest low into ll[i] of the kp bars ending at i, for i >= kp - 1
 * (van Herk / Gil-Werman): the series is cut into blocks of kp bars; a window is the tail of one
 * block and the head of the next, so its extreme is the larger of the previous block's suffix
 * extreme at its start and the running extreme of the current block at its end. Three maxsd or
 * minsd a bar each, no rescans and no branch on the data (a new high is a coin flip on a random
 * walk). Extremes are the same numbers in any order of comparison (finite inputs).
 */
static void stoch_windows(int n, int kp, const double *h, const double *l, double *hh, double *ll)
{
    double sh[STOCH_BLOCK_MAX], sl[STOCH_BLOCK_MAX]; /* the previous block's suffix extremes */
    for (int b = 0; b < n; b += kp) {
        int e = b + kp < n ? b + kp : n;
        if (b > 0) {
            double mh = h[b - 1], ml = l[b - 1];
            for (int j = kp - 1; j >= 0; j--) {
                mh = max2(mh, h[b - kp + j]), ml = min2(ml, l[b - kp + j]);
                sh[j] = mh, sl[j] = ml;
            }
        }
        double ph = h[b], pl = l[b];
        for (int i = b; i < e; i++) {
            ph = max2(ph, h[i]), pl = min2(pl, l[i]);
            int j = i - kp + 1 - (b - kp); /* the window's start in the previous block */
            if (i == b + kp - 1) {
                hh[i] = ph, ll[i] = pl; /* the window is this block */
            } else if (b > 0) {
                hh[i] = max2(sh[j], ph), ll[i] = min2(sl[j], pl);
            }
        }
    }
}

int ind_stoch(int n, const double *const *in, const double *opt, double *const *out)
{
    int kp, ks, dp;
    if (stoch_params(opt, &kp, &ks, &dp) < 0) return IND_EPARAM;
    const double *h = in[0], *l = in[1], *c = in[2];
    double *ok = out[0], *od = out[1];
    int lb = kp - 1 + ks - 1 + dp - 1, bad = 0, hi_i = -1, lo_i = -1;
    double hh = 0.0, ll = 0.0, ksum = 0.0, dsum = 0.0;
    const double rk = 1.0 / ks, rd = 1.0 / dp;
    for (int i = 0; i < n; i++) bad |= !isfinite(h[i]) | !isfinite(l[i]) | !isfinite(c[i]);
    if (bad) return IND_STREAM_BATCH(stoch, 3, 2);
    if (kp <= STOCH_BLOCK_MAX) {
        /* Window extremes first (highs into ok, lows into od), then fast %K over them in place:
         * index i of each is read before it is written. */
        stoch_windows(n, kp, h, l, ok, od);
        for (int i = kp - 1; i < n; i++) {
            od[i] = stoch_fastk(c[i], ok[i], od[i]);
            ksum += od[i];
            if (i >= kp - 1 + ks - 1) {
                ok[i] = ksum * rk;
                ksum -= od[i - ks + 1];
            }
        }
    } else {
        /* Pass 1: fast %K into od, %K into ok. Extremes are rescanned only when they leave. */
        for (int i = kp - 1; i < n; i++) {
            int trail = i - kp + 1;
            if (hi_i < trail) {
                hi_i = trail;
                hh = h[trail];
                for (int j = trail + 1; j < i; j++) stoch_take(h[j] >= hh, j, h[j], &hi_i, &hh, 1);
            }
            stoch_take(h[i] >= hh, i, h[i], &hi_i, &hh, 1);
            if (lo_i < trail) {
                lo_i = trail;
                ll = l[trail];
                for (int j = trail + 1; j < i; j++) stoch_take(l[j] <= ll, j, l[j], &lo_i, &ll, 0);
            }
            stoch_take(l[i] <= ll, i, l[i], &lo_i, &ll, 0);
            od[i] = stoch_fastk(c[i], hh, ll);
            ksum += od[i];
            if (i >= kp - 1 + ks - 1) {
                ok[i] = ksum * rk;
                ksum -= od[i - ks + 1];
            }
        }
    }
    /* Pass 2: %D from %K. */
    int k0 = kp - 1 + ks - 1;
    for (int i = k0; i < n; i++) {
        dsum += ok[i];
        if (i >= lb) {
            od[i] = dsum * rd;
            dsum -= ok[i - dp + 1];
        }
    }
    ind_fill_nan(ok, 0, lb < n ? lb : n);
    ind_fill_nan(od, 0, lb < n ? lb : n);
    return 0;
}
