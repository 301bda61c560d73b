/*
 * ibkr_agg.h - 5-second real-time bars (IB's REQ_REAL_TIME_BARS) into closed 1-minute bars.
 * A minute closes when its last 5-second bar (start +55 s) arrives, or when the first bar of a
 * later minute does; 5-second intervals without trades are absent, so a minute may be built from
 * fewer than twelve, and a minute with none is no bar at all (a gap, never invented). Volume is
 * summed, the VWAP is the volume-weighted mean of the 5-second WAPs, trades are summed. A bar
 * older than the minute being built is ignored (counted). Pure: unit tested.
 *
 * A thin symbol's minute may never get its +55 s bar: the caller closes it on a timer
 * (ibkr_agg_flush_due, ibkr_agg_flush). A 5-second bar of that minute arriving afterwards is late
 * like any other bar of a closed minute: counted and dropped (the closed bar is not amended).
 */
#ifndef TB_FEED_IBKR_AGG_H
#define TB_FEED_IBKR_AGG_H

#include "broker/ibkr_bars.h"
#include "data/bar.h"

typedef struct ibkr_agg {
    uint32_t sym;
    int64_t minute_s; /* start of the minute being built, 0: none */
    tb_money open, high, low, close;
    double volume, wap_volume, wap_sum;
    int64_t trades;
    int parts;
    int64_t closed_s; /* the last minute closed: its bars coming again are late */
    uint64_t late;    /* 5-second bars of a minute already built or closed */
} ibkr_agg;

/* Starts empty for symbol id sym. */
void ibkr_agg_init(ibkr_agg *a, uint32_t sym);

/* Adds one 5-second bar; returns how many minutes closed into out[0..1] (0, 1 or 2: the minute
 * before, closed by this bar, and this bar's own minute when the bar is its last). */
int ibkr_agg_add(ibkr_agg *a, const ibkr_bar *b, tb_bar out[2]);

/* Forgets the minute being built (the subscription it came from is gone); what closed stays. */
void ibkr_agg_reset(ibkr_agg *a);

/* 1 when the minute being built is due to close on the wall clock at now_ns: its end plus grace
 * has passed, and so has grace since its last 5-second bar arrived (last_arrival_ns), so bars that
 * arrive in a burst long after their minute (a replay, a lagging feed) are not cut off. */
int ibkr_agg_flush_due(const ibkr_agg *a, int64_t now_ns, int64_t last_arrival_ns,
                       int64_t grace_ns);

/* Closes the minute being built into *out: 1, or 0 when none is being built. */
int ibkr_agg_flush(ibkr_agg *a, tb_bar *out);

/* A Gateway bar as a closed bar of tf_sec seconds for symbol sym (prices to double at the end). */
void ibkr_agg_to_bar(const ibkr_bar *b, uint32_t sym, int tf_sec, tb_bar *out);

#endif
