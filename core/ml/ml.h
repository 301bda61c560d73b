/*
 * ml.h - the ML runtime of a trading run: for each bar of a symbol it computes the feature
 * vector (features.h), scores it with the loaded model (model.h) and keeps the symbol's latest
 * confidence for strategies (ctx.ml) and the ML gate (ml_gate.h); every few minutes it writes a
 * decision point into ml_samples and labels it once the horizon has passed (ml_store.h).
 *
 * The trader calls tb_ml_on_bar before the strategies of that bar run, in `tradebot run`,
 * `tradebot backtest` and the data generation of `tradebot train` alike. A bar allocates
 * nothing once its symbol has been seen. A model is swapped in with tb_ml_swap between two
 * events (the engine's loop is single-threaded), never during one.
 */
#ifndef TB_ML_ML_H
#define TB_ML_ML_H

#include "data/bar.h"
#include "data/ring.h"
#include "ind/ind_set.h"
#include "ml/features.h"
#include "ml/ml_store.h"
#include "ml/model.h"
#include "ml/schema.h"

#include <limits.h>

/* A model and the schema it was trained on, loaded from one folder. */
typedef struct tb_ml_loaded {
    tb_ml_model model;
    tb_ml_schema schema;
    char id[64];        /* the folder's name (its timestamp) */
    char dir[PATH_MAX]; /* the folder it came from (current's target, resolved) */
} tb_ml_loaded;

/* Loads dir/model.json and dir/feature_schema.json and checks they belong together. */
int tb_ml_load_dir(tb_ml_loaded *out, const char *dir, tb_err *e);
void tb_ml_loaded_free(tb_ml_loaded *l);

typedef struct tb_ml_opts {
    int strict_schema;     /* a missing, NaN or misplaced feature blocks entries */
    double min_confidence; /* entries below this are blocked (0: never) */
    int sample_every_min;  /* decision points: one per symbol every N minutes */
    int horizon_min;       /* label: forward return over this many minutes */
    tb_ml_store *store;    /* NULL: nothing is written */
} tb_ml_opts;

typedef struct tb_ml tb_ml;

/* What the trader hands over for one bar (after the indicator set took it). */
typedef struct tb_ml_bar {
    uint32_t sym; /* symbol id */
    const char *symbol;
    const tb_bar *bar;
    const ind_set *ind;
    const tb_ring *bars;      /* recent bars, this one included */
    int64_t session_close_ns; /* 0: outside a known session (no decision point) */
    int warmup;               /* replayed after a restart: session bookkeeping only */
} tb_ml_bar;

tb_ml *tb_ml_new(const tb_ml_opts *o, tb_err *e);
void tb_ml_free(tb_ml *ml);

/* Installs a model (ownership passes to ml; NULL unloads). Returns the previous one, which the
 * caller frees. */
tb_ml_loaded *tb_ml_swap(tb_ml *ml, tb_ml_loaded *next);

/* The model in service, or NULL. */
const tb_ml_loaded *tb_ml_current(const tb_ml *ml);

/* VIX for the feature (NaN: the documented default). */
void tb_ml_set_vix(tb_ml *ml, double vix);

void tb_ml_on_bar(tb_ml *ml, const tb_ml_bar *b);

/* A closing fill (trade outcome for the calibration table). */
void tb_ml_on_trade(tb_ml *ml, const char *symbol, const char *strategy, double pnl, int64_t t_ns);

/* Latest confidence (probability the forward return is > 0) for a symbol; NaN when no model,
 * the symbol is unknown or strict schema withholds it. */
double tb_ml_confidence(const tb_ml *ml, const char *symbol);

/* Latest features of a symbol (NULL when unknown). */
const float *tb_ml_features(const tb_ml *ml, const char *symbol);

/* With a model loaded: the schema column the symbol's latest features fail (missing, NaN or out
 * of order), or NULL when they are complete. */
const char *tb_ml_schema_problem(const tb_ml *ml, const char *symbol);

/* With a problem above: 1 when it is only warm-up (the symbol was never scored, or the failing
 * column is a live feature whose value is not computed yet), 0 when the model's schema names a
 * feature the live set does not compute (drift). */
int tb_ml_schema_warming(const tb_ml *ml, const char *symbol);

const tb_ml_opts *tb_ml_opts_of(const tb_ml *ml);
void tb_ml_set_opts(tb_ml *ml, const tb_ml_opts *o);

/* End of the latest bar seen: the run's clock (simulated in a replay). */
int64_t tb_ml_now(const tb_ml *ml);

/* Counters for status and tests. */
typedef struct tb_ml_stats {
    uint64_t bars, scored, samples, labels, swaps, blocked_schema, blocked_confidence;
} tb_ml_stats;
tb_ml_stats *tb_ml_stats_mut(tb_ml *ml);

#endif
