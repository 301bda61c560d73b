/*
 * roc.c - rate of change in percent, ((close / close[period bars ago]) - 1) * 100, with TA-Lib's
 * 0 when the old close is 0.
 */
#include "ind/ind_step.h"

int ind_roc_start(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? IND_EPARAM : p;
}

size_t ind_roc_size(const double *opt)
{
    int p = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    return p < 0 ? 0 : ind_ring_bytes(sizeof(roc_state), (size_t)p);
}

int ind_roc_init(void *st, const double *opt)
{
    roc_state *s = st;
    s->n = ind_iparam(opt[0], 1, IND_MAX_PERIOD);
    if (s->n < 0) return IND_EPARAM;
    s->count = *ind_ring_pos(s, sizeof *s) = 0;
    return 0;
}

int ind_roc_update(void *st, const double *in, double *out)
{
    double x = in[0];
    if (!isfinite(x)) {
        out[0] = NAN;
        return IND_EINPUT;
    }
    roc_state *s = st;
    double old = ind_ring_swap(ind_ring_of(s, sizeof *s), ind_ring_pos(s, sizeof *s), s->n, x);
    return ind_roc_step(s, x, old, out);
}

/* The steady state one value at a time, as the streaming update computes it. Returns nonzero if
 * an input was not finite. */
static int roc_scalar(int i, int n, int lb, const double *x, double *o)
{
    int bad = 0;
    for (; i < n; i++) {
        bad |= !isfinite(x[i]);
        o[i] = roc_value(x[i], x[i - lb]);
    }
    return bad;
}

/*
 * The steady state four values a loop turn (two SSE2 vectors), with no zero test and no
 * finiteness test per value: a value is finite exactly when its close and old close are finite
 * and the old close is not 0 (or a finite ratio overflowed), so the running sums of the results
 * stay finite exactly when no value needs roc_value()'s 0 or the caller's non-finite fallback.
 * Returns 0 when every value is done (the same operations in the same order as roc_value(), so
 * bit for bit the streaming values); otherwise the caller redoes them with roc_scalar().
 */
static int roc_vector(int i, int n, int lb, const double *x, double *o)
{
#ifdef __SSE2__
    const __m128d one = _mm_set1_pd(1.0), hundred = _mm_set1_pd(100.0);
    __m128d s0 = _mm_setzero_pd(), s1 = _mm_setzero_pd();
    for (; i + 4 <= n; i += 4) {
        __m128d a = _mm_div_pd(_mm_loadu_pd(x + i), _mm_loadu_pd(x + i - lb));
        __m128d b = _mm_div_pd(_mm_loadu_pd(x + i + 2), _mm_loadu_pd(x + i + 2 - lb));
        a = _mm_mul_pd(_mm_sub_pd(a, one), hundred);
        b = _mm_mul_pd(_mm_sub_pd(b, one), hundred);
        _mm_storeu_pd(o + i, a);
        _mm_storeu_pd(o + i + 2, b);
        s0 = _mm_add_pd(s0, a);
        s1 = _mm_add_pd(s1, b);
    }
    double sum[2];
    _mm_storeu_pd(sum, _mm_add_pd(s0, s1));
    int bad = !isfinite(sum[0]) || !isfinite(sum[1]);
#else
    int bad = 0;
#endif
    for (; i < n; i++) {
        bad |= !isfinite(x[i]) || x[i - lb] == 0.0;
        o[i] = roc_value(x[i], x[i - lb]);
    }
    return bad;
}

int ind_roc(int n, const double *const *in, const double *opt, double *const *out)
{
    int lb = ind_roc_start(opt);
    if (lb < 0) return lb;
    const double *x = in[0];
    double *o = out[0];
    int i = 0, bad = 0;
    for (; i < n && i < lb; i++) {
        bad |= !isfinite(x[i]);
        o[i] = NAN;
    }
    if (i < n && roc_vector(i, n, lb, x, o)) bad |= roc_scalar(i, n, lb, x, o);
    if (bad) return IND_STREAM_BATCH(roc, 1, 1);
    return 0;
}
