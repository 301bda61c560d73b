/*
 * ibkr.h - the Interactive Brokers adapter: IB Gateway's socket API (broker/ibkr_conn.h for the
 * connection, broker/ibkr_msg.h for the messages) behind the broker vtable.
 *
 * Our client order id travels as orderRef, so open orders and executions are matched to our
 * orders by it after a reconnect, after an engine restart and under another client id (after
 * 326). IB order ids are max(persisted last + 1, NEXT_VALID_ID) and only move forward; the last
 * id used is persisted (save_order_id) before an order is written to the socket. Nothing is ever
 * resent: an order whose outcome is unknown is settled by reconciliation (open orders,
 * executions, positions requested at connect, after every reconnect and, quietly, every
 * reconcile_interval_ms while ready), and 103 (duplicate id)
 * asks for ids again and resyncs. Fills are keyed by IB's execId, so execDetails and the
 * reqExecutions replay after a reconnect apply once. 201 rejects are final, with IB's text.
 * No new orders are sent in a window around the Gateway's daily restart. A replace is an IB
 * modification: the same IB order id placed again, carrying the new client id as orderRef.
 */
#ifndef TB_BROKER_IBKR_H
#define TB_BROKER_IBKR_H

#include "oms/broker.h"
#include "broker/ibkr_conn.h"
#include "oms/oms.h"

struct event_base;

typedef struct ibkr_opts {
    struct event_base *base;
    const char *host;             /* 127.0.0.1 (ib-gateway inside the compose network) */
    int port;                     /* 4002 paper on the host, 4004 inside the compose network */
    int client_id, alt_client_id; /* alt < 0: none */
    const char *account;          /* "" : the Gateway's only account */
    const char *restart_time;     /* "23:45": the Gateway's daily restart (AUTO_RESTART_TIME) */
    const char *restart_zone;     /* "America/New_York" or "UTC" */
    int restart_window_minutes;   /* no new orders this close to the restart (0: off) */
    long reconnect_min_ms, reconnect_max_ms;
    long reconcile_interval_ms;     /* quiet re-sync while ready this often (0: off) */
    long unknown_deadline_ms;       /* unknown-outcome orders: looked up this long after creation
                                       (0: until the end of their session) */
    long unknown_lookup_max_ms;     /* ... with at most this long between lookups (default 30000) */
    int position_difference_rounds; /* reconciliations with the same gap before a position
                                       difference holds entries (<= 0: 2; broker/posdiff.h) */
    long position_difference_min_ms; /* ... and at least this old (0: rounds only) */
    int64_t last_order_id;           /* persisted: the last IB order id used (0: none) */
    /* Persists the last IB order id used; called before the order is written. Optional. */
    int (*save_order_id)(void *ud, int64_t id, tb_err *e);
    void *save_ud;
    oms *oms; /* the order manager it reconciles against (required) */
} ibkr_opts;

typedef struct ibkr_stats {
    uint64_t submits, orders_sent, cancels, rejects, fills, replayed_execs, reconciles, differences,
        window_refusals, code_103, code_201, code_202, resubscribes, foreign, replaces,
        quiet_reconciles;
    uint64_t unknown_marked, unknown_found, unknown_expired, unknown_lookups; /* ibkr_unknown.c */
    tb_money commission;   /* sum of COMMISSION_REPORTs (replays counted again) */
    uint64_t fees_applied; /* commissions applied to fills already stored */
    int64_t last_order_id;
} ibkr_stats;

typedef struct ibkr ibkr;

/* At shutdown (ibkr_free, disconnect) the send queue is written out for at most this long, at
 * the pacer's rate (about 80 messages); what is left is dropped, one line per order. */
#define IBKR_DRAIN_MS 2000

/* Creates the adapter (disconnected until broker_connect); NULL and e on failure. */
ibkr *ibkr_new(const ibkr_opts *o, tb_err *e);
void ibkr_free(ibkr *a);

/* The vtable handle. */
broker ibkr_broker(ibkr *a);

void ibkr_stats_get(const ibkr *a, ibkr_stats *out);
/* The connection's counters (codes, drops, client id in use). */
void ibkr_get_conn_stats(const ibkr *a, ibkr_conn_stats *out);

/*
 * Shares this adapter's connection with a market-data listener (the IB live feed): t is applied
 * to the connection now and to every connection the adapter makes later; on_detach(ud) is called
 * when the adapter is freed (the listener must forget it). NULL t removes it.
 */
void ibkr_set_data_tap(ibkr *a, const ibkr_conn_tap *t, void (*on_detach)(void *ud));

/* The adapter's connection (NULL before connect / after disconnect), to send market-data
 * requests through its pacer. */
ibkr_conn *ibkr_data_conn(ibkr *a);

/* "hh:mm" to seconds of the day; -1 and e when malformed. */
int ibkr_parse_hhmm(const char *s, int *sec, tb_err *e);

/*
 * 1 when t_ns is within window_min minutes (either side) of the daily restart at restart_sec,
 * in New York time (utc == 0, DST-aware) or UTC (utc == 1).
 */
int ibkr_in_restart_window(int64_t t_ns, int restart_sec, int utc, int window_min);

#endif
