/*
 * ind_set.c - one symbol's standard indicators in one block, laid out for the update that runs
 * for every symbol on every bar: the values and every indicator's state first (typed members at
 * fixed offsets), then the rings (one ring of closes serves the SMA, the Bollinger Bands and the
 * ROC; the relative volume's volumes; the Stochastic's blocks), the cold fields last. The update
 * runs each indicator's step inline (ind_step.h, ind_step_hlv.h). With 1,000 symbols the sets
 * outgrow the core's L2 cache and the update is bound by the bytes it moves, so the block is kept
 * small: no offsets table, no padding between states, no ring kept twice.
 */
#include "ind/ind_set.h"
#include "ind/ind.h"
#include "ind/ind_step.h"
#include "ind/ind_step_hlv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ind_set {
    unsigned long bars;
    int cring, cpos; /* ring of closes: its length, the slot of the last close */
    int steady;      /* every indicator past its warm-up: the update runs the ready steps */
    double v[IND_SET_NVALUES];
    sma_state sma;
    ema_state ema;
    rsi_state rsi;
    macd_state macd;
    atr_state atr;
    bb_state bb;
    stoch_state stoch;
    adx_state adx;
    obv_state obv;
    vwap_state vwap;
    roc_state roc;
    relvol_state relvol;
    ind_stale stale;
    unsigned long rejected;
    ind_set_params p;
    double ring[]; /* closes[cring], volumes[relvol], the Stochastic's buffer */
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

/* The state of an indicator whose standalone init also zeroes its ring position (the slot after
 * its state, ind_ring_pos): run on a copy with that slot, so it cannot write into the next
 * member of the set. */
#define INIT_ALONE(init, dst, opt)                                                                 \
    do {                                                                                           \
        struct {                                                                                   \
            __typeof__(dst) s;                                                                     \
            double pos;                                                                            \
        } alone_;                                                                                  \
        rc |= init(&alone_, opt);                                                                  \
        dst = alone_.s;                                                                            \
    } while (0)

/* Inits every state from the params, each with the indicator's own init (the Stochastic's
 * buffer is filled when stoch_buf is given). IND_EPARAM if a param is out of bounds. */
static int init_states(ind_set *set, const ind_set_params *p, double *stoch_buf)
{
    double o1[1] = {p->sma}, o2[2] = {p->bb_period, p->bb_stddev};
    double macd[3] = {p->macd_fast, p->macd_slow, p->macd_signal};
    double stoch[3] = {p->stoch_k, p->stoch_kslow, p->stoch_d};
    int rc = 0;
    INIT_ALONE(ind_sma_init, set->sma, o1);
    o1[0] = p->ema;
    rc |= ind_ema_init(&set->ema, o1);
    o1[0] = p->rsi;
    rc |= ind_rsi_init(&set->rsi, o1);
    rc |= ind_macd_init(&set->macd, macd);
    o1[0] = p->atr;
    rc |= ind_atr_init(&set->atr, o1);
    INIT_ALONE(ind_bbands_init, set->bb, o2);
    rc |= ind_stoch_init_state(&set->stoch, stoch_buf, stoch);
    o1[0] = p->adx;
    rc |= ind_adx_init(&set->adx, o1);
    rc |= ind_obv_init(&set->obv, NULL);
    rc |= ind_vwap_init(&set->vwap, NULL);
    o1[0] = p->roc;
    INIT_ALONE(ind_roc_init, set->roc, o1);
    o1[0] = p->relvol;
    rc |= ind_relvol_init(&set->relvol, o1);
    if (rc) return IND_EPARAM;
    int c = set->sma.n > set->bb.n ? set->sma.n : set->bb.n;
    set->cring = c > set->roc.n ? c : set->roc.n + 1; /* the ROC reads the close roc bars ago */
    return 0;
}

/* Doubles after the struct: closes, volumes, the Stochastic's buffer. */
static size_t ring_len(const ind_set *set)
{
    return (size_t)set->cring + (size_t)set->relvol.n +
           ind_stoch_buf_len(set->stoch.kp, set->stoch.ks, set->stoch.dp);
}

size_t ind_set_size(const ind_set_params *p)
{
    ind_set s;
    if (init_states(&s, p, NULL) < 0) return 0;
    return sizeof s + ring_len(&s) * sizeof(double);
}

int ind_set_init(ind_set *set, const ind_set_params *p)
{
    ind_set s;
    if (init_states(&s, p, NULL) < 0) return IND_EPARAM;
    memset(set->ring, 0, ring_len(&s) * sizeof(double));
    if (init_states(set, p, set->ring + s.cring + s.relvol.n) < 0) return IND_EPARAM;
    set->p = *p;
    set->cpos = set->cring - 1;
    set->bars = set->rejected = 0;
    set->steady = 0;
    ind_stale_init(&set->stale, p->stale_cycles);
    for (int i = 0; i < IND_SET_NVALUES; i++) set->v[i] = NAN;
    return 0;
}

ind_set *ind_set_new(const ind_set_params *p)
{
    size_t n = ind_set_size(p);
    ind_set *set = n ? aligned_alloc(64, (n + 63) & ~(size_t)63) : NULL;
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

/* The close k bars before the last one (k < cring). */
static inline double close_back(const ind_set *set, int k)
{
    int i = set->cpos - k;
    i += set->cring & -(i < 0);
    return set->ring[i];
}

/* Nonzero once every indicator is past its warm-up (it then stays so). */
static int all_steady(const ind_set *set)
{
    return ind_sma_steady(&set->sma) & ind_ema_steady(&set->ema) & ind_rsi_steady(&set->rsi) &
           ind_macd_steady(&set->macd) & ind_atr_steady(&set->atr) & ind_bbands_steady(&set->bb) &
           ind_stoch_steady(&set->stoch) & ind_adx_steady(&set->adx) & ind_obv_steady(&set->obv) &
           ind_vwap_steady(&set->vwap) & ind_roc_steady(&set->roc) &
           ind_relvol_steady(&set->relvol);
}

/*
 * Every indicator one bar on: its ready step when `ready` (every one is steady), else its whole
 * step. Inlined with `ready` a constant at both calls, so each copy has no test per indicator.
 */
#define STEP(name, ...)                                                                            \
    (ready ? ind_##name##_ready(__VA_ARGS__) : (void)ind_##name##_step(__VA_ARGS__))
static inline __attribute__((always_inline)) void steps(ind_set *set, double h, double l, double c,
                                                        double vol, double ses, const int ready)
{
    double *v = set->v, *vols = set->ring + set->cring;
    STEP(sma, &set->sma, c, close_back(set, set->sma.n - 1), &v[IND_SET_SMA]);
    STEP(ema, &set->ema, c, &v[IND_SET_EMA]);
    STEP(rsi, &set->rsi, c, &v[IND_SET_RSI]);
    STEP(macd, &set->macd, c, &v[IND_SET_MACD]);
    STEP(atr, &set->atr, h, l, c, &v[IND_SET_ATR]);
    STEP(bbands, &set->bb, c, close_back(set, set->bb.n - 1), &v[IND_SET_BB_UPPER]);
    STEP(stoch, &set->stoch, vols + set->relvol.n, h, l, c, &v[IND_SET_STOCH_K]);
    STEP(adx, &set->adx, h, l, c, &v[IND_SET_ADX]);
    STEP(obv, &set->obv, c, vol, &v[IND_SET_OBV]);
    STEP(vwap, &set->vwap, h, l, c, vol, ses, &v[IND_SET_VWAP]);
    STEP(roc, &set->roc, c, close_back(set, set->roc.n), &v[IND_SET_ROC]);
    double old = ind_ring_swap(vols, &set->relvol.pos, set->relvol.n, vol);
    STEP(relvol, &set->relvol, vol, old, &v[IND_SET_RELVOL]);
}
#undef STEP

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
    /* The inputs are finite: each indicator's step, inlined (ind_step.h), without its own check;
     * once all are steady, their ready steps alone, without a warm-up test each. */
    int cpos = set->cpos + 1;
    set->cpos = cpos &= -(cpos < set->cring);
    set->ring[cpos] = close;
    if (set->steady) {
        steps(set, high, low, close, volume, session, 1);
    } else {
        steps(set, high, low, close, volume, session, 0);
        set->steady = all_steady(set);
    }
    set->bars++;
    double bar[5] = {open, high, low, close, volume};
    return ind_stale_check_5_4(&set->stale, bar, &set->v[IND_SET_RSI]);
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
