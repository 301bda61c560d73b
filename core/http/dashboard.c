#include "http/dash_priv.h"
#include "broker/alpaca.h"
#include "broker/ibkr.h"
#include "data/bar_sink.h"
#include "engine/dbwait.h"
#include "loop/stall.h"
#include "ml/ml.h"
#include "ml/ml_store.h"
#include "oms/unknown.h"
#include "home/home.h"
#include "replay/recorder.h"
#include "log/log.h"
#include "log/redact.h"
#include "log/tail.h"
#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TB_WEB_DIR
#define TB_WEB_DIR ""
#endif

static void get_metrics(const tb_http_req *q);
static void get_stream(const tb_http_req *q);

static const tb_http_route routes[] = {
    {"/metrics", TB_HTTP_GET, 0, get_metrics},
    {"/api/stream", TB_HTTP_GET, 0, get_stream},
    {"/api/status", TB_HTTP_GET, 0, tb_api_get_status},
    {"/api/account", TB_HTTP_GET, 0, tb_api_get_account},
    {"/api/positions", TB_HTTP_GET, 0, tb_api_get_positions},
    {"/api/orders", TB_HTTP_GET, 0, tb_api_get_orders},
    {"/api/fills", TB_HTTP_GET, 0, tb_api_get_fills},
    {"/api/trades", TB_HTTP_GET, 0, tb_api_get_trades},
    {"/api/equity", TB_HTTP_GET, 0, tb_api_get_equity},
    {"/api/strategies", TB_HTTP_GET, 0, tb_api_get_strategies},
    {"/api/symbols", TB_HTTP_GET, 0, tb_api_get_symbols},
    {"/api/symbol/", TB_HTTP_GET, 0, tb_api_get_symbol},
    {"/api/gates", TB_HTTP_GET, 0, tb_api_get_gates},
    {"/api/decisions", TB_HTTP_GET, 0, tb_api_get_decisions},
    {"/api/candidates", TB_HTTP_GET, 0, tb_api_get_candidates},
    {"/api/health", TB_HTTP_GET, 0, tb_api_get_health},
    {"/api/errors", TB_HTTP_GET, 0, tb_api_get_errors},
    {"/api/kill_switch", TB_HTTP_POST, 1, tb_api_post_kill_switch},
    {"/api/healer/approve/", TB_HTTP_POST, 1, tb_api_post_healer_approve},
    {"/api/healer/reject/", TB_HTTP_POST, 1, tb_api_post_healer_reject},
    {"/api/healer/rollback/", TB_HTTP_POST, 1, tb_api_post_healer_rollback},
    {NULL, 0, 0, NULL},
};

int tb_dashboard_token(const char *path, char *out, size_t len, tb_err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        unsigned char raw[32];
        if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
            return tb_errf(e, "%s: no random bytes: %s", path, strerror(errno));
        char hex[65];
        for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) return tb_errf(e, "%s: cannot create: %s", path, strerror(errno));
        ssize_t w = write(fd, hex, 64), w2 = write(fd, "\n", 1);
        close(fd);
        if (w != 64 || w2 != 1) return tb_errf(e, "%s: short write", path);
        snprintf(out, len, "%s", hex);
        return 1;
    }
    if (fd < 0) return tb_errf(e, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || (st.st_mode & 077)) {
        close(fd);
        return tb_errf(e, "%s: mode %03o lets others read the token; chmod 600 it", path,
                       (unsigned)(st.st_mode & 0777));
    }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) return tb_errf(e, "%s: %s", path, strerror(errno));
    buf[n] = 0;
    buf[strcspn(buf, "\r\n \t")] = 0;
    if (strlen(buf) < 16) return tb_errf(e, "%s: the token must have at least 16 characters", path);
    snprintf(out, len, "%s", buf);
    return 0;
}

static void resolve_web_dir(tb_dashboard *d)
{
    const char *cfg = d->en->cfg.dashboard.web_dir;
    char cand[4096];
    if (cfg && *cfg) {
        if (cfg[0] == '/')
            snprintf(d->web_dir, sizeof d->web_dir, "%s", cfg);
        else
            tb_home_path(d->web_dir, sizeof d->web_dir, cfg);
        return;
    }
    /* A home with its own web/ wins; otherwise the pages of the tree this binary was built in. */
    tb_home_path(cand, sizeof cand, "web/index.html");
    if (access(cand, R_OK) == 0)
        tb_home_path(d->web_dir, sizeof d->web_dir, "web");
    else
        snprintf(d->web_dir, sizeof d->web_dir, "%s", TB_WEB_DIR);
}

/* The ML gate's decisions by confidence decile and outcome, and the symbols' latest confidence. */
static void ml_snapshot(tb_engine *en, tb_metrics_snap *s)
{
    if (en->db && tb_ml_decisions_by_decile(en->db->h, s->ml_predictions) > 0)
        s->ml_has_predictions = 1;
    if (!en->runner_open || !en->ml.ml) return;
    uint32_t n = tb_symtab_count(&en->runner.syms);
    for (uint32_t i = 0; i < n && s->nml_conf < 64; i++) {
        const char *sym = tb_symtab_name(&en->runner.syms, i);
        double c = tb_ml_confidence(en->ml.ml, sym);
        if (!isfinite(c)) continue;
        snprintf(s->ml_conf[s->nml_conf].symbol, sizeof s->ml_conf[0].symbol, "%s", sym);
        s->ml_conf[s->nml_conf++].confidence = c;
    }
}

/* The HTTP clients' retry counters and what waited for a locked database. */
static void net_snapshot(tb_engine *en, tb_metrics_snap *s)
{
    tb_httpc_stats h;
    if (en->http) {
        tb_httpc_stats_get(en->http, &h);
        s->http_retries = h.retries, s->http_429 = h.status_429, s->http_throttled = h.throttled;
    }
    if (en->runner_open && en->runner.live) {
        tb_live_http_stats(en->runner.live, &h);
        s->has_feed_http = 1;
        s->feed_http_retries = h.retries, s->feed_http_429 = h.status_429;
        s->feed_http_throttled = h.throttled;
    }
    if (en->ibkr) {
        ibkr_conn_stats c;
        ibkr_get_conn_stats(en->ibkr, &c);
        s->has_send_queue = 1;
        s->sendq_depth = c.queue_depth, s->sendq_max = c.max_queue, s->sendq_sent = c.msgs_sent;
        s->sendq_delayed = c.msgs_delayed, s->sendq_dropped = c.msgs_discarded;
    }
    if (en->dbwait) {
        tb_dbwait_stats w;
        tb_dbwait_stats_get(en->dbwait, &w);
        s->has_db_wait = 1;
        s->db_lock_episodes = w.episodes, s->db_held_updates = w.held_updates;
        s->db_intents_refused = w.intents_refused, s->db_rows_dropped = w.rows_dropped;
        s->db_unjournaled_cancels = w.unjournaled_cancels;
    }
}

/* Non-zero positions: the account's per symbol, then each strategy's. */
static void positions_snapshot(oms *m, tb_metrics_snap *s)
{
    const oms_position *ps[TB_METRICS_POS_MAX];
    const char *names[TB_METRICS_POS_MAX];
    int n = oms_positions(m, ps, TB_METRICS_POS_MAX);
    for (int i = 0; i < n && i < TB_METRICS_POS_MAX && s->npos < TB_METRICS_POS_MAX; i++) {
        if (!ps[i]->qty) continue;
        snprintf(s->pos[s->npos].symbol, sizeof s->pos[0].symbol, "%s", ps[i]->symbol);
        s->pos[s->npos++].qty = (double)ps[i]->qty;
    }
    n = oms_strategy_positions(m, names, ps, TB_METRICS_POS_MAX);
    for (int i = 0; i < n && i < TB_METRICS_POS_MAX && s->npos < TB_METRICS_POS_MAX; i++) {
        if (!ps[i]->qty) continue;
        snprintf(s->pos[s->npos].symbol, sizeof s->pos[0].symbol, "%s", ps[i]->symbol);
        snprintf(s->pos[s->npos].strategy, sizeof s->pos[0].strategy, "%s", names[i]);
        s->pos[s->npos++].qty = (double)ps[i]->qty;
    }
    s->invariant_violations = oms_invariant_violations(m);
}

void tb_dash_snapshot(tb_dashboard *d, tb_metrics_snap *s)
{
    tb_engine *en = d->en;
    memset(s, 0, sizeof *s);
    tb_metrics_read_proc(s);
    for (int m = 0; m < TB_LOOP_NMODES; m++) tb_loop_latency_of(en->loop, m, &s->lat[m]);
    s->loop_mode = tb_loop_get_mode(en->loop);
    tb_loop_stalls(en->loop, &s->stalls);
    s->feed = en->cfg.feed;
    s->broker = en->cfg.broker;
    s->bars_per_second = d->bars_ps;
    s->events_per_second = d->events_ps;
    for (int i = 0; i < en->shost.n; i++) {
        s->events += en->shost.s[i]->events;
        s->strategy_errors += en->shost.s[i]->errors;
        s->strategies_disabled += en->shost.s[i]->disabled != 0;
    }
    s->strategies = en->shost.n;
    s->sse_clients = tb_sse_count(d->sse);
    tb_http_counts(d->http, &s->http_ok, &s->http_client_errors, &s->http_unauthorized);
    json_t *st = tb_api_status(d);
    json_t *acct = json_object_get(st, "account");
    s->equity = json_number_value(json_object_get(acct, "equity"));
    s->peak_equity = json_number_value(json_object_get(acct, "peak_equity"));
    s->drawdown_ratio = json_number_value(json_object_get(acct, "drawdown"));
    s->realized_pnl = json_number_value(json_object_get(acct, "realized_pnl"));
    s->unrealized_pnl = json_number_value(json_object_get(acct, "unrealized_pnl"));
    s->fees = json_number_value(json_object_get(acct, "fees"));
    s->day_trades_5d =
        (int)json_integer_value(json_object_get(json_object_get(st, "pdt"), "day_trade_count"));
    s->broker_connected = json_is_true(json_object_get(json_object_get(st, "broker"), "connected"));
    s->feed_running = json_is_true(json_object_get(json_object_get(st, "feed"), "connected"));
    s->feed_stale_reconnects = (uint64_t)json_integer_value(
        json_object_get(json_object_get(st, "feed"), "stale_reconnects"));
    s->kill_switch = json_is_true(json_object_get(json_object_get(st, "kill_switch"), "engaged"));
    json_decref(st);
    if (en->runner_open && en->runner.trader) {
        tb_trader_stats ts;
        tb_trader_stats_get(en->runner.trader, &ts);
        s->bars = ts.bars, s->intents = ts.intents, s->orders = ts.orders, s->fills = ts.fills;
        s->rejects = ts.rejected, s->blocks = ts.blocked, s->order_errors = ts.errors;
        s->rejects_by_reason = tb_trader_rejects(en->runner.trader);
        s->blocks_by_gate = tb_trader_gate_blocks(en->runner.trader);
        oms *m = tb_trader_oms(en->runner.trader);
        s->updates_refused = oms_refused_by_reason(m);
        s->unknown_orders = (uint64_t)oms_unknown_count(m);
        positions_snapshot(m, s);
        s->unallowed_shorts = ts.unallowed_shorts;
    }
    s->feed_staleness_seconds =
        d->last_bar_wall_ns ? (double)(tb_clock_now_ns() - d->last_bar_wall_ns) / 1e9 : 0;
    if (en->runner_open && en->runner.live) /* a live feed knows market hours */
        s->feed_staleness_seconds = tb_live_staleness_s(en->runner.live, tb_clock_now_ns());
    if (en->alpaca) {
        alpaca_stats as;
        alpaca_stats_get(en->alpaca, &as);
        s->order_polls = as.order_polls, s->order_polls_learned = as.polls_learned;
        s->order_stream_reconnects = as.stream_forced_reconnects;
    }
    net_snapshot(en, s);
    if (en->bar_sink) {
        tb_bar_sink_stats bs;
        tb_bar_sink_stats_get(en->bar_sink, &bs);
        s->has_bar_store = 1;
        s->bar_store_written = bs.written, s->bar_store_pending = bs.pending;
        s->bar_store_failed_flushes = bs.failed_flushes, s->bar_store_dropped = bs.dropped;
    }
    if (en->recorder) {
        tb_recorder_stats rs;
        tb_recorder_stats_get(en->recorder, &rs);
        s->has_record = 1;
        s->record_bytes = rs.bytes, s->record_dropped = rs.dropped, s->record_failed = rs.failed;
    }
    ml_snapshot(en, s);
    tb_dash_ops_snapshot(d, s);
}

static void get_metrics(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    tb_metrics_snap s;
    tb_dash_snapshot(d, &s);
    tb_sbuf b = {0};
    tb_metrics_render(&s, &b);
    tb_http_reply(q->r, b.oom ? 500 : 200, "text/plain; version=0.0.4; charset=utf-8", b.s, b.len);
    tb_sbuf_free(&b);
}

static void get_stream(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    if (tb_sse_add(d->sse, q->r) != 0) return;
    json_t *st = tb_api_status(d);
    char *s = json_dumps(st, JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(st);
    if (s) tb_sse_broadcast(d->sse, "status", s);
    free(s);
}

static void push_decision(const char *line, size_t len, void *ud)
{
    tb_sse_broadcast(ud, "decision", line);
}

/* New equity points and decision lines since the last push, and a fresh status. */
static void push(tb_dashboard *d)
{
    char *s;
    json_t *st = tb_api_status(d);
    if ((s = json_dumps(st, JSON_COMPACT | JSON_REAL_PRECISION(12))))
        tb_sse_broadcast(d->sse, "status", s);
    free(s);
    json_decref(st);
    size_t n = d->en->runner_open ? d->en->runner.ncurve : 0;
    if (n > d->equity_sent) {
        json_t *pts = tb_api_equity_points(d, d->equity_sent, 2000);
        if ((s = json_dumps(pts, JSON_COMPACT | JSON_REAL_PRECISION(12))))
            tb_sse_broadcast(d->sse, "equity", s);
        free(s);
        json_decref(pts);
    }
    char path[4096];
    tb_home_path(path, sizeof path, "logs/enhanced_decision_log.jsonl");
    int64_t off = tb_tail_from(path, d->decisions_off, 256 * 1024, push_decision, d->sse);
    if (off >= 0) d->decisions_off = off;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_TIMER, "dashboard push", NULL);
    tb_dashboard *d = arg;
    tb_engine *en = d->en;
    int64_t now = tb_clock_mono_ns();
    uint64_t bars = 0, events = 0;
    if (en->runner_open && en->runner.trader) {
        tb_trader_stats ts;
        tb_trader_stats_get(en->runner.trader, &ts);
        bars = ts.bars;
    }
    for (int i = 0; i < en->shost.n; i++) events += en->shost.s[i]->events;
    double dt = (double)(now - d->last_tick_mono) / 1e9;
    if (d->last_tick_mono && dt > 0) {
        d->bars_ps = (double)(bars - d->last_bars) / dt;
        d->events_ps = (double)(events - d->last_events) / dt;
    }
    if (bars != d->last_bars || !d->last_bar_wall_ns) d->last_bar_wall_ns = tb_clock_now_ns();
    d->last_bars = bars, d->last_events = events, d->last_tick_mono = now;
    if (tb_sse_count(d->sse)) {
        push(d);
    } else {
        /* nobody listens: only remember where the streams would start */
        d->equity_sent = en->runner_open ? en->runner.ncurve : 0;
        char path[4096];
        struct stat st;
        if (stat(tb_home_path(path, sizeof path, "logs/enhanced_decision_log.jsonl"), &st) == 0)
            d->decisions_off = st.st_size;
    }
    tb_work_end();
}

tb_dashboard *tb_dashboard_open(tb_engine *en, tb_err *e)
{
    const tb_config *c = &en->cfg;
    char path[4096], token[128];
    tb_home_path(path, sizeof path, c->dashboard.token_file);
    int made = tb_dashboard_token(path, token, sizeof token, e);
    if (made < 0) return NULL;
    tb_redact_add_secret(token);
    if (made)
        TB_INFO("dashboard", "created the dashboard token in %s (mode 0600)",
                c->dashboard.token_file);
    tb_dashboard *d = calloc(1, sizeof *d);
    if (!d || !(d->sse = tb_sse_new()) || !(d->trades = tb_trade_log_new())) {
        if (d) tb_sse_free(d->sse);
        free(d);
        tb_errf(e, "dashboard: out of memory");
        return NULL;
    }
    d->en = en;
    struct event_base *base = tb_loop_base(en->loop);
    d->http = tb_http_new(base, c->dashboard.bind, (int)c->dashboard.port, token, routes, d, e);
    memset(token, 0, sizeof token);
    if (!d->http) {
        /* Say which setting moves it: the operator's next step. */
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        tb_errf(e,
                "%s; choose another with dashboard.port in %s or `tradebot run --port N` "
                "(0: any free port)",
                why, TB_CONFIG_PATH);
        tb_dashboard_close(d);
        return NULL;
    }
    resolve_web_dir(d);
    tb_http_set_static_dir(d->http, d->web_dir);
    d->tick = event_new(base, -1, EV_PERSIST, on_tick, d);
    struct timeval tv = {c->dashboard.push_ms / 1000, (c->dashboard.push_ms % 1000) * 1000};
    if (!d->tick || event_add(d->tick, &tv) != 0) {
        tb_dashboard_close(d);
        tb_errf(e, "dashboard: cannot start the push timer");
        return NULL;
    }
    on_tick(-1, 0, d);
    TB_INFO("dashboard", "dashboard listening: http://%s:%d/ (pages from %s)", c->dashboard.bind,
            tb_http_port(d->http), d->web_dir[0] ? d->web_dir : "nowhere");
    return d;
}

int tb_dashboard_port(const tb_dashboard *d)
{
    return d ? tb_http_port(d->http) : 0;
}

void tb_dashboard_close(tb_dashboard *d)
{
    if (!d) return;
    if (d->tick) event_free(d->tick);
    tb_sse_free(d->sse);
    tb_http_free(d->http);
    tb_trade_log_free(d->trades);
    free(d);
}
