/* The Alpaca adapter's trade_updates stream and reconciliation (REST is the truth). */
#include "broker/alpaca_priv.h"
#include "log/log.h"
#include "util/clock.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- stream --------------------------------------------------------------------------------- */

static void send_json(alpaca *a, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (s) tb_ws_send_text(a->ws, s, strlen(s));
    free(s);
}

static void on_ws_open(void *ud)
{
    alpaca *a = ud;
    send_json(a, json_pack("{s:s, s:s, s:s}", "action", "auth", "key", a->o.key_id, "secret",
                           a->o.secret_key));
}

static void on_ws_close(void *ud, const char *why)
{
    alpaca *a = ud;
    a->stream_ready = 0;
    a->st.stream_reconnects++;
}

static int reason_event(const char *ev)
{
    return strcmp(ev, "rejected") == 0 || strcmp(ev, "canceled") == 0 ||
           strcmp(ev, "expired") == 0 || strcmp(ev, "order_cancel_rejected") == 0 ||
           strcmp(ev, "order_replace_rejected") == 0;
}

static void on_ws_message(void *ud, const char *data, size_t len, int binary)
{
    alpaca *a = ud;
    alp_stream_msg m;
    tb_err e;
    if (alp_parse_stream(data, len, &m, &e) != 0) {
        a->st.stream_errors++;
        TB_WARN("alpaca", "trade_updates: message ignored: %s", e.msg);
        return;
    }
    if (m.kind == ALP_MSG_AUTH) {
        if (!m.ok) {
            a->st.auth_failures++;
            TB_ERROR("alpaca", "trade_updates: 401 Unauthorized (stream authentication failed)");
            return;
        }
        send_json(a, json_pack("{s:s, s:{s:[s]}}", "action", "listen", "data", "streams",
                               "trade_updates"));
    } else if (m.kind == ALP_MSG_LISTENING && m.ok) {
        a->stream_ready = 1;
        alp_stream_pulse(a, tb_clock_now_ns());
        TB_INFO("alpaca", "trade_updates stream listening");
        /* The stream does not replay what was missed while it was down. */
        if (a->synced_once) alp_sync_start(a);
    } else if (m.kind == ALP_MSG_TRADE_UPDATE) {
        a->st.stream_events++;
        alp_stream_pulse(a, tb_clock_now_ns());
        if (strcmp(m.event, "order_cancel_rejected") == 0 ||
            strcmp(m.event, "order_replace_rejected") == 0)
            m.order.status = m.order.filled_qty && m.order.filled_qty < m.order.qty
                                 ? OMS_ST_PARTIALLY_FILLED
                                 : m.order.status;
        alp_apply(a, &m.order, m.has_exec ? m.execution_id : NULL, m.qty, m.price,
                  reason_event(m.event) ? m.event : NULL);
    }
}

int alp_stream_start(alpaca *a, tb_err *e)
{
    tb_ws_opts wo = {.base = a->o.base,
                     .url = a->o.stream_url,
                     .ca_file = a->o.ca_file,
                     .reconnect_min_ms = a->o.stream_reconnect_min_ms,
                     .reconnect_max_ms = a->o.stream_reconnect_max_ms,
                     .on_open = on_ws_open,
                     .on_message = on_ws_message,
                     .on_close = on_ws_close,
                     .ud = a};
    if (!(a->ws = tb_ws_new(&wo, e))) return -1;
    return tb_ws_start(a->ws, e);
}

/* ---- reconciliation ------------------------------------------------------------------------- */

static void on_sync_timer(evutil_socket_t fd, short w, void *arg);

static void start_timer(alpaca *a)
{
    if (a->sync_timer || a->o.reconcile_interval_ms <= 0) return;
    a->sync_timer = event_new(a->o.base, -1, EV_PERSIST, on_sync_timer, a);
    struct timeval tv = {a->o.reconcile_interval_ms / 1000,
                         (a->o.reconcile_interval_ms % 1000) * 1000};
    if (a->sync_timer) event_add(a->sync_timer, &tv);
}

static void sync_done(alpaca *a, int ok)
{
    a->syncing = 0;
    if (!ok) return;
    int periodic = a->sync_periodic && a->state == BROKER_READY;
    if (a->state == BROKER_SYNCING) a->state = BROKER_READY;
    reconcile_end(&a->round, a->sync_orders, a->npos, periodic);
    a->synced_once = 1;
    start_timer(a);
}

/* ---- our open orders the list did not settle (broker/reconcile.h) ---- */

/* Held legs wait for their parent; unknown ones have their own lookups (alpaca_lookup.c); a
 * submit or lookup in flight settles its order with its answer. */
static int settle_skip(void *ud, const oms_order *o)
{
    return o->status == OMS_ST_HELD || o->status == OMS_ST_UNKNOWN ||
           alp_in_flight(ud, o->client_id);
}

/* Journaled `new` and not acknowledged, with no submit of ours in flight: sent before a crash,
 * or sent and never answered. The list did not show it (yet): unknown. */
static void settle_unacknowledged(void *ud, const oms_order *o)
{
    alp_unknown_mark(ud, o->client_id,
                     "no acknowledgement from the broker (restart or lost answer)");
}

/* Alpaca's list is the latest orders of every status, not the working ones: an order missing
 * from it fell out of that window (or a cancel or replace of it is still pending) and is looked
 * up by client order id, at most ALP_SYNC_LOOKUPS a round (the trading API's rate limit). */
static void settle_missing(void *ud, const oms_order *o)
{
    alpaca *a = ud;
    if (a->sync_lookups < ALP_SYNC_LOOKUPS && alp_lookup(a, o->client_id, NULL) == 0)
        a->sync_lookups++;
}

static void on_sync_positions(alp_req *q, const tb_httpc_resp *r)
{
    alpaca *a = q->a;
    tb_err e;
    if (r->status != 200 ||
        alp_parse_positions(r->body, r->len, a->pos, ALP_POSITIONS, &a->npos, &e) != 0) {
        if (r->status == 401 || r->status == 403) alp_auth_failed(a, r);
        TB_WARN("alpaca", "reconcile: positions request failed (status %ld)", r->status);
        sync_done(a, 0);
        return;
    }
    reconcile_positions(&a->round, a->pos, a->npos);
    a->sync_lookups = 0;
    reconcile_settle_missing(&a->round, &(reconcile_settle){.skip = settle_skip,
                                                            .unacknowledged = settle_unacknowledged,
                                                            .missing = settle_missing,
                                                            .ud = a});
    sync_done(a, 1);
}

static void on_sync_order(void *ud, const alp_order *o)
{
    alp_req *q = ud;
    q->count++;
    alpaca *a = q->a;
    const oms_order *mine = alp_held(a, o);
    char cid[OMS_CLIENT_ID_MAX + 1];
    if (mine) oms_strlcpy(cid, mine->client_id, sizeof cid);
    a->quiet_apply = 1; /* a list is not news of the order: the watchdog still polls it */
    alp_apply(a, o, NULL, 0, 0, NULL);
    a->quiet_apply = 0;
    /* The list holds every status (older sessions' orders too): only one still working at the
     * broker is an open order the engine lost; IB's list holds only open ones (ibkr_apply.c). */
    if (!mine && !oms_status_is_terminal(o->status))
        reconcile_foreign_open(&a->round, o->client_order_id, o->id);
    /* Settled by the list, unless a cancel or replace of it is still pending there. */
    if (mine && (mine = oms_find(a->o.oms, cid)) && mine->status != OMS_ST_PENDING_CANCEL &&
        mine->status != OMS_ST_PENDING_REPLACE)
        reconcile_saw(&a->round, cid);
}

static void on_sync_orders(alp_req *q, const tb_httpc_resp *r)
{
    alpaca *a = q->a;
    tb_err e;
    if (r->status != 200 || alp_parse_order_list(r->body, r->len, on_sync_order, q, &e) != 0) {
        if (r->status == 401 || r->status == 403) alp_auth_failed(a, r);
        TB_WARN("alpaca", "reconcile: orders request failed (status %ld)", r->status);
        sync_done(a, 0);
        return;
    }
    TB_DEBUG("alpaca", "reconcile: %d orders from the broker", q->count);
    a->sync_orders = q->count;
    alp_req *n = alp_req_new(a, RQ_SYNC, NULL);
    if (!n) return sync_done(a, 0);
    n->on_done = on_sync_positions;
    if (alp_request(a, n, "GET", "/v2/positions", NULL, TB_HTTP_RETRY_ALL, &e) != 0)
        sync_done(a, 0);
}

/* Starts a reconciliation; periodic: started by the timer (its summary line says so). */
static void sync_start(alpaca *a, int periodic)
{
    if (a->syncing || a->state == BROKER_DISCONNECTED) return;
    a->syncing = 1;
    a->sync_periodic = periodic;
    a->sync_orders = 0;
    a->round = (reconcile_round){.who = "alpaca",
                                 .orders = "orders listed by the broker",
                                 .oms = a->o.oms,
                                 .posdiff = &a->posdiff,
                                 .differences = &a->st.differences,
                                 .reconciles = &a->st.reconciles,
                                 .periodic = &a->st.periodic_reconciles,
                                 .seen = &a->seen};
    reconcile_begin(&a->round);
    alp_req *q = alp_req_new(a, RQ_SYNC, NULL);
    tb_err e;
    if (!q) return sync_done(a, 0);
    q->on_done = on_sync_orders;
    if (alp_request(a, q, "GET", "/v2/orders?status=all&limit=500&direction=desc&nested=true", NULL,
                    TB_HTTP_RETRY_ALL, &e) != 0)
        sync_done(a, 0);
}

static void on_sync_timer(evutil_socket_t fd, short w, void *arg)
{
    alpaca *a = arg;
    if (a->state == BROKER_READY) sync_start(a, 1);
}

void alp_sync_start(alpaca *a)
{
    sync_start(a, 0);
}

void alpaca_reconcile(alpaca *a)
{
    alp_sync_start(a);
}
