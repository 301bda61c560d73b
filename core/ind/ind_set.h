/*
 * ind_set.h - the standard indicators a strategy reads, for one symbol, updated by one call per
 * bar. All storage (ring buffers included) is one block sized at init; an update never allocates.
 * Values are read by id or by name (the Lua context's ctx.ind); NaN while an indicator warms up.
 */
#ifndef TB_IND_IND_SET_H
#define TB_IND_IND_SET_H

#include "ind/ind_stale.h"

#include <stddef.h>

typedef struct ind_set_params {
    int sma, ema, rsi;
    int macd_fast, macd_slow, macd_signal;
    int atr;
    int bb_period;
    double bb_stddev;
    int stoch_k, stoch_kslow, stoch_d;
    int adx, roc, relvol;
    int stale_cycles; /* identical bars or RSI/MACD values in a row before flagging */
} ind_set_params;

typedef enum ind_set_value {
    IND_SET_SMA,
    IND_SET_EMA,
    IND_SET_RSI,
    IND_SET_MACD,
    IND_SET_MACD_SIGNAL,
    IND_SET_MACD_HIST,
    IND_SET_ATR,
    IND_SET_BB_UPPER,
    IND_SET_BB_MIDDLE,
    IND_SET_BB_LOWER,
    IND_SET_STOCH_K,
    IND_SET_STOCH_D,
    IND_SET_ADX,
    IND_SET_PLUS_DI,
    IND_SET_MINUS_DI,
    IND_SET_OBV,
    IND_SET_VWAP,
    IND_SET_ROC,
    IND_SET_RELVOL,
    IND_SET_NVALUES
} ind_set_value;

typedef struct ind_set ind_set;

/* RSI14, MACD 12/26/9, ATR14, BB 20/2, SMA/EMA 20, Stoch 14/3/3, ADX14, ROC10, relvol 20,
 * stale after 5 identical cycles. */
void ind_set_defaults(ind_set_params *p);

/* Bytes for a set with these params, 0 if a param is out of bounds. */
size_t ind_set_size(const ind_set_params *p);
/* Lays a set out in caller memory of ind_set_size() bytes (max_align_t aligned). 0 or IND_EPARAM.
 */
int ind_set_init(ind_set *set, const ind_set_params *p);
/* Same, with malloc; NULL on bad params or no memory. Free with ind_set_free. */
ind_set *ind_set_new(const ind_set_params *p);
void ind_set_free(ind_set *set);

/*
 * One bar. `session` identifies the trading session (e.g. YYYYMMDD): when it changes the VWAP
 * starts over. Returns the IND_STALE_* flags (0 when fresh), or IND_EINPUT if a value is not
 * finite: the whole bar is then skipped and counted (ind_set_rejected), nothing changes.
 */
int ind_set_update(ind_set *set, double open, double high, double low, double close, double volume,
                   double session);

double ind_set_get(const ind_set *set, ind_set_value v);
/* Id for a name ("rsi", "macd_signal", "bb_upper", ...) or -1. */
int ind_set_find(const char *name);
const char *ind_set_name(ind_set_value v);
const ind_set_params *ind_set_params_of(const ind_set *set);
const ind_stale *ind_set_stale(const ind_set *set);
unsigned long ind_set_rejected(const ind_set *set);
/* Bars accepted so far. */
unsigned long ind_set_bars(const ind_set *set);

#endif
