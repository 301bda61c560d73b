/*
 * ind.h - technical indicators: the public surface of core/ind/.
 *
 * Every indicator has Tulip's shape, one file each (core/ind/<name>.c):
 *
 *   int    ind_<name>_start(const double *opt);   lookback (leading undefined outputs) or < 0
 *   int    ind_<name>(int n, const double *const *in, const double *opt, double *const *out);
 *   size_t ind_<name>_size(const double *opt);    bytes of streaming state, 0 if opt invalid
 *   int    ind_<name>_init(void *st, const double *opt);
 *   int    ind_<name>_update(void *st, const double *in, double *out);
 *
 * `opt` holds the parameters in the order of the table (ind_table.c), `in` one array (batch) or
 * one value (streaming) per input, `out` one array or value per output. Batch outputs are as
 * long as the input, with NaN in the leading undefined positions, so position i always belongs
 * to input bar i. The streaming state is one flat block of ind_<name>_size() bytes (ring buffers
 * included) that the caller provides: an update never allocates.
 *
 * Non-finite input (NaN, +-inf) never enters the state: update returns IND_EINPUT and leaves the
 * state as it was; batch skips those bars (their outputs are NaN) and returns how many it
 * skipped. Batch and streaming run the same arithmetic, so they give the same numbers.
 */
#ifndef TB_IND_IND_H
#define TB_IND_IND_H

#include <stddef.h>

enum {
    IND_WARMUP = 0,  /* update: some outputs still undefined (NaN) */
    IND_READY = 1,   /* update: every output defined */
    IND_EPARAM = -1, /* a parameter is out of bounds or not an integer where one is needed */
    IND_EINPUT = -2, /* update: input not finite, skipped, state unchanged, outputs NaN */
    IND_ENOMEM = -3, /* batch fallback path could not allocate its state */
};

#define IND_MAX_IO     5 /* inputs or outputs of one indicator */
#define IND_MAX_PARAMS 4
#define IND_MAX_PERIOD 100000

typedef int (*ind_start_fn)(const double *opt);
typedef int (*ind_batch_fn)(int n, const double *const *in, const double *opt, double *const *out);
typedef size_t (*ind_size_fn)(const double *opt);
typedef int (*ind_init_fn)(void *st, const double *opt);
typedef int (*ind_update_fn)(void *st, const double *in, double *out);

typedef struct ind_param {
    const char *name;
    double def, min, max;
    int integer; /* must be a whole number */
} ind_param;

/* One row of the indicator table: everything bindings, docs and tests need to drive one. */
typedef struct ind_info {
    const char *name;
    const char *title;
    int ninputs, nparams, noutputs;
    const char *inputs[IND_MAX_IO];
    ind_param params[IND_MAX_PARAMS];
    const char *outputs[IND_MAX_IO];
    ind_start_fn start;
    /* Lookback of output k when the outputs start at different bars (ADX), else NULL. */
    int (*out_start)(const double *opt, int k);
    ind_batch_fn batch;
    ind_size_fn size;
    ind_init_fn init;
    ind_update_fn update;
} ind_info;

/* The table, in a stable order; ind_count() rows. */
const ind_info *ind_at(int i);
int ind_count(void);
/* The row for a name ("rsi"), or NULL. */
const ind_info *ind_find(const char *name);
/* Fills opt with the table defaults. */
void ind_defaults(const ind_info *info, double *opt);
/* Lookback of output k for these params (< 0 if params invalid). */
int ind_out_start(const ind_info *info, const double *opt, int k);

#define IND_DECLARE(name)                                                                          \
    int ind_##name##_start(const double *opt);                                                     \
    int ind_##name(int n, const double *const *in, const double *opt, double *const *out);         \
    size_t ind_##name##_size(const double *opt);                                                   \
    int ind_##name##_init(void *st, const double *opt);                                            \
    int ind_##name##_update(void *st, const double *in, double *out);

/* in: close. opt: period. out: sma. */
IND_DECLARE(sma)
/* in: close. opt: period. out: ema (seeded with the SMA of the first period values). */
IND_DECLARE(ema)
/* in: close. opt: period. out: wma (weights 1..period, newest heaviest). */
IND_DECLARE(wma)
/* in: close. opt: period. out: rsi (Wilder smoothing, 0..100). */
IND_DECLARE(rsi)
/* in: close. opt: fast, slow, signal. out: macd, signal, hist. */
IND_DECLARE(macd)
/* in: high, low, close. opt: period. out: atr (Wilder). */
IND_DECLARE(atr)
/* in: close. opt: period, stddev. out: upper, middle, lower. */
IND_DECLARE(bbands)
/* in: high, low, close. opt: k period, k slowing, d period. out: k, d. */
IND_DECLARE(stoch)
/* in: high, low, close. opt: period. out: adx, plus_di, minus_di. */
IND_DECLARE(adx)
/* in: close, volume. out: obv. */
IND_DECLARE(obv)
/* in: high, low, close, volume, session. out: vwap (resets when session changes). */
IND_DECLARE(vwap)
/* in: close. opt: period. out: roc in percent. */
IND_DECLARE(roc)
/* in: volume. opt: period. out: volume / mean volume of the previous period bars. */
IND_DECLARE(relvol)

#endif
