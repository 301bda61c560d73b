/*
 * features.h - the one feature set the model sees, computed in C from a symbol's indicator set,
 * its recent bars and the market context. `tradebot run`, `tradebot backtest` and the training
 * data of `tradebot train` all call tb_features_compute: there is no second implementation.
 *
 * The order of tb_feature_id is the column order of the model. Changing a name, a type or the
 * order changes tb_features_schema_hash(), so a model trained on another set is detected at load
 * (`tradebot check`) and, with STRICT_SCHEMA, blocks trades instead of scoring garbage.
 */
#ifndef TB_ML_FEATURES_H
#define TB_ML_FEATURES_H

#include "data/ring.h"
#include "ind/ind_set.h"

#include <stdint.h>

typedef enum tb_feature_id {
    TB_F_RET_1,       /* close / close 1 bar ago - 1 */
    TB_F_RET_5,       /* ... 5 bars ago */
    TB_F_RET_15,      /* ... 15 bars ago */
    TB_F_RET_60,      /* ... 60 bars ago (may reach into the previous session) */
    TB_F_RSI_14,      /* RSI 14 (Wilder), 0..100 */
    TB_F_MACD_HIST,   /* MACD 12/26/9 histogram, in % of the close */
    TB_F_ATR_PCT,     /* ATR 14 in % of the close */
    TB_F_BB_POS,      /* (close - lower) / (upper - lower) of Bollinger 20/2; 0.5 when flat */
    TB_F_RELVOL,      /* volume / mean volume of 20 bars */
    TB_F_GAP_PCT,     /* today's first open vs the previous session's last close, in %; 0 in the
                         first session a run sees */
    TB_F_TIME_OF_DAY, /* minutes since 09:30 ET / 390 */
    TB_F_VWAP_DIST,   /* (close - session VWAP) / VWAP, in % */
    TB_F_VIX,         /* VIX level from the macro state, else TB_FEATURES_VIX_DEFAULT */
    TB_FEATURES_N
} tb_feature_id;

/* Long-run mean of the VIX: used while no macro state says otherwise, so the feature is never
 * NaN for want of a file. */
#define TB_FEATURES_VIX_DEFAULT 20.0

/* Context a bar alone does not carry. NaN prev_close (the first session a run sees): gap 0. */
typedef struct tb_feature_ctx {
    double prev_close;   /* last close of the previous session */
    double session_open; /* first open of this session */
    double vix;          /* NaN: use the default */
    int64_t now_ns;      /* end of the bar (its close time) */
} tb_feature_ctx;

/*
 * Fills out[TB_FEATURES_N] (no allocation). A feature that cannot be computed yet (warm-up, no
 * previous session) is NaN. Returns the number of NaN features.
 */
int tb_features_compute(const ind_set *ind, const tb_ring *bars, const tb_feature_ctx *cx,
                        float out[TB_FEATURES_N]);

/* Name of a feature ("ret_1", "rsi_14", ...), NULL when out of range. */
const char *tb_feature_name(int id);

/* Type of a feature as written in feature_schema.json ("float"). */
const char *tb_feature_type(int id);

/* Index of a name, or -1. */
int tb_feature_find(const char *name);

/* FNV-1a 64 over "name:type;" in order: equal hashes, same columns in the same order. */
uint64_t tb_features_schema_hash(void);

/* The same hash over any list of names and types (a schema file's), for comparison. */
uint64_t tb_features_hash_of(const char *const *names, const char *const *types, int n);

#endif
