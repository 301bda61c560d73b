/*
 * live.h - the live feed: closed 1-minute bars from a vendor (Alpaca's stream, Polygon's REST,
 * IB Gateway's 5-second real-time bars)
 * handed to the same callback the replay uses (tb_replay_ev: BAR, SESSION_START, SESSION_END),
 * so the trader does not know which feed runs.
 *
 * Session boundaries come from the calendar on the wall clock (tb_clock_now_ns): SESSION_START
 * at the regular open (or before the first bar of the day if that comes first), SESSION_END
 * end_grace after the close, so the last minute's bar is in. Only bars of the regular session
 * reach the trader, each (symbol, start) once and in order per symbol; a minute without a bar
 * stays a gap. A corrected bar (Alpaca "u") replaces the stored bar of its (symbol, start) and
 * is counted; strategies, which saw the original when it closed, are not fed it twice.
 * Staleness is the wall time since the last bar while the market is open (0 when closed).
 * Events reach the callback in order, at most TB_LIVE_SLICE_NS of them in one loop turn: the
 * rest wait in memory for the next turns, so a burst never holds the loop (a fill waits one
 * slice, not 500 symbols' strategies).
 */
#ifndef TB_FEED_LIVE_H
#define TB_FEED_LIVE_H

#include "data/bar.h"
#include "data/calendar.h"
#include "data/symbols.h"
#include "feed/replay.h"
#include "net/http.h"

#include <jansson.h>

struct event_base;
struct ibkr;

typedef enum { TB_LIVE_ALPACA, TB_LIVE_POLYGON, TB_LIVE_IBKR } tb_live_kind;

typedef struct tb_live_opts {
    tb_live_kind kind;
    const char *name; /* config spelling: "alpaca", "polygon", "massive" */
    const char *const *symbols;
    int nsymbols;
    long tick_ms;        /* session clock (default 1000) */
    long end_grace_ms;   /* SESSION_END this long after the close (default 90000) */
    const char *ca_file; /* tests */
    struct {
        const char *data_url, *stream_url, *feed, *key_id, *secret_key;
        double rate_per_minute;
        long limit_backoff_ms, reconnect_min_ms, reconnect_max_ms;
        long stale_after_ms; /* silence watchdog: no bar at all for this long in market hours
                                while connected -> reconnect + backfill (0: off) */
    } alpaca;
    struct {
        const char *base_url, *api_key;
        double rate_per_minute; /* free plan 5, paid 0 (unlimited: we still stay at 100/s) */
        double poll_seconds;
    } polygon;
    struct {
        const char *host;
        int port, client_id; /* client_id: the feed's own connection (not used when sharing) */
        long reconnect_min_ms, reconnect_max_ms;
        struct ibkr *const *shared; /* the broker's adapter ("broker": "ibkr"): one socket */
        long stale_after_ms;        /* no 5 s bar at all this long, market open: resubscribe */
        long minute_grace_ms;       /* a minute without its +55 s bar closes this long after */
        long backfill_after_ms;     /* no minute this long after a (re)subscription: backfill */
    } ibkr;
    /* Optional: every delivered bar and every correction goes here too (the bar store's
     * buffer, data/bar_sink.h); status adds its figures to tb_live_status_json. */
    void (*store)(void *ud, const tb_bar *b);
    void (*store_status)(void *ud, json_t *out);
    void *store_ud;
    /* Filled by the runner: */
    struct event_base *base;
    tb_symtab *syms;
    const tb_cal *cal;
    tb_replay_cb cb;
    void *ud;
} tb_live_opts;

/* The longest the live feed holds the loop handing events to the trader in one turn; the rest
 * go on in the next turns (docs/architecture.md, "Loop latency"). */
#define TB_LIVE_SLICE_NS (300 * 1000)

typedef struct tb_live_stats {
    uint64_t bars, corrected, duplicates, outside_session, sessions;
    uint64_t slices;  /* turns that left events for the next one (a burst was split) */
    size_t queue_max; /* most events ever waiting */
    int64_t last_bar_wall_ns, last_bar_start_ns;
} tb_live_stats;

typedef struct tb_live tb_live;

/* Builds the feed and its vendor client (its own HTTP client on o->base); nothing connects
 * before tb_live_start. */
tb_live *tb_live_new(const tb_live_opts *o, tb_err *e);

/* Connects / starts polling, and the session clock. */
int tb_live_start(tb_live *l, tb_err *e);

/* Frees: the HTTP client first (what is in flight is dropped without callbacks). NULL is fine. */
void tb_live_free(tb_live *l);

/* Called by the vendor side with a closed bar (corrected: a replacement of a delivered one). */
void tb_live_push(tb_live *l, const tb_bar *b, int corrected);

/* Seconds since the last bar while the market is open at now_ns; 0 when closed. */
double tb_live_staleness_s(const tb_live *l, int64_t now_ns);

/* 1 while the vendor side delivers (stream live, or polling entitled data). */
int tb_live_connected(const tb_live *l);

/* The stored bar of (sym, start), corrections applied: 1 found, 0 not. */
int tb_live_bar(const tb_live *l, uint32_t sym, int64_t start_ns, tb_bar *out);

void tb_live_stats_get(const tb_live *l, tb_live_stats *out);

/* The counters of the feed's own HTTP client (retries, 429s, throttled requests); zeros for a
 * feed without one (ibkr). */
void tb_live_http_stats(const tb_live *l, tb_httpc_stats *out);

/* {name, connected, status, state, entitlement, bars, gap_minutes, ...} for the dashboard. */
json_t *tb_live_status_json(const tb_live *l, int64_t now_ns);

/* Start of the last bar delivered for sym, 0 when none (where a poll resumes). */
int64_t tb_live_last_start(const tb_live *l, uint32_t sym);

/* ---- for the vendor sides (live_alpaca.c, live_polygon.c) ---- */
typedef struct tb_live_src {
    int (*start)(void *s, tb_err *e);
    void (*free)(void *s);
    int (*connected)(void *s);
    void (*status)(void *s, json_t *out); /* adds state, entitlement, counters */
    void *s;
} tb_live_src;

int tb_live_alpaca_src(tb_live *l, const tb_live_opts *o, tb_http *http, tb_live_src *out,
                       tb_err *e);
int tb_live_polygon_src(tb_live *l, const tb_live_opts *o, tb_http *http, tb_live_src *out,
                        tb_err *e);
int tb_live_ibkr_src(tb_live *l, const tb_live_opts *o, tb_live_src *out, tb_err *e);

#endif
