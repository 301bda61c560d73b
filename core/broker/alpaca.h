/*
 * alpaca.h - the Alpaca trading adapter: REST v2 through the engine's HTTP client and the
 * trade_updates websocket, behind the broker vtable.
 *
 * Orders carry our client order id as client_order_id (Alpaca rejects a second use with 422),
 * so a submit whose outcome is unknown (timeout, 5xx, a garbled answer) is looked up by that id
 * before anything is sent again, and resending it can never open a second order. Fills are
 * applied from cumulative figures (filled_qty, filled_avg_price) against what the order manager
 * already holds, so a stream event, a REST poll and a reconciliation after a reconnect can all
 * report the same fill without counting it twice. REST is the truth: the stream does not replay
 * missed events, so orders and positions are reconciled at connect, after every stream
 * reconnect and periodically. Keys come from APCA_API_KEY_ID / APCA_API_SECRET_KEY or a 0600
 * file; both are registered for redaction and never logged.
 */
#ifndef TB_BROKER_ALPACA_H
#define TB_BROKER_ALPACA_H

#include "oms/broker.h"
#include "net/http.h"
#include "oms/oms.h"

struct event_base;

typedef struct alpaca_opts {
    struct event_base *base;
    tb_http *http;           /* shared client (the engine's); NULL: the adapter makes its own */
    const char *trading_url; /* https://paper-api.alpaca.markets (paper) or api.alpaca.markets */
    const char *stream_url;  /* wss://paper-api.alpaca.markets/stream; "" or NULL: REST only */
    const char *key_id, *secret_key;
    const char *ca_file;            /* tests: CA bundle for a local TLS emulator */
    double rate_per_minute;         /* trading API limit (200 a minute) */
    long reconcile_interval_ms;     /* periodic reconciliation (0: only at start and reconnect) */
    long stream_reconnect_min_ms;   /* default 5000: Alpaca keeps a dropped socket for ~90 s */
    long stream_reconnect_max_ms;   /* default 120000 */
    long cancel_poll_ms;            /* poll an order this long after a cancel (default 2000) */
    long order_poll_after_ms;       /* order watchdog: poll an open order not heard of this long
                                       (0: off) */
    int order_poll_max;             /* at most this many watchdog polls in flight (default 2) */
    long unknown_deadline_ms;       /* an order with an unknown outcome is looked up this long after
                                       it was created (0: until the end of its session) */
    long unknown_lookup_max_ms;     /* the longest wait between its lookups (default 30000) */
    int position_difference_rounds; /* reconciliations with the same gap before a position
                                       difference holds entries (<= 0: 2; broker/posdiff.h) */
    long position_difference_min_ms; /* ... and at least this old (0: rounds only) */
    oms *oms;                        /* the order manager it reconciles against (required) */
} alpaca_opts;

typedef struct alpaca_stats {
    uint64_t submits, lookups, resubmits, unknown_outcomes, rejects, reconciles, differences,
        stream_events, stream_errors, stream_reconnects, auth_failures;
    uint64_t order_polls;              /* watchdog polls by id */
    uint64_t polls_learned;            /* ... that found what the stream had not delivered */
    uint64_t stream_forced_reconnects; /* trade_updates dropped by the watchdog */
    uint64_t unknown_found;            /* orders with an unknown outcome found at the broker */
    uint64_t unknown_expired;          /* ... never found by their deadline: marked expired */
    uint64_t periodic_reconciles;      /* reconciliations started by the reconcile_interval timer
                                          (IB: ibkr_stats.quiet_reconciles) */
} alpaca_stats;

typedef struct alpaca alpaca;

/* Creates the adapter (disconnected until broker_connect); NULL and e on failure. */
alpaca *alpaca_new(const alpaca_opts *o, tb_err *e);
void alpaca_free(alpaca *a);

/* The vtable handle. */
broker alpaca_broker(alpaca *a);

/* Runs a reconciliation now (also what the periodic timer does). */
void alpaca_reconcile(alpaca *a);

void alpaca_stats_get(const alpaca *a, alpaca_stats *out);

/*
 * Reads the keys: APCA_API_KEY_ID and APCA_API_SECRET_KEY from the environment, else from file
 * (lines NAME=value; it must be mode 0600 or stricter). Both are registered for redaction.
 */
int alpaca_load_keys(const char *file, char *key, size_t key_cap, char *secret, size_t secret_cap,
                     tb_err *e);

#endif
