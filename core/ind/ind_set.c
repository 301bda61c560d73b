/*
 * ind_set.c - one symbol's standard indicators in one block: a header, then each indicator's
 * streaming state at an aligned offset. The update runs each indicator's step inline (ind_step.h).
 */
#include "ind/ind_set.h"
#include "ind/ind.h"
#include "ind/ind_step.h"

#include <math.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

enum {
    S_SMA,
    S_EMA,
    S_RSI,
    S_MACD,
    S_ATR,
    S_BB,
    S_STOCH,
    S_ADX,
    S_OBV,
    S_VWAP,
    S_ROC,
    S_RELVOL,
    S_N
};

struct ind_set {
    ind_set_params p;
    size_t off[S_N];
    unsigned long bars, rejected;
    ind_stale stale;
    double v[IND_SET_NVALUES];
    alignas(max_align_t) unsigned char mem[];
};

static const char *const names[IND_SET_NVALUES] = {
    "sma",      "ema",       "rsi",      "macd",    "macd_signal", "macd_hist", "atr",
    "bb_upper", "bb_middle", "bb_lower", "stoch_k", "stoch_d",     "adx",       "plus_di",
    "minus_di", "obv",       "vwap",     "roc",     "relvol",
};

void ind_set_defaults(ind_set_params *p)
{
    *p = (ind_set_params){.sma = 20,
                          .ema = 20,
                          .rsi = 14,
                          .macd_fast = 12,
                          .macd_slow = 26,
                          .macd_signal = 9,
                          .atr = 14,
                          .bb_period = 20,
                          .bb_stddev = 2.0,
                          .stoch_k = 14,
                          .stoch_kslow = 3,
                          .stoch_d = 3,
                          .adx = 14,
                          .roc = 10,
                          .relvol = 20,
                          .stale_cycles = 5};
}

/* Options per state, in the order of the indicator's table row. */
static void opts(const ind_set_params *p, int k, double *o)
{
    switch (k) {
    case S_SMA: o[0] = p->sma; break;
    case S_EMA: o[0] = p->ema; break;
    case S_RSI: o[0] = p->rsi; break;
    case S_MACD:
        o[0] = p->macd_fast;
        o[1] = p->macd_slow;
        o[2] = p->macd_signal;
        break;
    case S_ATR: o[0] = p->atr; break;
    case S_BB:
        o[0] = p->bb_period;
        o[1] = p->bb_stddev;
        break;
    case S_STOCH:
        o[0] = p->stoch_k;
        o[1] = p->stoch_kslow;
        o[2] = p->stoch_d;
        break;
    case S_ADX: o[0] = p->adx; break;
    case S_ROC: o[0] = p->roc; break;
    case S_RELVOL: o[0] = p->relvol; break;
    default: break;
    }
}

static const ind_size_fn sizes[S_N] = {
    ind_sma_size,   ind_ema_size, ind_rsi_size, ind_macd_size, ind_atr_size, ind_bbands_size,
    ind_stoch_size, ind_adx_size, ind_obv_size, ind_vwap_size, ind_roc_size, ind_relvol_size};
static const ind_init_fn inits[S_N] = {
    ind_sma_init,   ind_ema_init, ind_rsi_init, ind_macd_init, ind_atr_init, ind_bbands_init,
    ind_stoch_init, ind_adx_init, ind_obv_init, ind_vwap_init, ind_roc_init, ind_relvol_init};

/* Fills off[] and returns the total size, 0 on bad params. */
static size_t layout(const ind_set_params *p, size_t *off)
{
    size_t at = sizeof(struct ind_set);
    for (int k = 0; k < S_N; k++) {
        double o[IND_MAX_PARAMS] = {0};
        opts(p, k, o);
        size_t n = sizes[k](o);
        if (!n) return 0;
        at = (at + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
        off[k] = at;
        at += n;
    }
    return at;
}

size_t ind_set_size(const ind_set_params *p)
{
    size_t off[S_N];
    return layout(p, off);
}

int ind_set_init(ind_set *set, const ind_set_params *p)
{
    size_t off[S_N];
    if (!layout(p, off)) return IND_EPARAM;
    set->p = *p;
    memcpy(set->off, off, sizeof off);
    for (int k = 0; k < S_N; k++) {
        double o[IND_MAX_PARAMS] = {0};
        opts(p, k, o);
        if (inits[k]((unsigned char *)set + off[k], o) < 0) return IND_EPARAM;
    }
    set->bars = set->rejected = 0;
    ind_stale_init(&set->stale, p->stale_cycles);
    for (int i = 0; i < IND_SET_NVALUES; i++) set->v[i] = NAN;
    return 0;
}

ind_set *ind_set_new(const ind_set_params *p)
{
    size_t n = ind_set_size(p);
    ind_set *set = n ? aligned_alloc(alignof(max_align_t), (n + 63) & ~(size_t)63) : NULL;
    if (set && ind_set_init(set, p) < 0) {
        free(set);
        return NULL;
    }
    return set;
}

void ind_set_free(ind_set *set)
{
    free(set);
}

#define ST(type, k) ((type *)((unsigned char *)set + set->off[k]))

int ind_set_update(ind_set *set, double open, double high, double low, double close, double volume,
                   double session)
{
    /* x - x is 0 for a finite x and NaN otherwise: one test for the six instead of a compare
     * and jump each (this runs for every symbol on every bar). */
    double z = (open - open) + (high - high) + (low - low) + (close - close) + (volume - volume) +
               (session - session);
    if (z != z) {
        set->rejected++;
        return IND_EINPUT;
    }
    /* The inputs are finite: each indicator's step, inlined (ind_step.h), without its own check. */
    double *v = set->v;
    ind_sma_step(ST(sma_state, S_SMA), close, &v[IND_SET_SMA]);
    ind_ema_step(ST(ema_state, S_EMA), close, &v[IND_SET_EMA]);
    ind_rsi_step(ST(rsi_state, S_RSI), close, &v[IND_SET_RSI]);
    ind_macd_step(ST(macd_state, S_MACD), close, &v[IND_SET_MACD]);
    ind_atr_step(ST(atr_state, S_ATR), high, low, close, &v[IND_SET_ATR]);
    ind_bbands_step(ST(bb_state, S_BB), close, &v[IND_SET_BB_UPPER]);
    ind_stoch_step(ST(stoch_state, S_STOCH), high, low, close, &v[IND_SET_STOCH_K]);
    ind_adx_step(ST(adx_state, S_ADX), high, low, close, &v[IND_SET_ADX]);
    ind_obv_step(ST(obv_state, S_OBV), close, volume, &v[IND_SET_OBV]);
    ind_vwap_step(ST(vwap_state, S_VWAP), high, low, close, volume, session, &v[IND_SET_VWAP]);
    ind_roc_step(ST(roc_state, S_ROC), close, &v[IND_SET_ROC]);
    ind_relvol_step(ST(relvol_state, S_RELVOL), volume, &v[IND_SET_RELVOL]);
    set->bars++;
    double bar[5] = {open, high, low, close, volume};
    return ind_stale_check_5_4(&set->stale, bar, &v[IND_SET_RSI]);
}

double ind_set_get(const ind_set *set, ind_set_value v)
{
    return (unsigned)v < IND_SET_NVALUES ? set->v[v] : NAN;
}

int ind_set_find(const char *name)
{
    for (int i = 0; name && i < IND_SET_NVALUES; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

const char *ind_set_name(ind_set_value v)
{
    return (unsigned)v < IND_SET_NVALUES ? names[v] : NULL;
}

const ind_set_params *ind_set_params_of(const ind_set *set)
{
    return &set->p;
}

const ind_stale *ind_set_stale(const ind_set *set)
{
    return &set->stale;
}

unsigned long ind_set_rejected(const ind_set *set)
{
    return set->rejected;
}

unsigned long ind_set_bars(const ind_set *set)
{
    return set->bars;
}
