#include "broker/ibkr_priv.h"
#include "broker/ibkr_sendlog.h"
#include "log/log.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- id map --------------------------------------------------------------------------------- */

void ibk_map_put(ibkr *a, int64_t order_id, const char *cid)
{
    for (int i = 0; i < IBK_IDMAP; i++)
        if (a->map[i].order_id == order_id && a->map[i].cid[0]) {
            if (strcmp(a->map[i].cid, cid)) a->map[i].cum_base = 0; /* a new owner */
            oms_strlcpy(a->map[i].cid, cid, sizeof a->map[i].cid);
            return;
        }
    ibk_idmap_entry *m = &a->map[a->map_next++ % IBK_IDMAP];
    m->order_id = order_id;
    m->cum_base = 0;
    oms_strlcpy(m->cid, cid, sizeof m->cid);
}

static ibk_idmap_entry *map_entry(ibkr *a, int64_t order_id)
{
    for (int i = 0; i < IBK_IDMAP; i++)
        if (a->map[i].order_id == order_id && a->map[i].cid[0]) return &a->map[i];
    return NULL;
}

tb_qty ibk_map_base(const ibkr *a, int64_t order_id)
{
    ibk_idmap_entry *m = map_entry((ibkr *)a, order_id);
    return m ? m->cum_base : 0;
}

const char *ibk_map_cid(const ibkr *a, int64_t order_id)
{
    for (int i = 0; i < IBK_IDMAP; i++)
        if (a->map[i].order_id == order_id && a->map[i].cid[0]) return a->map[i].cid;
    return NULL;
}

int64_t ibk_map_id(const ibkr *a, const char *cid)
{
    for (int i = 0; i < IBK_IDMAP; i++)
        if (a->map[i].cid[0] && strcmp(a->map[i].cid, cid) == 0) return a->map[i].order_id;
    return 0;
}

void ibk_update_cum(ibkr *a, const char *cid, int64_t order_id, oms_status st, const char *reason,
                    tb_qty cum_qty)
{
    char bid[24] = "";
    if (order_id > 0) snprintf(bid, sizeof bid, "%lld", (long long)order_id);
    broker_update u = {.client_id = cid,
                       .broker_id = bid[0] ? bid : NULL,
                       .status = st,
                       .reason = reason,
                       .cum_qty = cum_qty,
                       .t_ns = tb_clock_now_ns()};
    if (a->fn) a->fn(a->ud, &u);
}

void ibk_update(ibkr *a, const char *cid, int64_t order_id, oms_status st, const char *reason)
{
    ibk_update_cum(a, cid, order_id, st, reason, 0);
}

/* ---- connection ----------------------------------------------------------------------------- */

void ibk_request_account(ibkr *a)
{
    tb_sbuf b = {0};
    tb_err e;
    if (a->acct_active && ibkr_enc_cancel_account_summary(&b, a->acct_active, &e) == 0)
        ibkr_conn_send(a->conn, &b);
    int64_t id = ++a->acct_req + 9000;
    if (ibkr_enc_account_summary(&b, id, &e) == 0 && ibkr_conn_send(a->conn, &b) == 0)
        a->acct_active = id;
    tb_sbuf_free(&b);
}

static void on_conn_state(void *ud, ibkr_state s)
{
    ibkr *a = ud;
    static const broker_state map[] = {BROKER_DISCONNECTED, BROKER_CONNECTING, BROKER_SYNCING,
                                       BROKER_READY, BROKER_SYNCING /* paused: no orders */};
    if (s == IBC_DISCONNECTED) a->acct_active = 0; /* subscriptions end with the session */
    if (a->quiet && s != IBC_READY) a->quiet = a->syncing = 0; /* abandoned: a full sync follows */
    if (s == IBC_SYNCING) ibk_sync_begin(a);
    if (s == IBC_READY && a->syncing) {
        ibk_sync_end(a);
        ibk_request_account(a);
    }
    a->state = map[s];
}

static void on_quiet_synced(void *ud)
{
    ibkr *a = ud;
    if (a->syncing && a->quiet) ibk_sync_end(a);
}

static void on_reconcile_timer(evutil_socket_t fd, short w, void *arg)
{
    ibk_quiet_sync(arg);
}

static void on_sent(void *ud, const void *frame, size_t len);

static int v_connect(void *self, tb_err *e)
{
    ibkr *a = self;
    if (a->conn) return 0;
    ibkr_conn_opts co = {.base = a->o.base,
                         .host = a->host,
                         .port = a->o.port,
                         .client_id = a->o.client_id,
                         .alt_client_id = a->o.alt_client_id,
                         .persisted_next_id = a->st.last_order_id,
                         .reconnect_min_ms = a->o.reconnect_min_ms,
                         .reconnect_max_ms = a->o.reconnect_max_ms,
                         .on_state = on_conn_state,
                         .on_message = ibk_on_message,
                         .on_quiet_synced = on_quiet_synced,
                         .on_sent = on_sent,
                         .ud = a};
    if (!(a->conn = ibkr_conn_new(&co, e))) return -1;
    if (a->tap.ud) ibkr_conn_set_tap(a->conn, &a->tap);
    if (a->o.reconcile_interval_ms > 0 && !a->reconcile_timer) {
        a->reconcile_timer = event_new(a->o.base, -1, EV_PERSIST, on_reconcile_timer, a);
        struct timeval tv = {a->o.reconcile_interval_ms / 1000,
                             (a->o.reconcile_interval_ms % 1000) * 1000};
        if (!a->reconcile_timer || evtimer_add(a->reconcile_timer, &tv) != 0)
            return tb_errf(e, "ibkr: cannot create the reconcile timer");
    }
    a->state = BROKER_CONNECTING;
    return ibkr_conn_start(a->conn, e);
}

static int v_disconnect(void *self, tb_err *e)
{
    ibkr *a = self;
    if (a->conn && a->tap.on_state) a->tap.on_state(a->tap.ud, IBC_DISCONNECTED); /* subs end */
    if (a->conn) ibkr_conn_drain(a->conn, IBKR_DRAIN_MS);
    ibkr_conn_free(a->conn); /* closes the socket: the Gateway frees the client id at once */
    a->conn = NULL;
    if (a->reconcile_timer) event_free(a->reconcile_timer);
    a->reconcile_timer = NULL;
    a->state = BROKER_DISCONNECTED;
    return 0;
}

static broker_state v_state(void *self)
{
    return ((ibkr *)self)->state;
}

/* ---- orders --------------------------------------------------------------------------------- */

static int send_order(ibkr *a, const oms_order *o, int64_t id, int64_t parent, int transmit,
                      tb_err *e)
{
    ibkr_order w = {.order_id = id,
                    .parent_id = parent,
                    .symbol = o->symbol,
                    .account = a->account,
                    .order_ref = o->client_id,
                    .side = o->side,
                    .type = o->type,
                    .tif = o->tif,
                    .qty = o->qty,
                    .limit_price = o->limit_price,
                    .stop_price = o->stop_price,
                    .transmit = transmit};
    tb_sbuf b = {0};
    int rc = ibkr_enc_place(&b, &w, e);
    if (rc == 0 && (rc = ibkr_conn_send(a->conn, &b)) != 0)
        tb_errf(e, "ibkr: the connection dropped while sending order %s", o->client_id);
    tb_sbuf_free(&b);
    size_t waiting = rc == 0 ? ibkr_conn_queued(a->conn) : 0;
    if (waiting) /* "order sent" comes when the pacer writes it (on_sent) */
        TB_INFO("ibkr", "order queued: %s id=%lld (%zu messages waiting for the pacer)",
                o->client_id, (long long)id, waiting);
    return rc;
}

/* A frame reached the socket: an order is "sent" now, not when it was queued. */
static void on_sent(void *ud, const void *frame, size_t len)
{
    ibkr *a = ud;
    ibkr_frame_info i;
    ibkr_frame_info_of(frame, len, &i);
    if (i.msg_id != 3) return;
    a->st.orders_sent++;
    const oms_order *o = oms_find(a->o.oms, i.ref);
    if (!o) {
        TB_INFO("ibkr", "order sent: %s id=%lld", i.ref, (long long)i.order_id);
        return;
    }
    TB_INFO("ibkr", "order sent: %s id=%lld %s %s %lld %s%s", o->client_id, (long long)i.order_id,
            oms_side_name(o->side), o->symbol, (long long)o->qty, oms_type_name(o->type),
            o->leg != OMS_LEG_NONE ? " (bracket leg)" : "");
}

static void refuse(ibkr *a, const broker_submit_req *r, const char *why)
{
    ibk_update(a, r->order->client_id, 0, OMS_ST_REJECTED, why);
    if (r->take_profit) ibk_update(a, r->take_profit->client_id, 0, OMS_ST_REJECTED, why);
    if (r->stop_loss) ibk_update(a, r->stop_loss->client_id, 0, OMS_ST_REJECTED, why);
}

static int v_submit(void *self, const broker_submit_req *r, tb_err *e)
{
    ibkr *a = self;
    if (a->state != BROKER_READY)
        return tb_errf(e, "ibkr: broker is %s, not ready", broker_state_name(a->state));
    a->st.submits++;
    if (ibkr_in_restart_window(tb_clock_now_ns(), a->restart_sec, a->restart_utc,
                               a->o.restart_window_minutes)) {
        char why[160];
        snprintf(why, sizeof why,
                 "no new orders within %d minutes of the Gateway's restart (%s %s)",
                 a->o.restart_window_minutes, a->restart_time, a->restart_zone);
        a->st.window_refusals++;
        TB_WARN("ibkr", "order %s refused: %s", r->order->client_id, why);
        refuse(a, r, why);
        return 0;
    }
    if (r->order->tif == OMS_TIF_OPG || r->order->tif == OMS_TIF_CLS) {
        refuse(a, r, "ibkr: time in force opg/cls is not supported by this adapter");
        return 0;
    }
    int legs = r->take_profit && r->stop_loss;
    int64_t id = ibkr_conn_take_order_id(a->conn);
    if (id <= 0) return tb_errf(e, "ibkr: no order id from the Gateway yet");
    int64_t last = id + (legs ? 2 : 0);
    if (legs) ibkr_conn_take_order_id(a->conn), ibkr_conn_take_order_id(a->conn);
    /* Persisted before the socket sees it: a crash can skip ids, never reuse one. */
    if (a->o.save_order_id && a->o.save_order_id(a->o.save_ud, last, e) != 0) return -1;
    a->st.last_order_id = last;
    ibk_map_put(a, id, r->order->client_id);
    if (legs) {
        ibk_map_put(a, id + 1, r->take_profit->client_id);
        ibk_map_put(a, id + 2, r->stop_loss->client_id);
        /* TWS: parent and first leg transmit=0, the last leg transmit=1 sends all three. */
        if (send_order(a, r->order, id, 0, 0, e) != 0 ||
            send_order(a, r->take_profit, id + 1, id, 0, e) != 0 ||
            send_order(a, r->stop_loss, id + 2, id, 1, e) != 0)
            return -1;
        return 0;
    }
    return send_order(a, r->order, id, 0, 1, e);
}

static int v_cancel(void *self, const oms_order *o, tb_err *e)
{
    ibkr *a = self;
    if (a->state == BROKER_DISCONNECTED || a->state == BROKER_CONNECTING)
        return tb_errf(e, "ibkr: broker is %s, cannot cancel", broker_state_name(a->state));
    int64_t id = o->broker_id[0] ? strtoll(o->broker_id, NULL, 10) : ibk_map_id(a, o->client_id);
    if (id <= 0) return tb_errf(e, "ibkr: order %s has no IB order id", o->client_id);
    tb_sbuf b = {0};
    int rc = ibkr_enc_cancel(&b, id, e);
    if (rc == 0 && (rc = ibkr_conn_send(a->conn, &b)) != 0)
        tb_errf(e, "ibkr: not connected: cancel of %s not sent", o->client_id);
    tb_sbuf_free(&b);
    if (rc == 0) {
        a->st.cancels++;
        TB_INFO("ibkr", "cancel sent: %s id=%lld", o->client_id, (long long)id);
    }
    return rc;
}

/*
 * IB modifies an order in place: placeOrder again with the same order id. The IB order then
 * belongs to the new client id (orderRef too); the old order is replaced once IB acknowledges.
 * totalQuantity is the whole IB order, so the shares already filled are added back.
 */
static int v_replace(void *self, const broker_replace_req *r, tb_err *e)
{
    ibkr *a = self;
    const oms_order *old = r->old_order;
    if (a->state != BROKER_READY)
        return tb_errf(e, "ibkr: broker is %s, not ready", broker_state_name(a->state));
    int64_t id =
        old->broker_id[0] ? strtoll(old->broker_id, NULL, 10) : ibk_map_id(a, old->client_id);
    if (id <= 0) return tb_errf(e, "ibkr: order %s has no IB order id", old->client_id);
    oms_order w = *r->new_order;
    w.qty += old->filled_qty;
    ibk_map_put(a, id, w.client_id);
    map_entry(a, id)->cum_base = old->filled_qty;
    if (send_order(a, &w, id, 0, 1, e) != 0) {
        ibk_map_put(a, id, old->client_id);
        return -1;
    }
    a->st.replaces++;
    TB_INFO("ibkr", "order modified: %s -> %s id=%lld", old->client_id, w.client_id, (long long)id);
    return 0;
}

void ibk_replace_done(ibkr *a, const oms_order *o)
{
    const oms_order *old = o->replaces_id[0] ? oms_find(a->o.oms, o->replaces_id) : NULL;
    if (old && old->status == OMS_ST_PENDING_REPLACE)
        ibk_update(a, old->client_id, 0, OMS_ST_REPLACED, NULL);
}

int ibk_replace_failed(ibkr *a, const oms_order *o, int64_t order_id)
{
    const oms_order *old = o->replaces_id[0] ? oms_find(a->o.oms, o->replaces_id) : NULL;
    if (!old || old->status != OMS_ST_PENDING_REPLACE) return 0;
    ibk_map_put(a, order_id, old->client_id);
    ibk_update(a, old->client_id, order_id, OMS_ST_ACCEPTED, NULL);
    return 1;
}

static int v_positions(void *self, broker_position *out, int cap, int *n, tb_err *e)
{
    ibkr *a = self;
    if (a->npos > cap) return tb_errf(e, "ibkr: more than %d positions", cap);
    memcpy(out, a->pos, (size_t)a->npos * sizeof *out);
    *n = a->npos;
    return 0;
}

static int v_account(void *self, broker_account *out, tb_err *e)
{
    *out = ((ibkr *)self)->acct;
    return 0;
}

static void v_set_update(void *self, broker_update_fn fn, void *ud)
{
    ibkr *a = self;
    a->fn = fn, a->ud = ud;
}

static const struct posdiff *v_differences(void *self)
{
    return &((ibkr *)self)->posdiff;
}

static const broker_vtable ibkr_vt = {"ibkr",    v_connect,    v_disconnect,  v_state,
                                      v_submit,  v_cancel,     v_replace,     v_positions,
                                      v_account, v_set_update, ibk_not_ready, v_differences};

broker ibkr_broker(ibkr *a)
{
    return (broker){&ibkr_vt, a};
}

ibkr *ibkr_new(const ibkr_opts *o, tb_err *e)
{
    if (!o->oms || !o->base) {
        tb_errf(e, "ibkr: an event base and an order manager are required");
        return NULL;
    }
    ibkr *a = calloc(1, sizeof *a);
    if (!a) {
        tb_errf(e, "ibkr: out of memory");
        return NULL;
    }
    a->o = *o;
    a->posdiff.persist_rounds = o->position_difference_rounds;
    a->posdiff.persist_min_ns = (int64_t)o->position_difference_min_ms * 1000000;
    snprintf(a->host, sizeof a->host, "%s", o->host && *o->host ? o->host : "127.0.0.1");
    snprintf(a->account, sizeof a->account, "%s", o->account ? o->account : "");
    snprintf(a->restart_time, sizeof a->restart_time, "%s",
             o->restart_time && *o->restart_time ? o->restart_time : "23:45");
    snprintf(a->restart_zone, sizeof a->restart_zone, "%s",
             o->restart_zone && *o->restart_zone ? o->restart_zone : "America/New_York");
    a->restart_utc = strcmp(a->restart_zone, "America/New_York") != 0;
    if (a->restart_utc && strcmp(a->restart_zone, "UTC") && strcmp(a->restart_zone, "Etc/UTC")) {
        tb_errf(e, "ibkr: restart zone \"%s\": use America/New_York or UTC", a->restart_zone);
        free(a);
        return NULL;
    }
    if (ibkr_parse_hhmm(a->restart_time, &a->restart_sec, e) != 0) {
        free(a);
        return NULL;
    }
    a->st.last_order_id = o->last_order_id;
    if (ibk_unknown_init(a, e) != 0) {
        free(a);
        return NULL;
    }
    oms_set_broker(o->oms, ibkr_broker(a));
    return a;
}

void ibkr_set_data_tap(ibkr *a, const ibkr_conn_tap *t, void (*on_detach)(void *ud))
{
    if (t)
        a->tap = *t;
    else
        memset(&a->tap, 0, sizeof a->tap);
    a->tap_detach = t ? on_detach : NULL;
    if (a->conn) ibkr_conn_set_tap(a->conn, t);
}

ibkr_conn *ibkr_data_conn(ibkr *a)
{
    return a->conn;
}

void ibkr_free(ibkr *a)
{
    if (!a) return;
    if (a->tap_detach) a->tap_detach(a->tap.ud);
    if (a->conn) ibkr_conn_set_tap(a->conn, NULL);        /* no state callbacks into the feed now */
    if (a->conn) ibkr_conn_drain(a->conn, IBKR_DRAIN_MS); /* SIGTERM: queued orders go out */
    ibkr_conn_free(a->conn);
    if (a->reconcile_timer) event_free(a->reconcile_timer);
    ibk_unknown_free(a);
    reconcile_seen_free(&a->seen);
    free(a);
}

void ibkr_stats_get(const ibkr *a, ibkr_stats *out)
{
    *out = a->st;
}

void ibkr_get_conn_stats(const ibkr *a, ibkr_conn_stats *out)
{
    memset(out, 0, sizeof *out);
    if (a->conn) ibkr_conn_stats_get(a->conn, out);
}
