#include "http/metrics.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void tb_metrics_escape_label(tb_sbuf *out, const char *v)
{
    for (const char *c = v ? v : ""; *c; c++) {
        if (*c == '\\')
            tb_sbuf_puts(out, "\\\\");
        else if (*c == '"')
            tb_sbuf_puts(out, "\\\"");
        else if (*c == '\n')
            tb_sbuf_puts(out, "\\n");
        else
            tb_sbuf_add(out, c, 1);
    }
}

static void head(tb_sbuf *o, const char *name, const char *type, const char *help)
{
    tb_sbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Prometheus floats: integers print exactly, NaN and infinities by their names. */
static void value(tb_sbuf *o, double v)
{
    if (isnan(v))
        tb_sbuf_puts(o, " NaN\n");
    else if (isinf(v))
        tb_sbuf_puts(o, v > 0 ? " +Inf\n" : " -Inf\n");
    else if (v == floor(v) && fabs(v) < 1e15)
        tb_sbuf_printf(o, " %.0f\n", v);
    else
        tb_sbuf_printf(o, " %.15g\n", v);
}

static void metric(tb_sbuf *o, const char *name, const char *type, const char *help, double v)
{
    head(o, name, type, help);
    tb_sbuf_puts(o, name);
    value(o, v);
}

static void labelled(tb_sbuf *o, const char *name, const char *label, const char *lv, double v)
{
    tb_sbuf_printf(o, "%s{%s=\"", name, label);
    tb_metrics_escape_label(o, lv);
    tb_sbuf_puts(o, "\"}");
    value(o, v);
}

static void client_sample(tb_sbuf *o, const char *name, const char *api, const char *client,
                          double v)
{
    tb_sbuf_printf(o, "%s{api=\"", name);
    tb_metrics_escape_label(o, api);
    tb_sbuf_printf(o, "\",client=\"%s\"}", client);
    value(o, v);
}

/* One sample for the broker's HTTP client and one for the live feed's, when it has one. */
static void client_pair(tb_sbuf *o, const char *name, const tb_metrics_snap *s, uint64_t broker,
                        uint64_t feed)
{
    client_sample(o, name, s->broker, "broker", (double)broker);
    if (s->has_feed_http) client_sample(o, name, s->feed, "feed", (double)feed);
}

static void counters(tb_sbuf *o, const char *name, const char *help, const char *label,
                     const tb_counters *cs)
{
    head(o, name, "counter", help);
    for (int i = 0; cs && i < cs->n; i++)
        labelled(o, name, label, cs->c[i].name, (double)cs->c[i].count);
}

/* One histogram series per loop mode, labelled mode="live" or "replay": a replay's probes (its
 * long per-minute callbacks at high speed) never mix into the live figure. */
static void latency_series(tb_sbuf *o, const char *n, const char *mode, const tb_latency *l)
{
    uint64_t cum = 0;
    for (int i = 0; i < TB_LAT_BUCKETS; i++) {
        cum += l->buckets[i];
        if (i == TB_LAT_BUCKETS - 1)
            tb_sbuf_printf(o, "%s_bucket{mode=\"%s\",le=\"+Inf\"} %llu\n", n, mode,
                           (unsigned long long)cum);
        else
            tb_sbuf_printf(o, "%s_bucket{mode=\"%s\",le=\"%g\"} %llu\n", n, mode,
                           tb_latency_bounds_us[i] / 1e6, (unsigned long long)cum);
    }
    tb_sbuf_printf(o, "%s_sum{mode=\"%s\"}", n, mode);
    value(o, l->sum_us / 1e6);
    tb_sbuf_printf(o, "%s_count{mode=\"%s\"} %llu\n", n, mode, (unsigned long long)l->count);
}

static void latency(tb_sbuf *o, const tb_metrics_snap *s)
{
    const char *n = "tradebot_loop_latency_seconds";
    head(o, n, "histogram",
         "How late the loop's probe timer fires (due time to callback start, main thread): how "
         "long a ready event waited for the loop. By mode: live feed or replay.");
    for (int m = 0; m < TB_LOOP_NMODES; m++)
        if (m == (int)s->loop_mode || s->lat[m].count)
            latency_series(o, n, tb_loop_mode_name((tb_loop_mode)m), &s->lat[m]);
}

/* Every kind is exported, zeros included: an alert on rate() needs the series before the first
 * stall. */
static void stalls(tb_sbuf *o, const tb_metrics_snap *s)
{
    head(o, "tradebot_loop_stalls_total", "counter",
         "Times one piece of work held the event loop longer than loop.stall_warn_ms, by kind "
         "(the WARN line 'loop stall:' names it); unnamed: a late probe no named work explains.");
    for (int k = 0; k < TB_WORK_NKINDS; k++)
        labelled(o, "tradebot_loop_stalls_total", "kind", tb_work_kind_name((tb_work_kind)k),
                 (double)s->stalls.count[k]);
    metric(o, "tradebot_loop_stall_longest_seconds", "gauge",
           "The longest loop stall since start (0: none past the threshold).", s->stalls.longest_s);
}

static void process(tb_sbuf *o, const tb_metrics_snap *s)
{
    metric(o, "process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.",
           s->cpu_seconds);
    metric(o, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           s->rss_bytes);
    metric(o, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
           s->vsize_bytes);
    metric(o, "process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.", s->start_time_seconds);
    metric(o, "process_open_fds", "gauge", "Number of open file descriptors.", s->open_fds);
}

static void market(tb_sbuf *o, const tb_metrics_snap *s)
{
    metric(o, "tradebot_bars_total", "counter", "Bars the trader processed.", (double)s->bars);
    metric(o, "tradebot_events_total", "counter", "Strategy callbacks run.", (double)s->events);
    metric(o, "tradebot_bars_per_second", "gauge", "Bars per second over the last push period.",
           s->bars_per_second);
    metric(o, "tradebot_events_per_second", "gauge",
           "Strategy callbacks per second over the last push period.", s->events_per_second);
    head(o, "tradebot_feed_up", "gauge", "1 while the feed delivers data.");
    labelled(o, "tradebot_feed_up", "feed", s->feed, s->feed_running);
    head(o, "tradebot_data_staleness_seconds", "gauge",
         "Wall-clock seconds since the feed last delivered a bar (live feeds: while the market is "
         "open, 0 when closed).");
    labelled(o, "tradebot_data_staleness_seconds", "feed", s->feed, s->feed_staleness_seconds);
    head(o, "tradebot_feed_stale_reconnects_total", "counter",
         "Data stream reconnects by the silence watchdog (connected, market open, no bar).");
    labelled(o, "tradebot_feed_stale_reconnects_total", "feed", s->feed,
             (double)s->feed_stale_reconnects);
    if (s->has_record) {
        metric(o, "tradebot_record_bytes_total", "counter",
               "Bytes of the session recording (data/sessions, docs/replay.md).",
               (double)s->record_bytes);
        metric(o, "tradebot_record_dropped_total", "counter",
               "Session records lost (a failed write stops the recording).",
               (double)s->record_dropped);
        metric(o, "tradebot_record_failed", "gauge",
               "1 when the session recording stopped on a write error.", (double)s->record_failed);
    }
    if (!s->has_bar_store) return;
    metric(o, "tradebot_bar_store_bars_written_total", "counter",
           "Live bars committed to the bar store.", (double)s->bar_store_written);
    metric(o, "tradebot_bar_store_bars_pending", "gauge",
           "Live bars buffered, waiting for the next flush (grows while the database is locked).",
           (double)s->bar_store_pending);
    metric(o, "tradebot_bar_store_failed_flushes_total", "counter",
           "Flushes that kept their bars (locked database, I/O error).",
           (double)s->bar_store_failed_flushes);
    metric(o, "tradebot_bar_store_bars_dropped_total", "counter",
           "Live bars lost because the buffer was full.", (double)s->bar_store_dropped);
}

static void orders(tb_sbuf *o, const tb_metrics_snap *s)
{
    metric(o, "tradebot_intents_total", "counter", "Order intents from strategies.",
           (double)s->intents);
    metric(o, "tradebot_orders_total", "counter", "Orders sent to the broker.", (double)s->orders);
    metric(o, "tradebot_fills_total", "counter", "Executions received.", (double)s->fills);
    metric(o, "tradebot_order_errors_total", "counter", "Intents the order manager refused.",
           (double)s->order_errors);
    counters(o, "tradebot_order_rejects_total", "Orders the broker rejected, by reason.", "reason",
             s->rejects_by_reason);
    counters(o, "tradebot_gate_blocks_total", "Intents blocked before the broker, by gate.", "gate",
             s->blocks_by_gate);
    metric(o, "tradebot_kill_switch_engaged", "gauge", "1 while the kill switch blocks new orders.",
           s->kill_switch);
}

static void account(tb_sbuf *o, const tb_metrics_snap *s)
{
    metric(o, "tradebot_equity_dollars", "gauge", "Account equity marked to the last prices.",
           s->equity);
    metric(o, "tradebot_peak_equity_dollars", "gauge", "Highest equity seen in this run.",
           s->peak_equity);
    metric(o, "tradebot_drawdown_ratio", "gauge", "Fall from the peak equity (0..1).",
           s->drawdown_ratio);
    metric(o, "tradebot_realized_pnl_dollars", "gauge", "Realised P&L before fees.",
           s->realized_pnl);
    metric(o, "tradebot_unrealized_pnl_dollars", "gauge", "Unrealised P&L at the last prices.",
           s->unrealized_pnl);
    metric(o, "tradebot_fees_dollars", "gauge", "Commissions paid.", s->fees);
    metric(o, "tradebot_day_trades_5d", "gauge", "Day trades in the last five sessions (PDT).",
           s->day_trades_5d);
}

static void broker(tb_sbuf *o, const tb_metrics_snap *s)
{
    head(o, "tradebot_broker_connected", "gauge", "1 while the broker connection is ready.");
    labelled(o, "tradebot_broker_connected", "broker", s->broker, s->broker_connected);
    if (s->has_send_queue) {
        head(o, "tradebot_ibkr_send_queue_depth", "gauge",
             "IB messages waiting for the pacer now (at most 40 a second go out).");
        labelled(o, "tradebot_ibkr_send_queue_depth", "broker", s->broker, (double)s->sendq_depth);
        head(o, "tradebot_ibkr_send_queue_max", "gauge", "Most IB messages ever waiting at once.");
        labelled(o, "tradebot_ibkr_send_queue_max", "broker", s->broker, (double)s->sendq_max);
        head(o, "tradebot_ibkr_messages_sent_total", "counter", "IB messages written.");
        labelled(o, "tradebot_ibkr_messages_sent_total", "broker", s->broker,
                 (double)s->sendq_sent);
        head(o, "tradebot_ibkr_pacing_waits_total", "counter",
             "IB messages that waited in the send queue for the pacer.");
        labelled(o, "tradebot_ibkr_pacing_waits_total", "broker", s->broker,
                 (double)s->sendq_delayed);
        head(o, "tradebot_ibkr_messages_dropped_total", "counter",
             "IB messages dropped unsent (connection gone, shutdown bound reached).");
        labelled(o, "tradebot_ibkr_messages_dropped_total", "broker", s->broker,
                 (double)s->sendq_dropped);
    }
    head(o, "tradebot_order_polls_total", "counter",
         "Open orders polled by id by the order watchdog (no update for order_poll_after_s).");
    labelled(o, "tradebot_order_polls_total", "broker", s->broker, (double)s->order_polls);
    head(o, "tradebot_order_polls_learned_total", "counter",
         "Order polls that found a change the order stream had not delivered.");
    labelled(o, "tradebot_order_polls_learned_total", "broker", s->broker,
             (double)s->order_polls_learned);
    head(o, "tradebot_broker_updates_refused_total", "counter",
         "Broker updates (statuses, fills) the order manager could not apply, by reason; each is "
         "logged with its ids.");
    for (int i = 0; s->updates_refused && i < s->updates_refused->n; i++) {
        tb_sbuf_puts(o, "tradebot_broker_updates_refused_total{broker=\"");
        tb_metrics_escape_label(o, s->broker);
        tb_sbuf_puts(o, "\",reason=\"");
        tb_metrics_escape_label(o, s->updates_refused->c[i].name);
        tb_sbuf_puts(o, "\"}");
        value(o, (double)s->updates_refused->c[i].count);
    }
    head(o, "tradebot_orders_unknown", "gauge",
         "Orders whose submission outcome is unknown, looked up at the broker by client id.");
    labelled(o, "tradebot_orders_unknown", "broker", s->broker, (double)s->unknown_orders);
    head(o, "tradebot_order_stream_reconnects_total", "counter",
         "Order stream reconnects forced by the order watchdog.");
    labelled(o, "tradebot_order_stream_reconnects_total", "broker", s->broker,
             (double)s->order_stream_reconnects);
    /* The runbook's "auto-retry with exponential backoff", per HTTP client: the broker's and the
     * live feed's (api: the vendor; client tells them apart when both are the same vendor). */
    head(o, "tradebot_rate_limit_waits_total", "counter",
         "Requests delayed by a per-host rate limit (token bucket).");
    client_pair(o, "tradebot_rate_limit_waits_total", s, s->http_throttled, s->feed_http_throttled);
    head(o, "tradebot_rate_limit_retries_total", "counter",
         "Requests retried with exponential backoff (429, 5xx, transport errors).");
    client_pair(o, "tradebot_rate_limit_retries_total", s, s->http_retries, s->feed_http_retries);
    head(o, "tradebot_http_429_total", "counter", "Answers 429 Too Many Requests.");
    client_pair(o, "tradebot_http_429_total", s, s->http_429, s->feed_http_429);
}

/* Writes that met a locked ml_db/ml_data.db (docs/orders.md, "A locked database"). */
static void database(tb_sbuf *o, const tb_metrics_snap *s)
{
    if (!s->has_db_wait) return;
    metric(o, "tradebot_db_lock_episodes_total", "counter",
           "Periods in which another process held the database's write lock.",
           (double)s->db_lock_episodes);
    metric(o, "tradebot_db_held_updates", "gauge",
           "Broker updates held in memory, in order, until the database takes them.",
           (double)s->db_held_updates);
    metric(o, "tradebot_db_intents_refused_total", "counter",
           "Intents refused because their journal row met the lock (not sent).",
           (double)s->db_intents_refused);
    metric(o, "tradebot_db_unjournaled_cancels_total", "counter",
           "Cancels sent while the database was locked (journaled with the broker's answer).",
           (double)s->db_unjournaled_cancels);
    metric(o, "tradebot_db_rows_dropped_total", "counter",
           "Deferred ML rows lost because their buffer was full.", (double)s->db_rows_dropped);
}

/* Confidence against outcome (the ML Performance board), and each symbol's latest confidence. */
static void ml(tb_sbuf *o, const tb_metrics_snap *s)
{
    static const char *const outcome[3] = {"win", "loss", "open"};
    head(o, "tradebot_ml_predictions_total", "counter",
         "Model predictions by confidence bucket and outcome (win, loss, open).");
    for (int b = 0; s->ml_has_predictions && b < 10; b++)
        for (int k = 0; k < 3; k++) {
            if (s->ml_predictions[b][k] == 0) continue;
            tb_sbuf_printf(
                o, "tradebot_ml_predictions_total{confidence_bucket=\"%.1f-%.1f\",outcome=\"%s\"}",
                b / 10.0, (b + 1) / 10.0, outcome[k]);
            value(o, s->ml_predictions[b][k]);
        }
    head(o, "tradebot_ml_confidence", "gauge", "Confidence of the latest prediction per symbol.");
    for (int i = 0; i < s->nml_conf; i++)
        labelled(o, "tradebot_ml_confidence", "symbol", s->ml_conf[i].symbol,
                 s->ml_conf[i].confidence);
}

/* What docker/prometheus/alerts.yml watches beyond the account and the connections. */
static void ops(tb_sbuf *o, const tb_metrics_snap *s)
{
    if (s->has_daily_loss)
        metric(o, "tradebot_daily_loss_halted", "gauge",
               "1 while the daily loss limit halts entries for the rest of the session.",
               s->daily_loss_halted);
    if (s->has_reconcile) {
        head(o, "tradebot_reconcile_differences_total", "counter",
             "Orders or positions the broker's reconciliation found different from ours.");
        labelled(o, "tradebot_reconcile_differences_total", "broker", s->broker,
                 (double)s->reconcile_differences);
        head(o, "tradebot_position_differences", "gauge",
             "Position differences with the broker that persisted across reconciliations; each "
             "holds new entries on its symbol until it is resolved.");
        labelled(o, "tradebot_position_differences", "broker", s->broker,
                 (double)s->position_differences);
        head(o, "tradebot_reconciles_total", "counter",
             "Reconciliation rounds with the broker (connect, reconnect, timer).");
        labelled(o, "tradebot_reconciles_total", "broker", s->broker, (double)s->reconciles);
        head(o, "tradebot_periodic_reconciles_total", "counter",
             "Reconciliation rounds started while ready (reconcile_interval_s; IB: also the "
             "lookups of unknown orders).");
        labelled(o, "tradebot_periodic_reconciles_total", "broker", s->broker,
                 (double)s->periodic_reconciles);
    }
    if (s->healer_pending >= 0)
        metric(o, "tradebot_healer_pending_approvals", "gauge",
               "Healer changes validated on their branch, waiting for an operator's approval.",
               s->healer_pending);
    if (!s->has_disk) return;
    metric(o, "tradebot_home_disk_free_bytes", "gauge",
           "Bytes available to the engine on the home's file system.", s->disk_free_bytes);
    metric(o, "tradebot_home_disk_size_bytes", "gauge", "Size of the home's file system in bytes.",
           s->disk_size_bytes);
}

/* Net and per-strategy shares (non-zero only), and the portfolio invariant's violations: a
 * count that must stay 0 (docs/orders.md). */
static void positions(tb_sbuf *o, const tb_metrics_snap *s)
{
    head(o, "tradebot_position_shares", "gauge", "The account's net position per symbol.");
    for (int i = 0; i < s->npos; i++)
        if (!s->pos[i].strategy[0])
            labelled(o, "tradebot_position_shares", "symbol", s->pos[i].symbol, s->pos[i].qty);
    const char *n = "tradebot_strategy_position_shares";
    head(o, n, "gauge", "Each strategy's own position per symbol (they sum to the account's).");
    for (int i = 0; i < s->npos; i++) {
        if (!s->pos[i].strategy[0]) continue;
        tb_sbuf_printf(o, "%s{strategy=\"", n);
        tb_metrics_escape_label(o, s->pos[i].strategy);
        tb_sbuf_puts(o, "\",symbol=\"");
        tb_metrics_escape_label(o, s->pos[i].symbol);
        tb_sbuf_puts(o, "\"}");
        value(o, s->pos[i].qty);
    }
    head(o, "tradebot_invariant_violations_total", "counter",
         "Portfolio invariants found broken (each also an ERROR log line).");
    labelled(o, "tradebot_invariant_violations_total", "invariant", "account_equals_strategy_sum",
             (double)s->invariant_violations);
    labelled(o, "tradebot_invariant_violations_total", "invariant", "no_unallowed_short",
             (double)s->unallowed_shorts);
}

void tb_metrics_render(const tb_metrics_snap *s, tb_sbuf *o)
{
    process(o, s);
    latency(o, s);
    stalls(o, s);
    market(o, s);
    orders(o, s);
    account(o, s);
    broker(o, s);
    database(o, s);
    ml(o, s);
    ops(o, s);
    positions(o, s);
    metric(o, "tradebot_strategies", "gauge", "Strategies loaded.", s->strategies);
    metric(o, "tradebot_strategies_disabled", "gauge", "Strategies disabled after errors.",
           s->strategies_disabled);
    metric(o, "tradebot_strategy_errors_total", "counter", "Strategy callbacks that failed.",
           (double)s->strategy_errors);
    metric(o, "tradebot_dashboard_stream_clients", "gauge", "Open server-sent event streams.",
           (double)s->sse_clients);
    head(o, "tradebot_http_requests_total", "counter", "Dashboard requests by class.");
    labelled(o, "tradebot_http_requests_total", "class", "ok", (double)s->http_ok);
    labelled(o, "tradebot_http_requests_total", "class", "client_error",
             (double)s->http_client_errors);
    labelled(o, "tradebot_http_requests_total", "class", "unauthorized",
             (double)s->http_unauthorized);
}

int tb_metrics_read_proc(tb_metrics_snap *s)
{
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return -1;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0, start = 0, vsize = 0;
    long long rss = 0;
    if (!p || sscanf(p + 2,
                     "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d "
                     "%*d %llu %llu %lld",
                     &ut, &st, &start, &vsize, &rss) != 5)
        return -1;
    double tck = (double)sysconf(_SC_CLK_TCK), page = (double)sysconf(_SC_PAGESIZE);
    s->cpu_seconds = (double)(ut + st) / tck;
    s->rss_bytes = (double)rss * page;
    s->vsize_bytes = (double)vsize;
    /* start is in ticks since boot: add the boot time from /proc/stat */
    f = fopen("/proc/stat", "r");
    unsigned long long btime = 0;
    while (f && fgets(buf, sizeof buf, f))
        if (sscanf(buf, "btime %llu", &btime) == 1) break;
    if (f) fclose(f);
    s->start_time_seconds = (double)btime + (double)start / tck;
    int fds = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *de; d && (de = readdir(d));) fds += de->d_name[0] != '.';
    if (d) closedir(d);
    s->open_fds = fds > 0 ? fds - 1 : 0; /* minus the one opendir holds */
    return 0;
}
