/*
 * aggregate.h - streaming aggregation of 1-minute bars into 5m, 15m, 30m, 1h and 1d bars: O(1)
 * per minute, no allocation. One tb_agg per symbol and timeframe.
 *
 * Buckets are anchored at the session open, 09:30 America/New_York, of the minute's ET date:
 * a bucket starts at 09:30 + k * timeframe (k may be negative for pre-market minutes). For 5m,
 * 15m and 30m this is the same as clock alignment (09:30, 09:35, ...). For 1h it gives bars
 * 09:30-10:30, ..., 15:30-16:00: the choice most charting tools make for US stocks, so each
 * hour bar holds whole session minutes. A bucket that contains the session close is cut at
 * the close (15:30-16:00 is a 30-minute "1h" bar; on a 13:00 early close 12:30-13:00) and
 * after-hours minutes of that bucket form their own (16:00-16:30); tf_sec stays the nominal
 * timeframe, so use the next bar's start, not tb_bar_end_ns, for the true end of a cut bar.
 *
 * 1d bars are the regular session of one trading day (start = 09:30 ET open); minutes outside
 * the regular session or on closed days are ignored by the daily aggregator.
 *
 * A bucket is emitted as soon as the minute that ends it arrives, or when a minute of a later
 * bucket arrives (gaps are normal), or on tb_agg_flush. vwap is volume-weighted over the
 * minutes; with zero volume it is the close. Volume and trades add up.
 */
#ifndef TB_DATA_AGGREGATE_H
#define TB_DATA_AGGREGATE_H

#include "data/bar.h"
#include "data/calendar.h"

typedef struct tb_agg {
    int32_t tf_sec;
    const tb_cal *cal;
    int active;         /* cur holds a bucket in progress */
    tb_bar cur;         /* the bucket in progress */
    double pv;          /* sum of vwap * volume of the bucket's minutes */
    int64_t end_ns;     /* end of the bucket in progress */
    int64_t last_start; /* start of the last bucket begun (late minutes are refused) */
    /* cache of the ET day of the last minute seen */
    int64_t day_lo, day_hi;    /* [local midnight, next local midnight) in ns UTC */
    int64_t anchor_ns;         /* 09:30 ET of that day */
    int64_t open_ns, close_ns; /* regular session; 0 on a closed day */
} tb_agg;

/* Prepares an aggregator for tf_sec: whole minutes below one day (300, 900, 1800, 3600, ...)
 * or 86400 for daily bars. cal may be NULL (rules only). */
int tb_agg_init(tb_agg *a, int tf_sec, const tb_cal *cal, tb_err *e);

/* Adds one 1-minute bar (minutes in time order, one symbol). Writes the completed bars into
 * out (room for 2: a bucket closed by a gap and the new one completed by this minute) and
 * returns how many, or -1 for a minute older than the bucket in progress (not added). */
int tb_agg_push(tb_agg *a, const tb_bar *minute, tb_bar out[2]);

/* Emits the bucket in progress, if any (end of data). Returns 1 when out was written. */
int tb_agg_flush(tb_agg *a, tb_bar *out);

#endif
