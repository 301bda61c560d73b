/*
 * wma.c - linearly weighted moving average, weights 1..period with the newest bar heaviest.
 * TA-Lib's O(1) arithmetic: a weighted sum and a plain sum of the window, the plain sum taken
 * off the weighted one after each output so every weight drops by one.
 */
#include "ind/ind_priv.h"

typedef struct wma_state {
    int n, count, pos;
    double sub, sum, trail, div;
    double ring[];
} wma_state;

int ind_wma_start(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? IND_EPARAM : p - 1;
}

size_t ind_wma_size(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? 0 : sizeof(wma_state) + (size_t)p * sizeof(double);
}

int ind_wma_init(void *st, const double *opt)
{
    wma_state *s = st;
    s->n = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    if (s->n < 0) return IND_EPARAM;
    s->count = s->pos = 0;
    s->sub = s->sum = s->trail = 0.0;
    s->div = (double)s->n * (s->n + 1) / 2;
    return 0;
}

int ind_wma_update(void *st, const double *in, double *out)
{
    wma_state *s = st;
    double x = in[0];
    if (!isfinite(x)) {
        out[0] = NAN;
        return IND_EINPUT;
    }
    s->ring[s->pos] = x;
    if (++s->pos == s->n) s->pos = 0;
    if (s->count < s->n - 1) {
        s->sub += x;
        s->sum += x * (s->count + 1);
        s->count++;
        out[0] = NAN;
        return IND_WARMUP;
    }
    s->sub += x;
    s->sub -= s->trail;
    s->sum += x * s->n;
    s->trail = s->ring[s->pos];
    out[0] = s->sum / s->div;
    s->sum -= s->sub;
    return IND_READY;
}

int ind_wma(int n, const double *const *in, const double *opt, double *const *out)
{
    int lb = ind_wma_start(opt);
    if (lb < 0) return lb;
    const double *x = in[0];
    double *o = out[0];
    const int p = lb + 1;
    const double div = (double)p * (p + 1) / 2;
    double sub = 0.0, sum = 0.0, trail = 0.0;
    int i = 0, bad = 0;
    for (; i < n && i < lb; i++) {
        bad |= !isfinite(x[i]);
        sub += x[i];
        sum += x[i] * (i + 1);
        o[i] = NAN;
    }
    for (; i < n; i++) {
        sub += x[i];
        sub -= trail;
        sum += x[i] * p;
        trail = x[i - lb];
        o[i] = sum / div;
        sum -= sub;
    }
    if (bad || !isfinite(sum) || !isfinite(sub)) return IND_STREAM_BATCH(wma, 1, 1);
    return 0;
}
