/*
 * ibkr_conn.h - the connection to IB Gateway's socket API (default 127.0.0.1:4002) as a state
 * machine: disconnected -> connecting (greeting, START_API) -> syncing (open orders, positions,
 * executions requested) -> ready; paused while IB reports connectivity lost (1100) and until
 * 1101 (restored, data lost: everything requested again) or 1102 (restored, data kept).
 *
 * It reconnects by itself with backoff and jitter whenever the socket drops (the Gateway's daily
 * restart, a socat relay with nothing behind it), and on 326 (client id in use) it retries and
 * then switches to the configured alternate client id. The next order id is
 * max(persisted + 1, NEXT_VALID_ID) and only ever moves forward (field-lessons: ids reissued
 * after restarts). This is the transport and state; orders are the adapter's (broker/ibkr.h),
 * which gets every message the machine does not consume, farm notices included.
 */
#ifndef TB_BROKER_IBKR_CONN_H
#define TB_BROKER_IBKR_CONN_H

#include "broker/tws_frame.h"
#include "util/err.h"

#include <stdint.h>

struct event_base;

/*
 * The server versions offered at the greeting: only those whose message layouts broker/ibkr_msg.c
 * and the live feed build (PLACE_ORDER, OPEN_ORDER, EXECUTION_DATA, REQ_REAL_TIME_BARS,
 * REQ_HISTORICAL_DATA... change with the version; 150 and 151 already differ). A Gateway that
 * answers a lower version is refused at the greeting (logged, shown in status, retried with
 * backoff), never traded with: it would misread every order. Every Gateway IB supports today
 * speaks 151 and above.
 */
#define IBKR_MIN_VERSION 151
#define IBKR_MAX_VERSION 151 /* pinned: the classic text protocol, no protobuf */

typedef enum { IBC_DISCONNECTED, IBC_CONNECTING, IBC_SYNCING, IBC_READY, IBC_PAUSED } ibkr_state;

typedef struct ibkr_conn_opts {
    struct event_base *base;
    const char *host;                        /* 127.0.0.1, or a name (ib-gateway) */
    int hosts_only;                          /* tests: names from /etc/hosts only, no DNS */
    int port;                                /* 4002 paper, 4001 live */
    int client_id, alt_client_id;            /* alt < 0: none */
    int64_t persisted_next_id;               /* last order id used, from the journal (0: none) */
    long reconnect_min_ms, reconnect_max_ms; /* defaults 2000 and 60000 */
    long connect_timeout_ms;                 /* connect + resolve + greeting (default 15000) */
    int max_msgs_per_sec;                    /* outgoing pacing (0: 40; IB's limit is ~50) */
    int data_only; /* market data only (the feed's own connection): no open orders, positions or
                      executions are requested; ready on NEXT_VALID_ID and again after 1101 */
    void (*on_state)(void *ud, ibkr_state s);
    void (*on_message)(void *ud, const tws_frame *f); /* messages the machine does not consume */
    void (*on_quiet_synced)(void *ud); /* the three lists of a quiet sync have ended */
    /* A frame was written to the socket (now or when the pacer let it go): "order sent". */
    void (*on_sent)(void *ud, const void *frame, size_t len);
    void *ud;
} ibkr_conn_opts;

typedef struct ibkr_conn_stats {
    uint64_t connects, readies, drops, code_1100, code_1101, code_1102, code_326, farm_ok,
        farm_broken, errors, syncs, quiet_syncs;
    uint64_t msgs_sent, msgs_delayed, msgs_discarded; /* the pacer: delayed went via its queue */
    size_t max_queue, queue_depth;                    /* most waiting at once; waiting now */
    int server_version, client_id;
    int refused_version; /* the last greeting's version outside our range (0: none since) */
    uint64_t version_refusals;
} ibkr_conn_stats;

typedef struct ibkr_conn ibkr_conn;

ibkr_conn *ibkr_conn_new(const ibkr_conn_opts *o, tb_err *e);
int ibkr_conn_start(ibkr_conn *c, tb_err *e);
void ibkr_conn_free(ibkr_conn *c);

ibkr_state ibkr_conn_state(const ibkr_conn *c);
const char *ibkr_state_name(ibkr_state s);

/* Takes the next order id (0 before the first NEXT_VALID_ID). */
int64_t ibkr_conn_take_order_id(ibkr_conn *c);

/* Moves the next order id past id (an id seen at the Gateway); never back. */
void ibkr_conn_note_order_id(ibkr_conn *c, int64_t id);

/* Writes one encoded frame through the pacer (sent now or queued in order); -1 when there is no
 * API session (before START_API, dropped). */
int ibkr_conn_send(ibkr_conn *c, const tb_sbuf *b);

/* Messages waiting for the pacer now. */
size_t ibkr_conn_queued(const ibkr_conn *c);

/*
 * Shutdown: writes what is queued (paced) and what the socket has not taken yet, waiting up to
 * bound_ms in all; whatever is still unsent then is dropped with one line per order message
 * naming its ids. Returns how many messages were dropped.
 */
size_t ibkr_conn_drain(ibkr_conn *c, long bound_ms);

/* Requests open orders, positions and executions again (syncing until all three ended). */
void ibkr_conn_resync(ibkr_conn *c);

/* Requests open orders, positions and executions again while staying ready (new orders go on);
 * on_quiet_synced when all three have ended. -1 when not ready. */
int ibkr_conn_quiet_sync(ibkr_conn *c);

void ibkr_conn_stats_get(const ibkr_conn *c, ibkr_conn_stats *out);

/*
 * A second listener on the same socket: the IB live feed (feed/live_ibkr.c) shares the broker's
 * connection (one socket per account) this way. It gets market-data messages (REAL_TIME_BARS 50,
 * HISTORICAL_DATA 17) instead of the adapter, every ERR_MSG as well as the adapter, every state
 * change, and 1101 (restored, data lost: subscriptions are gone) as on_data_lost.
 */
typedef struct ibkr_conn_tap {
    void (*on_state)(void *ud, ibkr_state s);
    void (*on_message)(void *ud, const tws_frame *f);
    void (*on_data_lost)(void *ud);
    void *ud;
    int64_t ids_from; /* ERR_MSGs for ids >= this are the tap's requests: it logs them, the
                         connection only counts them (each error one log line); 0: none */
} ibkr_conn_tap;

/* Sets (or with NULL removes) the tap. */
void ibkr_conn_set_tap(ibkr_conn *c, const ibkr_conn_tap *t);

#endif
