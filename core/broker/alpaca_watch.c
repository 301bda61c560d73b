/*
 * alpaca_watch.c - the Alpaca adapter's order watchdog. "Connected but silent" trade_updates
 * streams are common (field-lessons.md): fills happen at the broker and never arrive while the
 * socket looks healthy. Every second, while ready, open orders not heard of for
 * order_poll_after_ms are polled by id (GET /v2/orders/{id}), oldest first, with at most
 * order_poll_max polls in flight so the trading API's rate limit is never crowded. The answer
 * goes through alp_apply, the path stream events take: fills count from cumulative figures
 * against what the order manager holds, so a fill learned here and delivered later by the
 * stream is applied once. A poll that learns what the stream never said is evidence: once the
 * stream has also been quiet for order_poll_after_ms, it is dropped and reconnected (the
 * websocket's backoff; no second forced reconnect within 90 s, the time Alpaca keeps a dropped
 * socket half alive), and the reconnect reconciles over REST.
 */
#include "broker/alpaca_priv.h"
#include "log/log.h"
#include "net/watchdog.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#define WATCH_CAP    256                   /* open orders judged per tick */
#define FORCE_GAP_NS (90LL * 1000000000LL) /* Alpaca's half-alive socket */

static int64_t *heard_slot(alpaca *a, const char *cid)
{
    for (int i = 0; i < ALP_HEARD; i++)
        if (a->heard[i].cid[0] && strcmp(a->heard[i].cid, cid) == 0) return &a->heard[i].heard_ns;
    return NULL;
}

void alp_heard(alpaca *a, const char *cid, int64_t now_ns)
{
    int64_t *h = heard_slot(a, cid);
    if (h) {
        *h = now_ns;
        return;
    }
    int i = a->nheard_next++ % ALP_HEARD; /* the oldest entry goes: its order is long settled */
    oms_strlcpy(a->heard[i].cid, cid, sizeof a->heard[i].cid);
    a->heard[i].heard_ns = now_ns;
}

void alp_stream_pulse(alpaca *a, int64_t now_ns)
{
    a->last_stream_ns = now_ns;
    a->missed = 0;
}

static int busy(const alpaca *a, const char *cid)
{
    for (const alp_req *q = a->reqs; q; q = q->next)
        if (q->kind != RQ_SYNC && strcmp(q->client_id, cid) == 0) return 1;
    return 0;
}

static int polls_in_flight(const alpaca *a)
{
    int n = 0;
    for (const alp_req *q = a->reqs; q; q = q->next) n += q->kind == RQ_WATCH;
    return n;
}

static void on_watch_polled(alp_req *q, const tb_httpc_resp *r)
{
    alpaca *a = q->a;
    alp_order o;
    tb_err e;
    if (r->status != 200 || alp_parse_order(r->body, r->len, &o, &e) != 0) {
        char why[200];
        alp_error_text(r, why, sizeof why);
        if (r->status == 401 || r->status == 403) alp_auth_failed(a, r);
        TB_WARN("alpaca", "poll of order %s failed (%s): tried again later", q->client_id, why);
        return;
    }
    /* What we hold just before applying: a stream event that came while the poll was out is
     * not something the poll learned. */
    const oms_order *mine = oms_find(a->o.oms, q->client_id);
    oms_status before = mine ? mine->status : OMS_ST_NEW;
    tb_qty filled = mine ? mine->filled_qty : 0;
    alp_apply(a, &o, NULL, 0, 0, NULL);
    mine = oms_find(a->o.oms, q->client_id);
    if (mine && (mine->status != before || mine->filled_qty != filled)) {
        a->st.polls_learned++;
        a->missed++;
        TB_WARN("alpaca",
                "polled order %s: %s (filled %lld of %lld): the trade_updates stream had not "
                "delivered it",
                q->client_id, oms_status_name(mine->status), (long long)mine->filled_qty,
                (long long)mine->qty);
    } else {
        TB_DEBUG("alpaca", "polled order %s: %s (no change)", q->client_id,
                 oms_status_name(o.status));
    }
}

static void poll(alpaca *a, const oms_order *o)
{
    alp_req *q = alp_req_new(a, RQ_WATCH, o->client_id);
    if (!q) return;
    q->on_done = on_watch_polled;
    a->st.order_polls++;
    char path[200];
    snprintf(path, sizeof path, "/v2/orders/%s", o->broker_id);
    tb_err e;
    alp_request(a, q, "GET", path, NULL, TB_HTTP_RETRY_ALL, &e);
}

static void poll_due(alpaca *a, int64_t now)
{
    static const oms_order *open[WATCH_CAP];
    const oms_order *cand[WATCH_CAP];
    int64_t heard[WATCH_CAP];
    int room = a->o.order_poll_max - polls_in_flight(a), k = 0;
    if (room <= 0) return;
    int n = oms_open_orders_all(a->o.oms, open, WATCH_CAP);
    if (n > WATCH_CAP) n = WATCH_CAP;
    for (int i = 0; i < n; i++) {
        const oms_order *o = open[i];
        /* No broker id yet: the submit's own lookup path settles it. Held legs wait. */
        if (!o->broker_id[0] || o->status == OMS_ST_HELD || busy(a, o->client_id)) continue;
        int64_t *h = heard_slot(a, o->client_id);
        if (!h) { /* first sight: the clock starts now */
            alp_heard(a, o->client_id, now);
            continue;
        }
        cand[k] = o, heard[k++] = *h;
    }
    int pick[WATCH_CAP];
    int m =
        tb_wd_orders_pick(heard, k, now, (int64_t)a->o.order_poll_after_ms * 1000000, room, pick);
    for (int i = 0; i < m; i++) {
        alp_heard(a, cand[pick[i]]->client_id, now); /* not again before the next period */
        poll(a, cand[pick[i]]);
    }
}

static void on_watch(evutil_socket_t fd, short what, void *arg)
{
    alpaca *a = arg;
    if (a->state != BROKER_READY) return;
    int64_t now = tb_clock_now_ns(), after = (int64_t)a->o.order_poll_after_ms * 1000000;
    poll_due(a, now);
    if (!a->ws || !a->stream_ready ||
        !tb_wd_order_stream_reconnect(now, a->last_stream_ns, a->last_forced_ns, a->missed, after,
                                      FORCE_GAP_NS))
        return;
    a->st.stream_forced_reconnects++;
    TB_WARN("alpaca",
            "trade_updates stream silent: %d order change(s) learned by polling, nothing on the "
            "stream for %.0f s while connected: reconnecting it (forced reconnect %llu)",
            a->missed, (double)(now - a->last_stream_ns) / 1e9,
            (unsigned long long)a->st.stream_forced_reconnects);
    a->last_forced_ns = now;
    a->missed = 0;
    tb_ws_drop(a->ws, "trade_updates silent (order watchdog)");
}

int alp_watch_init(alpaca *a, tb_err *e)
{
    if (a->o.order_poll_after_ms <= 0) return 0;
    if (a->o.order_poll_max <= 0) a->o.order_poll_max = 2;
    if (!(a->watch_timer = event_new(a->o.base, -1, EV_PERSIST, on_watch, a)))
        return tb_errf(e, "alpaca: cannot create the order watchdog timer");
    struct timeval tv = {1, 0};
    event_add(a->watch_timer, &tv);
    return 0;
}

void alp_watch_free(alpaca *a)
{
    if (a->watch_timer) event_free(a->watch_timer);
    a->watch_timer = NULL;
}
