/*
 * ind_stale.h - stale-data detection: the original system's "RSI/MACD values identical for
 * multiple cycles". The engine calls ind_stale_check once per bar per symbol with the bar and the
 * indicator values it watches; when either stops changing for `cycles` consecutive bars the
 * symbol is flagged (and counted once per episode) until something changes again. Logging is the
 * caller's: this only returns the flag and keeps the counters.
 */
#ifndef TB_IND_IND_STALE_H
#define TB_IND_IND_STALE_H

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define IND_STALE_MAX 5 /* values compared per side (the set compares 5 and 4) */

enum {
    IND_STALE_BARS = 1,   /* the bar (OHLCV) repeated `cycles` times in a row */
    IND_STALE_VALUES = 2, /* the watched indicator values repeated `cycles` times */
};

typedef struct ind_stale {
    int cycles;               /* identical bars in a row before flagging (>= 1) */
    int bar_run, val_run;     /* current runs of bars identical to the previous one */
    int flags;                /* IND_STALE_* currently raised */
    unsigned long episodes;   /* times the symbol went from fresh to stale */
    unsigned long stale_bars; /* bars seen while flagged */
    int nbar, nval;
    double bar[IND_STALE_MAX], val[IND_STALE_MAX];
} ind_stale;

/* cycles < 1 is taken as 1. */
void ind_stale_init(ind_stale *s, int cycles);

/*
 * Compares this bar's values (nbar, nval <= IND_STALE_MAX, bit for bit) with the previous call's.
 * Values containing NaN (an indicator still warming up) never count as repeated. Returns the
 * IND_STALE_* flags now raised, 0 when fresh.
 */
int ind_stale_check(ind_stale *s, const double *bar, int nbar, const double *val, int nval);

/* Raises the flags the runs now call for and counts them; returns them. */
static inline int ind_stale_flags(ind_stale *s)
{
    int flags = (s->bar_run >= s->cycles ? IND_STALE_BARS : 0) |
                (s->val_run >= s->cycles ? IND_STALE_VALUES : 0);
    s->episodes += flags && !s->flags;
    s->stale_bars += flags != 0;
    s->flags = flags;
    return flags;
}

#ifdef __SSE2__
/* Nonzero unless the two values at x are bit for bit those at last and neither is NaN; stores x
 * into last. Two values per SSE2 compare, no compare and jump per value. */
static inline __m128i ind_stale_pair_changed(double *last, const double *x)
{
    __m128d v = _mm_loadu_pd(x);
    __m128i ne = _mm_xor_si128(_mm_loadu_si128((const __m128i *)last), _mm_castpd_si128(v));
    _mm_storeu_pd(last, v);
    return _mm_or_si128(ne, _mm_castpd_si128(_mm_cmpunord_pd(v, v)));
}

/*
 * ind_stale_check(s, bar, 5, val, 4), inline: the indicator set's sizes (5 bar values, 4
 * indicator values), which it checks on every bar of every symbol. Both sides at once.
 */
static inline int ind_stale_check_5_4(ind_stale *s, const double *bar, const double *val)
{
    __m128i b = _mm_or_si128(ind_stale_pair_changed(s->bar, bar),
                             ind_stale_pair_changed(s->bar + 2, bar + 2));
    double lone = s->bar[4];
    uint64_t la, lb;
    memcpy(&la, &lone, sizeof la);
    memcpy(&lb, &bar[4], sizeof lb);
    int bdiff = (la != lb) | (bar[4] != bar[4]) |
                (_mm_movemask_epi8(_mm_cmpeq_epi32(b, _mm_setzero_si128())) != 0xFFFF);
    s->bar[4] = bar[4];
    __m128i v = _mm_or_si128(ind_stale_pair_changed(s->val, val),
                             ind_stale_pair_changed(s->val + 2, val + 2));
    int vdiff = _mm_movemask_epi8(_mm_cmpeq_epi32(v, _mm_setzero_si128())) != 0xFFFF;
    s->bar_run = s->nbar == 5 && !bdiff ? s->bar_run + 1 : 0;
    s->val_run = s->nval == 4 && !vdiff ? s->val_run + 1 : 0;
    s->nbar = 5;
    s->nval = 4;
    return ind_stale_flags(s);
}
#else
static inline int ind_stale_check_5_4(ind_stale *s, const double *bar, const double *val)
{
    return ind_stale_check(s, bar, 5, val, 4);
}
#endif

#endif
