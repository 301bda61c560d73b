/*
 * alpaca_orders.c - the order verbs of the Alpaca adapter: submit (POST /v2/orders, a lookup by
 * client_order_id when the answer is lost), cancel (then a poll in case the stream stays silent)
 * and replace (PATCH). Their answers are applied through alp_apply (alpaca.c).
 */
#include "broker/alpaca_priv.h"
#include "log/log.h"
#include "util/clock.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- submit --------------------------------------------------------------------------------- */

static void reject(alpaca *a, const char *cid, const char *why)
{
    broker_update u = {
        .client_id = cid, .status = OMS_ST_REJECTED, .reason = why, .t_ns = tb_clock_now_ns()};
    if (cid[0] && a->fn) a->fn(a->ud, &u);
}

static void remember_legs(alpaca *a, const alp_req *q, const alp_order *o)
{
    for (int i = 0; i < o->nlegs; i++)
        alp_leg_remember(a, o->legs[i].id,
                         strcmp(o->legs[i].type, "limit") == 0 ? q->leg_tp : q->leg_sl);
}

static void on_order_found(alp_req *q, const tb_httpc_resp *r);

int alp_lookup(alpaca *a, const char *client_id, alp_req *from)
{
    alp_req *q = alp_req_new(a, RQ_LOOKUP, client_id);
    if (!q) return -1;
    if (from) {
        memcpy(q->leg_tp, from->leg_tp, sizeof q->leg_tp);
        memcpy(q->leg_sl, from->leg_sl, sizeof q->leg_sl);
        q->then_cancel = from->then_cancel;
    }
    q->on_done = on_order_found;
    a->st.lookups++;
    char path[300];
    snprintf(path, sizeof path, "/v2/orders:by_client_order_id?client_order_id=%s", client_id);
    tb_err e;
    return alp_request(a, q, "GET", path, NULL, TB_HTTP_RETRY_ALL, &e);
}

static void on_submitted(alp_req *q, const tb_httpc_resp *r);

static int post_order(alpaca *a, alp_req *q)
{
    q->on_done = on_submitted;
    tb_err e;
    return alp_request(a, q, "POST", "/v2/orders", q->body, TB_HTTP_RETRY_429, &e);
}

static void on_order_found(alp_req *q, const tb_httpc_resp *r)
{
    alpaca *a = q->a;
    alp_order o;
    tb_err e;
    if (r->status == 200 && alp_parse_order(r->body, r->len, &o, &e) == 0) {
        remember_legs(a, q, &o);
        alp_apply(a, &o, NULL, 0, 0, NULL);
        if (q->then_cancel) alp_send_cancel(a, q->client_id, o.id);
        return;
    }
    /* A 404 says nothing final: a gateway may create the order seconds later. An order whose
     * outcome is unknown is looked up with backoff until its deadline (alpaca_lookup.c). */
    if (r->status == 401 || r->status == 403) alp_auth_failed(a, r);
    char why[200];
    alp_error_text(r, why, sizeof why);
    TB_WARN("alpaca", "lookup of order %s failed (%s): left to the next reconciliation",
            q->client_id, why);
}

static void on_submitted(alp_req *q, const tb_httpc_resp *r)
{
    alpaca *a = q->a;
    alp_order o;
    tb_err e;
    char why[256];
    if (r->status == 200 && alp_parse_order(r->body, r->len, &o, &e) == 0) {
        remember_legs(a, q, &o);
        alp_apply(a, &o, NULL, 0, 0, NULL);
        return;
    }
    alp_error_text(r, why, sizeof why);
    if (r->status == 422 && strstr(why, "client_order_id")) {
        TB_WARN("alpaca", "order %s already at the broker (%s): looking it up", q->client_id, why);
        alp_lookup(a, q->client_id, q);
    } else if (r->status >= 400 && r->status < 500 && r->status != 408) {
        a->st.rejects++;
        if (r->status == 401) alp_auth_failed(a, r);
        TB_WARN("alpaca", "order rejected: %s: %s", q->client_id, why);
        reject(a, q->client_id, why);
        if (q->leg_tp[0]) reject(a, q->leg_tp, "parent rejected");
        if (q->leg_sl[0]) reject(a, q->leg_sl, "parent rejected");
    } else {
        a->st.unknown_outcomes++;
        if (r->status == 200) snprintf(why, sizeof why, "unreadable answer: %s", e.msg);
        TB_WARN("alpaca", "order submit outcome unknown: %s (%s): looking it up by client_order_id",
                q->client_id, why);
        alp_unknown_mark(a, q->client_id, why);
    }
}

static int not_ready(const alpaca *a, tb_err *e)
{
    return tb_errf(e, "alpaca: broker is %s, not ready", broker_state_name(a->state));
}

int alp_v_submit(void *self, const broker_submit_req *r, tb_err *e)
{
    alpaca *a = self;
    if (a->state != BROKER_READY) return not_ready(a, e);
    alp_req *q = alp_req_new(a, RQ_SUBMIT, r->order->client_id);
    if (!q || !(q->body = alp_order_body(r, e))) {
        if (q) free(q);
        return tb_errf(e, "alpaca: cannot build the order request");
    }
    if (r->take_profit) oms_strlcpy(q->leg_tp, r->take_profit->client_id, sizeof q->leg_tp);
    if (r->stop_loss) oms_strlcpy(q->leg_sl, r->stop_loss->client_id, sizeof q->leg_sl);
    a->st.submits++;
    return post_order(a, q);
}

/* ---- cancel and replace --------------------------------------------------------------------- */

static void on_polled(alp_req *q, const tb_httpc_resp *r)
{
    alp_order o;
    tb_err e;
    if (r->status == 200 && alp_parse_order(r->body, r->len, &o, &e) == 0)
        alp_apply(q->a, &o, NULL, 0, 0, NULL);
}

/* A request on one order at /v2/orders/<broker id> (poll: GET, cancel: DELETE); its answer goes
 * to on_done. */
static void order_request(alpaca *a, rq_kind kind, const char *method, const char *cid,
                          const char *broker_id, void (*on_done)(alp_req *, const tb_httpc_resp *))
{
    alp_req *q = alp_req_new(a, kind, cid);
    if (!q) return;
    q->on_done = on_done;
    char path[200];
    snprintf(path, sizeof path, "/v2/orders/%s", broker_id);
    tb_err e;
    alp_request(a, q, method, path, NULL, TB_HTTP_RETRY_ALL, &e);
}

static void poll_order(alpaca *a, const char *cid, const char *broker_id)
{
    order_request(a, RQ_POLL, "GET", cid, broker_id, on_polled);
}

void alp_poll_free(poll_later *p)
{
    alpaca *a = p->a;
    if (p->prev)
        p->prev->next = p->next;
    else if (a->polls == p)
        a->polls = p->next;
    if (p->next) p->next->prev = p->prev;
    event_free(p->ev);
    free(p);
}

static void on_poll_timer(evutil_socket_t fd, short w, void *arg)
{
    poll_later *p = arg;
    const oms_order *o = oms_find(p->a->o.oms, p->cid);
    if (o && !oms_status_is_terminal(o->status)) poll_order(p->a, p->cid, p->bid);
    alp_poll_free(p);
}

static int cancel_slot(const alpaca *a, const char *cid)
{
    for (int i = 0; i < ALP_CANCELS; i++)
        if (a->cancels[i].cid[0] && strcmp(a->cancels[i].cid, cid) == 0) return i;
    return -1;
}

/* Alpaca accepted the cancel of cid now. */
static void cancel_accepted(alpaca *a, const char *cid)
{
    int i = cancel_slot(a, cid);
    if (i < 0) i = a->ncancels_next++ % ALP_CANCELS; /* the oldest goes: long settled */
    oms_strlcpy(a->cancels[i].cid, cid, sizeof a->cancels[i].cid);
    a->cancels[i].at_ns = tb_clock_now_ns();
}

static int cancels(const alp_req *q)
{
    return q->kind == RQ_CANCEL || (q->kind == RQ_LOOKUP && q->then_cancel);
}

int alp_cancel_under_way(const alpaca *a, const char *cid, int64_t now_ns)
{
    if (alp_req_pending(a, cid, cancels)) return 1;
    int i = cancel_slot(a, cid);
    return i >= 0 && now_ns - a->cancels[i].at_ns < ALP_CANCEL_HOLD_NS;
}

void alp_cancel_rejected(alpaca *a, const char *cid)
{
    int i = cancel_slot(a, cid);
    if (i >= 0) a->cancels[i].cid[0] = '\0';
}

static void on_canceled(alp_req *q, const tb_httpc_resp *r)
{
    alpaca *a = q->a;
    const oms_order *o = oms_find(a->o.oms, q->client_id);
    if (!o) return;
    if (r->status == 204 || r->status == 200) {
        cancel_accepted(a, o->client_id);
        /* The canceled event comes on the stream; poll in case the stream is silent. */
        poll_later *p = calloc(1, sizeof *p);
        if (!p || !(p->ev = evtimer_new(a->o.base, on_poll_timer, p))) {
            free(p);
            return;
        }
        p->a = a;
        oms_strlcpy(p->cid, o->client_id, sizeof p->cid);
        oms_strlcpy(p->bid, o->broker_id, sizeof p->bid);
        p->next = a->polls;
        if (a->polls) a->polls->prev = p;
        a->polls = p;
        struct timeval tv = {a->o.cancel_poll_ms / 1000, (a->o.cancel_poll_ms % 1000) * 1000};
        evtimer_add(p->ev, &tv);
        return;
    }
    char why[200];
    alp_error_text(r, why, sizeof why);
    TB_WARN("alpaca", "cancel of %s answered %s: polling the order", q->client_id, why);
    if (r->status == 401 || r->status == 403)
        alp_auth_failed(a, r);
    else
        poll_order(a, o->client_id, o->broker_id);
}

void alp_send_cancel(alpaca *a, const char *cid, const char *broker_id)
{
    order_request(a, RQ_CANCEL, "DELETE", cid, broker_id, on_canceled);
}

int alp_v_cancel(void *self, const oms_order *o, tb_err *e)
{
    alpaca *a = self;
    if (a->state == BROKER_DISCONNECTED) return not_ready(a, e);
    if (o->broker_id[0]) {
        alp_send_cancel(a, o->client_id, o->broker_id);
        return 0;
    }
    /* The submit is still in flight: learn the broker's id first. */
    alp_req tmp = {.then_cancel = 1};
    return alp_lookup(a, o->client_id, &tmp);
}

static void on_replaced(alp_req *q, const tb_httpc_resp *r)
{
    alpaca *a = q->a;
    alp_order o;
    tb_err e;
    if (r->status == 200 && alp_parse_order(r->body, r->len, &o, &e) == 0) {
        broker_update u = {
            .client_id = q->old_client_id, .status = OMS_ST_REPLACED, .t_ns = tb_clock_now_ns()};
        if (a->fn) a->fn(a->ud, &u);
        alp_apply(a, &o, NULL, 0, 0, NULL);
        return;
    }
    char why[200];
    alp_error_text(r, why, sizeof why);
    if (r->status >= 400 && r->status < 500) {
        TB_WARN("alpaca", "replace of %s rejected: %s", q->old_client_id, why);
        reject(a, q->client_id, why);
        const oms_order *old = oms_find(a->o.oms, q->old_client_id);
        if (old && old->broker_id[0]) poll_order(a, old->client_id, old->broker_id);
    } else {
        a->st.unknown_outcomes++;
        TB_WARN("alpaca", "replace outcome unknown: %s (%s): looking it up", q->client_id, why);
        alp_unknown_mark(a, q->client_id, why);
        const oms_order *old = oms_find(a->o.oms, q->old_client_id);
        if (old && old->broker_id[0]) poll_order(a, old->client_id, old->broker_id);
    }
}

int alp_v_replace(void *self, const broker_replace_req *r, tb_err *e)
{
    alpaca *a = self;
    if (a->state != BROKER_READY) return not_ready(a, e);
    if (!r->old_order->broker_id[0]) return tb_errf(e, "alpaca: replace before acknowledgement");
    alp_req *q = alp_req_new(a, RQ_REPLACE, r->new_order->client_id);
    char *body = alp_replace_body(r, e);
    if (!q || !body) {
        free(q), free(body);
        return -1;
    }
    oms_strlcpy(q->old_client_id, r->old_order->client_id, sizeof q->old_client_id);
    q->on_done = on_replaced;
    char path[200];
    snprintf(path, sizeof path, "/v2/orders/%s", r->old_order->broker_id);
    int rc = alp_request(a, q, "PATCH", path, body, TB_HTTP_RETRY_429, e);
    free(body);
    return rc;
}
