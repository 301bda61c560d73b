/*
 * metrics.h - /metrics in the Prometheus text exposition format (version 0.0.4).
 *
 * The dashboard gathers a snapshot of plain numbers from the engine (cheap: counters it already
 * keeps, one read of /proc/self) and this module renders it; rendering knows nothing of the
 * engine, so tests check the format from a snapshot they fill themselves.
 */
#ifndef TB_HTTP_METRICS_H
#define TB_HTTP_METRICS_H

#include "loop/loop.h"
#include "util/counters.h"
#include "util/sbuf.h"

#include <stdint.h>

#define TB_METRICS_POS_MAX 256 /* positions exported (non-zero ones) */

typedef struct tb_metrics_snap {
    /* process */
    double cpu_seconds, rss_bytes, vsize_bytes, start_time_seconds, open_fds;
    /* loop: the probe's histogram per mode (loop/loop.h); the current mode's is always exported */
    tb_latency lat[TB_LOOP_NMODES];
    tb_loop_mode loop_mode;
    tb_stall_stats stalls; /* work that held the loop past loop.stall_warn_ms (loop/stall.h) */
    /* market data and strategies */
    uint64_t bars, events;
    double bars_per_second, events_per_second;
    const char *feed;
    int feed_running;
    double feed_staleness_seconds;  /* wall seconds since the last bar (live: market hours) */
    uint64_t feed_stale_reconnects; /* silence watchdog reconnects of the data stream */
    int has_bar_store;              /* a live feed writing to the bar store (data/bar_sink.h) */
    uint64_t bar_store_written, bar_store_pending, bar_store_failed_flushes, bar_store_dropped;
    int has_record; /* a session recording is open (replay/recorder.h) */
    uint64_t record_bytes, record_dropped;
    int record_failed;
    /* orders */
    uint64_t intents, orders, fills, rejects, blocks, order_errors;
    const tb_counters *rejects_by_reason, *blocks_by_gate;
    /* account */
    double equity, peak_equity, drawdown_ratio, realized_pnl, unrealized_pnl, fees;
    int day_trades_5d;
    int kill_switch;
    /* broker */
    const char *broker;
    int broker_connected;
    uint64_t order_polls, order_polls_learned, order_stream_reconnects; /* order watchdog */
    /* the IB send queue (broker/ibkr_pace.h): depth now, written, paced (waited), dropped */
    int has_send_queue;
    uint64_t sendq_depth, sendq_max, sendq_sent, sendq_delayed, sendq_dropped;
    const tb_counters *updates_refused; /* broker updates the order manager refused, by reason */
    uint64_t unknown_orders;            /* orders with an unknown outcome right now */
    /* the HTTP clients (broker's and feed's): retries with backoff, 429s, rate-limit waits */
    uint64_t http_retries, http_429, http_throttled;
    int has_feed_http; /* a live feed with its own client */
    uint64_t feed_http_retries, feed_http_429, feed_http_throttled;
    /* a locked database (engine/dbwait.h) */
    int has_db_wait;
    uint64_t db_lock_episodes, db_held_updates, db_intents_refused, db_rows_dropped,
        db_unjournaled_cancels;
    /* dashboard */
    uint64_t sse_clients;
    unsigned long long http_ok, http_client_errors, http_unauthorized;
    /* strategies */
    int strategies, strategies_disabled;
    uint64_t strategy_errors;
    /* ML: the gate's entries by confidence decile and outcome (win, loss, open), and the latest
     * confidence of each symbol (ml_decisions; core/ml/ml.h) */
    double ml_predictions[10][3];
    int ml_has_predictions;
    struct {
        char symbol[32];
        double confidence;
    } ml_conf[64];
    int nml_conf;
    /* operations (http/dash_ops.c): the daily loss halt, broker reconciliation differences,
     * Healer directives awaiting approval (-1: unreadable) and the home's file system */
    int has_daily_loss, daily_loss_halted;
    int has_reconcile;
    uint64_t reconcile_differences;
    uint64_t reconciles, periodic_reconciles; /* rounds; those the interval timer started */
    int position_differences; /* persistent ones now (broker/posdiff.h): entries held */
    int healer_pending;
    int has_disk;
    double disk_free_bytes, disk_size_bytes;
    /* positions: the account's net per symbol (strategy "") and each strategy's own */
    struct {
        char symbol[16];
        char strategy[32];
        double qty;
    } pos[TB_METRICS_POS_MAX];
    int npos;
    uint64_t invariant_violations; /* account position != sum of strategy positions */
    uint64_t unallowed_shorts;     /* a strategy left short that may not be */
} tb_metrics_snap;

/* Fills cpu, rss, vsize, start time and open fds of this process from /proc/self. */
int tb_metrics_read_proc(tb_metrics_snap *s);

/* Appends the exposition of s to out. */
void tb_metrics_render(const tb_metrics_snap *s, tb_sbuf *out);

/* Appends v escaped as a label value (backslash, double quote and newline). */
void tb_metrics_escape_label(tb_sbuf *out, const char *v);

#endif
