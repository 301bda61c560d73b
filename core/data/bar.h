/*
 * bar.h - the OHLCV bar every feed, store, indicator and strategy speaks, and a growable array
 * of bars for loading (files, the store, the sample generator). Hot paths use tb_ring instead.
 *
 * Times are int64 nanoseconds since the Unix epoch, UTC; a bar covers [start_ns, start_ns +
 * tf_sec * 1e9). Prices are doubles; volume is a double because vendors report fractional
 * volume for some feeds. vwap is volume-weighted over the bar.
 */
#ifndef TB_DATA_BAR_H
#define TB_DATA_BAR_H

#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

#define TB_NS_PER_SEC 1000000000LL

typedef struct tb_bar {
    int64_t start_ns; /* start of the bar, ns UTC */
    double open, high, low, close;
    double volume;
    double vwap;
    int64_t trades; /* number of trades, 0 when unknown */
    int32_t tf_sec; /* timeframe in seconds: 60, 300, 900, 3600, 86400 */
    uint32_t sym;   /* id from tb_symtab */
} tb_bar;

/* Start of the bar after this one (start_ns + tf_sec seconds): when the bar is complete. */
static inline int64_t tb_bar_end_ns(const tb_bar *b)
{
    return b->start_ns + (int64_t)b->tf_sec * TB_NS_PER_SEC;
}

/* True when the prices are finite, positive and consistent (low <= open, close <= high) and
 * volume is finite and not negative. */
int tb_bar_valid(const tb_bar *b);

typedef struct tb_bar_vec {
    tb_bar *v;
    size_t n, cap;
} tb_bar_vec;

/* Appends one bar, growing the array geometrically. */
int tb_bar_vec_push(tb_bar_vec *vec, const tb_bar *b, tb_err *e);

/* Makes room for at least cap bars. */
int tb_bar_vec_reserve(tb_bar_vec *vec, size_t cap, tb_err *e);

/* Releases the array and zeroes the struct. */
void tb_bar_vec_free(tb_bar_vec *vec);

/* Sorts by start time, then symbol id, then timeframe (stable order for merged streams). */
void tb_bar_vec_sort(tb_bar_vec *vec);

#endif
