/*
 * watchdog.h - the decisions of the stream watchdogs, as pure functions (no clock, no I/O), so
 * the thresholds and the market-hours rule are tested on their own.
 *
 * "Connected but silent" streams are common (field-lessons.md): the socket looks healthy, pings
 * are answered, and nothing arrives. A data stream is judged as a whole, only while the regular
 * session is open: a single symbol may go minutes without a trade (no bar for that minute), but
 * every subscribed symbol silent for stale_after is a dead subscription. Orders are judged one by
 * one: an open order not heard of (stream, poll or reconciliation) for poll_after is polled by id,
 * and a poll that learns what the stream never said is the evidence to reconnect that stream.
 */
#ifndef TB_NET_WATCHDOG_H
#define TB_NET_WATCHDOG_H

#include "data/calendar.h"

#include <stdint.h>

typedef enum {
    TB_WD_OFF,    /* stale_after <= 0: the watchdog is disabled */
    TB_WD_CLOSED, /* the regular session is not open: silence is normal, no action */
    TB_WD_DOWN,   /* the socket is not connected: its own reconnect logic is at work */
    TB_WD_OK,     /* something arrived within stale_after */
    TB_WD_SILENT  /* connected, market open, nothing for stale_after: reconnect */
} tb_wd_verdict;

const char *tb_wd_verdict_name(tb_wd_verdict v);

/*
 * The data stream at now_ns. last_ns: the latest of the last bar received for any symbol and the
 * last (re)subscription; silence is counted from the later of last_ns and today's open, so the
 * overnight quiet never counts. *silent_s (may be NULL) gets the seconds of silence (0 when
 * closed).
 */
tb_wd_verdict tb_wd_stream(const tb_cal *cal, int64_t now_ns, int connected, int64_t last_ns,
                           int64_t stale_after_ns, double *silent_s);

/* 1 when an open order last heard of at heard_ns is due for a poll at now_ns (after_ns > 0). */
int tb_wd_order_due(int64_t now_ns, int64_t heard_ns, int64_t after_ns);

/*
 * Picks at most max of the n orders (their heard times) that are due, oldest first, writing their
 * indices to out (room for max). Returns how many were picked. The bound keeps polling inside the
 * broker's rate limit however many orders rest.
 */
int tb_wd_orders_pick(const int64_t *heard, int n, int64_t now_ns, int64_t after_ns, int max,
                      int *out);

/*
 * 1 when the order stream should be dropped and reconnected: polls learned `missed` changes the
 * stream never delivered, nothing came on the stream for after_ns, and the last forced reconnect
 * is at least min_gap_ns ago (Alpaca keeps a dropped socket half alive ~90 s: one at a time).
 */
int tb_wd_order_stream_reconnect(int64_t now_ns, int64_t last_event_ns, int64_t last_forced_ns,
                                 int missed, int64_t after_ns, int64_t min_gap_ns);

#endif
