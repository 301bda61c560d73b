/*
 * live_ibkr_priv.h - the IB live feed's state, shared by its files: live_ibkr.c (messages,
 * subscriptions, backfill), live_ibkr_tick.c (the wall-clock duties) and live_ibkr_status.c.
 * Not a public surface: only these files include it.
 */
#ifndef TB_FEED_LIVE_IBKR_PRIV_H
#define TB_FEED_LIVE_IBKR_PRIV_H

#include "broker/ibkr.h"
#include "broker/ibkr_hpace.h"
#include "feed/ibkr_agg.h"
#include "feed/ibkr_reqs.h"
#include "feed/live.h"

#include <event2/util.h>

#define LI_REQ_BASE        700000000LL /* far above any order id: errors are told apart by id */
#define LI_HIST_BASE       LI_REQ_BASE /* historical requests: [LI_HIST_BASE, LI_RT_BASE), in slots */
#define LI_RT_BASE         800000000LL /* real-time subscriptions: their own range, never in a slot */
#define LI_REQS            IBKR_REQS_MAX
#define LI_HELD            16
#define LI_HIST_TIMEOUT_NS (60LL * 1000000000) /* sent, no answer: abandoned after this */
#define LI_CHUNK_S         (120 * 60) /* 120 bars: a HISTORICAL_DATA frame stays within 1024 fields */
#define LI_MARGIN_NS       250000000LL

enum { BF_NONE, BF_ARMED, BF_WAIT };

typedef struct li_sym {
    const char *name;
    uint32_t id;
    int64_t rt_req; /* the live subscription's id, 0: none */
    ibkr_agg agg;
    int bf;                     /* backfill: none, armed (after a resubscribe), waiting */
    int64_t bf_next_s, bf_to_s; /* the next chunk starts at bf_next_s; all ends at bf_to_s */
    tb_bar held[LI_HELD];       /* real-time minutes closed while the backfill runs */
    int nheld;
    int held_over;      /* this backfill outgrew held: its end was moved (logged once) */
    int bf_no_slot;     /* the next chunk waits for a free request slot (asked again each tick) */
    int64_t arrived_ns; /* wall time the last 5-second bar arrived */
    int64_t armed_ns;   /* wall time the backfill was armed (the timer starts it from there) */
} li_sym;

typedef struct li_req {
    int64_t id, from_s, to_s;
    int64_t sent_ns; /* monotonic, when it left the pacer; 0 while it waits in the pacer */
    int sym;
    char end[24], dur[24];
} li_req;

typedef struct li {
    tb_live *l;
    const tb_live_opts *o;
    ibkr_conn *own; /* our connection, or NULL when sharing */
    ibkr *shared;   /* the broker's adapter when sharing (NULL once it is freed) */
    int sharing, client_id;
    li_sym *s;
    int n;
    int subs_live, ever; /* subscriptions issued on this session / ever */
    int farm_broken, bar_since_broken;
    int64_t next_rt; /* the next real-time subscription id */
    ibkr_reqs ids;   /* historical request ids in flight: slot k is reqs[k] */
    li_req reqs[LI_REQS];
    ibkr_hpace *hp;
    struct event *hp_timer, *tick;
    int64_t stale_after_ns, grace_ns, bf_after_ns;
    int64_t last_bar_ns, last_sub_ns; /* wall: the last 5 s bar of any symbol, (re)subscription */
    struct {
        uint64_t subscribes, resubscribes, rt_bars, minutes, held_refetched, farm_broken, farm_ok,
            farm_resubscribes, data_lost, backfills, hist_requests, hist_answers, backfilled,
            corrected, pacing_162, nodata_162, code_366, errors, stale, stale_resubscribes, flushed,
            timer_backfills, hist_errors, hist_timeouts, hist_no_slot;
    } st;
} li;

/* The connection in use: our own, the broker's, or NULL (the broker's adapter is gone). */
ibkr_conn *live_ibkr_conn(li *x);

/* 1 while the connection is ready and the subscriptions are live (tb_live_src.connected). */
int live_ibkr_connected(void *sv);

/* Cancels (same socket) and requests again the real-time bars of every symbol; why: for the log. */
void live_ibkr_subscribe_all(li *x, const char *why);

/* A closed minute of symbol i: delivered, or held while its backfill runs (and starts one). */
void live_ibkr_deliver_minute(li *x, int i, const tb_bar *b);

/* Starts symbol i's backfill from its last minute (or the open) through first_rt_s + 60. */
void live_ibkr_start_backfill(li *x, int i, int64_t first_rt_s);

/* Asks for the next chunk of symbol i's backfill (again, when no request slot was free). */
void live_ibkr_request_chunk(li *x, int i);

/* Historical requests sent more than LI_HIST_TIMEOUT_NS ago without an answer are abandoned:
 * logged, counted, and their symbol's backfill ends (the minutes it held follow, in order). */
void live_ibkr_expire_requests(li *x, int64_t mono_ns);

/* The one-second tick (live_ibkr_tick.c): silence watchdog, thin-minute flush, backfill timer. */
void live_ibkr_on_tick(evutil_socket_t fd, short w, void *arg);

/* Adds the feed's state and counters to the status object (tb_live_src.status). */
void live_ibkr_status(void *sv, json_t *o);

#endif
