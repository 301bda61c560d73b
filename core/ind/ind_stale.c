/* ind_stale.c - flag symbols whose bars or indicator values stop changing. */
#include "ind/ind_stale.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void ind_stale_init(ind_stale *s, int cycles)
{
    memset(s, 0, sizeof *s);
    s->cycles = cycles < 1 ? 1 : cycles;
}

/* Run length after this call: +1 when identical to last time, else 0. */
static int run(int prev_run, double *last, int *nlast, const double *x, int n)
{
    if (n > IND_STALE_MAX) n = IND_STALE_MAX;
    /* Bit for bit, as memcmp would, without a library call per side per bar (this runs for
     * every symbol on every bar). */
    int any_nan = 0, differ = n != *nlast;
    for (int i = 0; i < n; i++) {
        uint64_t a, b;
        memcpy(&a, &last[i], sizeof a);
        memcpy(&b, &x[i], sizeof b);
        any_nan |= isnan(x[i]);
        differ |= a != b;
        last[i] = x[i];
    }
    int same = n > 0 && !any_nan && !differ;
    *nlast = n;
    return same ? prev_run + 1 : 0;
}

#ifdef __SSE2__
/* Nonzero unless the two values at x are bit for bit those at last and neither is NaN; stores x
 * into last. Two values per SSE2 compare: run()'s test without a compare and jump per value. */
static inline __m128i pair_changed(double *last, const double *x)
{
    __m128d v = _mm_loadu_pd(x);
    __m128i ne = _mm_xor_si128(_mm_loadu_si128((const __m128i *)last), _mm_castpd_si128(v));
    _mm_storeu_pd(last, v);
    return _mm_or_si128(ne, _mm_castpd_si128(_mm_cmpunord_pd(v, v)));
}

/* run() for the indicator set's fixed sizes (5 bar values, 4 indicator values), both sides at
 * once: what ind_stale_check costs on every bar of every symbol. */
static void run_5_4(ind_stale *s, const double *bar, const double *val)
{
    __m128i b = _mm_or_si128(pair_changed(s->bar, bar), pair_changed(s->bar + 2, bar + 2));
    double lone = s->bar[4];
    uint64_t la, lb;
    memcpy(&la, &lone, sizeof la);
    memcpy(&lb, &bar[4], sizeof lb);
    int bdiff = (la != lb) | isnan(bar[4]) |
                (_mm_movemask_epi8(_mm_cmpeq_epi32(b, _mm_setzero_si128())) != 0xFFFF);
    s->bar[4] = bar[4];
    __m128i v = _mm_or_si128(pair_changed(s->val, val), pair_changed(s->val + 2, val + 2));
    int vdiff = _mm_movemask_epi8(_mm_cmpeq_epi32(v, _mm_setzero_si128())) != 0xFFFF;
    s->bar_run = s->nbar == 5 && !bdiff ? s->bar_run + 1 : 0;
    s->val_run = s->nval == 4 && !vdiff ? s->val_run + 1 : 0;
    s->nbar = 5;
    s->nval = 4;
}
#endif

int ind_stale_check(ind_stale *s, const double *bar, int nbar, const double *val, int nval)
{
#ifdef __SSE2__
    if (nbar == 5 && nval == 4) {
        run_5_4(s, bar, val);
    } else
#endif
    {
        s->bar_run = run(s->bar_run, s->bar, &s->nbar, bar, nbar);
        s->val_run = run(s->val_run, s->val, &s->nval, val, nval);
    }
    int flags = (s->bar_run >= s->cycles ? IND_STALE_BARS : 0) |
                (s->val_run >= s->cycles ? IND_STALE_VALUES : 0);
    if (flags && !s->flags) s->episodes++;
    if (flags) s->stale_bars++;
    s->flags = flags;
    return flags;
}
