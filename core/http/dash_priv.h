/*
 * dash_priv.h - what the dashboard's parts (dashboard.c, api*.c) share; not for other users.
 */
#ifndef TB_HTTP_DASH_PRIV_H
#define TB_HTTP_DASH_PRIV_H

#include "engine/engine.h"
#include "http/dashboard.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/sse.h"
#include "http/trade_log.h"

#include <jansson.h>

struct tb_dashboard {
    tb_engine *en;
    tb_http *http;
    tb_sse *sse;
    struct event *tick;
    /* rates and staleness, sampled every push period */
    uint64_t last_bars, last_events;
    int64_t last_tick_mono, last_bar_wall_ns;
    double bars_ps, events_ps;
    /* what the stream already sent */
    int64_t decisions_off;
    size_t equity_sent;
    tb_trade_log *trades; /* closed trades from oms_fills, read on by each /api/trades */
    char web_dir[4096];
};

/* The /api/status object (also pushed as the "status" event). */
json_t *tb_api_status(tb_dashboard *d);

/* Equity points from index `from` on, as [[t_ms, equity, drawdown], ...] (at most max). */
json_t *tb_api_equity_points(tb_dashboard *d, size_t from, size_t max);

/* Fills a metrics snapshot from the engine. */
void tb_dash_snapshot(tb_dashboard *d, tb_metrics_snap *s);

/* The daily loss halt, reconciliation differences, pending Healer approvals and the home's disk
 * (dash_ops.c); part of tb_dash_snapshot. */
void tb_dash_ops_snapshot(tb_dashboard *d, tb_metrics_snap *s);

/* Handlers (api.c: engine state; api_files.c: files on disk; api_control.c: state changes). */
void tb_api_get_status(const tb_http_req *q);
void tb_api_get_account(const tb_http_req *q);
void tb_api_get_positions(const tb_http_req *q);
void tb_api_get_orders(const tb_http_req *q);
void tb_api_get_fills(const tb_http_req *q);
void tb_api_get_trades(const tb_http_req *q); /* api_trades.c */
void tb_api_get_equity(const tb_http_req *q);
void tb_api_get_strategies(const tb_http_req *q);
void tb_api_get_symbols(const tb_http_req *q);
void tb_api_get_symbol(const tb_http_req *q);
void tb_api_get_gates(const tb_http_req *q);
void tb_api_get_decisions(const tb_http_req *q);
void tb_api_get_candidates(const tb_http_req *q);
void tb_api_get_health(const tb_http_req *q);
void tb_api_get_errors(const tb_http_req *q);
void tb_api_post_kill_switch(const tb_http_req *q);
void tb_api_post_healer_approve(const tb_http_req *q);
void tb_api_post_healer_reject(const tb_http_req *q);
void tb_api_post_healer_rollback(const tb_http_req *q);

/* Reads the last lines of a JSONL file as an array of objects (at most max, newest last);
 * keep(obj, ud) filters (NULL: all). A missing file gives an empty array. */
json_t *tb_api_jsonl_tail(const char *rel, size_t max_bytes, int max,
                          int (*keep)(json_t *obj, void *ud), void *ud);

/* data/healer_active_directives.json's list (a list, or {"directives": [...]}), or NULL; *root
 * gets the parsed file for the caller to free. */
json_t *tb_api_load_directives(json_t **root_out);

#endif
