/*
 * ind_stale.h - stale-data detection: the original system's "RSI/MACD values identical for
 * multiple cycles". The engine calls ind_stale_check once per bar per symbol with the bar and the
 * indicator values it watches; when either stops changing for `cycles` consecutive bars the
 * symbol is flagged (and counted once per episode) until something changes again. Logging is the
 * caller's: this only returns the flag and keeps the counters.
 */
#ifndef TB_IND_IND_STALE_H
#define TB_IND_IND_STALE_H

#define IND_STALE_MAX 8 /* values compared per side */

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

#endif
