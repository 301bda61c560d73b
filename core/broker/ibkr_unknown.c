/*
 * ibkr_unknown.c - orders whose submission outcome is unknown, on IB.
 *
 * placeOrder has no answer of its own: IB acknowledges with openOrder/orderStatus, sometimes
 * seconds later, and not at all when the connection drops or the engine dies right after the send.
 * An order still `new` that IB's open orders and executions (a reconciliation) do not show is
 * therefore `unknown`, not "never reached IB". It is looked up by orderRef: reconciliations
 * (reqOpenOrders + reqExecutions) are asked for with backoff (1, 2, 4, 8, 16 s, then every
 * unknown_lookup_max_ms) while an order is unknown, and any openOrder, orderStatus or execution
 * carrying its orderRef adopts it, whenever it comes, also after a restart. At its deadline
 * (unknown_deadline_ms after creation; by default the close of its session) a reconciliation
 * that still does not show it marks it expired with a log line. It is never placed again.
 */
#include "broker/ibkr_priv.h"
#include "log/log.h"
#include "oms/unknown.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void ibk_unknown_settle(ibkr *a, const oms_order *o)
{
    char until[32];
    int64_t deadline = oms_unknown_deadline(o, a->o.unknown_deadline_ms);
    oms_unknown_deadline_text(o, a->o.unknown_deadline_ms, until, sizeof until);
    if (o->status == OMS_ST_NEW) {
        a->st.unknown_marked++;
        TB_WARN("ibkr",
                "order %s: submit outcome unknown (no acknowledgement and not in IB's open orders "
                "or executions): marked unknown, looked up by orderRef until %s; no new order for "
                "%s %s meanwhile",
                o->client_id, until, o->strategy, o->symbol);
        ibk_update(a, o->client_id, 0, OMS_ST_UNKNOWN,
                   "outcome unknown: no acknowledgement from IB (not in its open orders)");
        return;
    }
    if (o->status != OMS_ST_UNKNOWN || tb_clock_now_ns() < deadline) return;
    a->st.unknown_expired++;
    TB_WARN("ibkr",
            "order %s: outcome still unknown at its deadline %s (not in IB's open orders or "
            "executions): marked expired; if IB shows it later it is adopted and its fills applied",
            o->client_id, until);
    ibk_update(a, o->client_id, 0, OMS_ST_EXPIRED,
               "outcome unknown until the deadline: not found at IB");
}

void ibk_unknown_adopt(ibkr *a, const oms_order *o, int64_t order_id, const char *what)
{
    int late = o->status == OMS_ST_EXPIRED && strstr(o->note, "outcome unknown");
    if (o->status != OMS_ST_UNKNOWN && !late) return;
    if (late && o->broker_id[0]) return; /* adopted before */
    a->st.unknown_found++;
    TB_INFO("ibkr", "order %s found at IB after an unknown outcome%s: adopted (order id %lld, %s)",
            o->client_id, late ? " (past its deadline)" : "", (long long)order_id, what);
    if (late) {
        /* Given up at the deadline, fills still count; its working rest is canceled at IB. */
        char bid[24];
        snprintf(bid, sizeof bid, "%lld", (long long)order_id);
        broker_update u = {.client_id = o->client_id,
                           .broker_id = bid,
                           .status = OMS_ST_EXPIRED,
                           .t_ns = tb_clock_now_ns()};
        if (a->fn) a->fn(a->ud, &u); /* remembers IB's id on the order */
        tb_sbuf b = {0};
        tb_err e;
        if (a->conn && ibkr_enc_cancel(&b, order_id, &e) == 0) ibkr_conn_send(a->conn, &b);
        tb_sbuf_free(&b);
    }
}

/* While an order is unknown, reconciliations (the lookups) are asked for with backoff. */
static void on_tick(evutil_socket_t fd, short w, void *arg)
{
    ibkr *a = arg;
    if (oms_unknown_count(a->o.oms) == 0) {
        a->unk_attempt = 0, a->unk_next_ns = 0;
        return;
    }
    int64_t now = tb_clock_now_ns();
    if (a->state != BROKER_READY || a->syncing || now < a->unk_next_ns) return;
    int64_t wait = oms_unknown_backoff_ns(a->unk_attempt++);
    int64_t cap = (int64_t)a->o.unknown_lookup_max_ms * 1000000;
    a->unk_next_ns = now + (wait < cap ? wait : cap);
    a->st.unknown_lookups++;
    TB_DEBUG("ibkr", "%d order(s) with an unknown outcome: looking them up (reconcile %d)",
             oms_unknown_count(a->o.oms), a->unk_attempt);
    ibk_quiet_sync(a);
}

int ibk_unknown_init(ibkr *a, tb_err *e)
{
    if (a->o.unknown_lookup_max_ms <= 0) a->o.unknown_lookup_max_ms = 30000;
    if (!(a->unknown_timer = event_new(a->o.base, -1, EV_PERSIST, on_tick, a)))
        return tb_errf(e, "ibkr: cannot create the unknown-outcome timer");
    struct timeval tv = {0, 250000};
    event_add(a->unknown_timer, &tv);
    return 0;
}

void ibk_unknown_free(ibkr *a)
{
    if (a->unknown_timer) event_free(a->unknown_timer);
    a->unknown_timer = NULL;
}
