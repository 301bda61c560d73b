/*
 * alpaca_lookup.c - orders whose submission outcome is unknown, on Alpaca.
 *
 * A 504, a 5xx, a timeout or a connection dropped after the request was sent does not say whether
 * Alpaca created the order: gateways answer 504 and the order appears seconds later. Nor does a
 * restart that finds an order journaled `new` with no acknowledgement. Such an order is marked
 * `unknown` (persisted) and looked up by client_order_id (GET /v2/orders:by_client_order_id),
 * at once and then after 1, 2, 4, 8, 16 s and every unknown_lookup_max_ms (30 s), until Alpaca
 * shows it (it is adopted: status and fills from the broker's figures) or its deadline passes
 * (unknown_deadline_ms after it was created; by default the end of its session). A 404 is never
 * taken as "it never arrived" before the deadline; at the deadline one last lookup runs and only
 * a 404 then marks it expired, with a log line. It is never sent again: a second order could
 * double the position when both exist. The periodic order list and the stream adopt it too.
 */
#include "broker/alpaca_priv.h"
#include "log/log.h"
#include "oms/unknown.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#define SCAN_CAP 4096

static int slot_of(alpaca *a, const char *cid, int create)
{
    int free_i = -1;
    for (int i = 0; i < ALP_UNKNOWN; i++) {
        if (!a->unk[i].cid[0]) {
            if (free_i < 0) free_i = i;
        } else if (strcmp(a->unk[i].cid, cid) == 0) {
            return i;
        }
    }
    if (!create || free_i < 0) return -1;
    oms_strlcpy(a->unk[free_i].cid, cid, sizeof a->unk[free_i].cid);
    a->unk[free_i].attempt = 0;
    a->unk[free_i].next_ns = 0; /* due now */
    return free_i;
}

static void forget(alpaca *a, const char *cid)
{
    int i = slot_of(a, cid, 0);
    if (i >= 0) a->unk[i].cid[0] = '\0';
}

static int settles(const alp_req *q)
{
    return q->kind == RQ_LOOKUP || q->kind == RQ_SUBMIT;
}

int alp_in_flight(const alpaca *a, const char *cid)
{
    return alp_req_pending(a, cid, settles);
}

void alp_unknown_mark(alpaca *a, const char *cid, const char *why)
{
    const oms_order *o = oms_find(a->o.oms, cid);
    if (!o || o->status != OMS_ST_NEW) return; /* acknowledged meanwhile: nothing is unknown */
    char note[OMS_REASON_MAX + 1], until[32];
    snprintf(note, sizeof note, "outcome unknown: %s", why);
    oms_unknown_deadline_text(o, a->o.unknown_deadline_ms, until, sizeof until);
    broker_update u = {
        .client_id = cid, .status = OMS_ST_UNKNOWN, .reason = note, .t_ns = tb_clock_now_ns()};
    if (a->fn) a->fn(a->ud, &u);
    TB_WARN("alpaca",
            "order %s: submit outcome unknown (%s): marked unknown, looked up by client_order_id "
            "until %s; no new order for %s %s meanwhile",
            cid, why, until, o->strategy, o->symbol);
    int i = slot_of(a, cid, 1);
    if (i >= 0) a->unk[i].attempt = 0, a->unk[i].next_ns = 0;
}

static void lookup(alpaca *a, const char *cid, int final)
{
    alp_req *q = alp_req_new(a, RQ_LOOKUP, cid);
    if (!q) return;
    q->unknown = final ? 2 : 1;
    q->on_done = alp_unknown_answer;
    a->st.lookups++;
    char path[300];
    snprintf(path, sizeof path, "/v2/orders:by_client_order_id?client_order_id=%s", cid);
    tb_err e;
    alp_request(a, q, "GET", path, NULL, TB_HTTP_RETRY_ALL, &e);
}

void alp_unknown_adopt(alpaca *a, const oms_order *mine, const alp_order *o)
{
    int late = mine->status == OMS_ST_EXPIRED && strstr(mine->note, "outcome unknown");
    if (mine->broker_id[0] || (mine->status != OMS_ST_UNKNOWN && !late)) return;
    a->st.unknown_found++;
    TB_INFO("alpaca",
            "order %s found at the broker after an unknown outcome%s: adopted (broker %s, %s, "
            "filled %lld of %lld)",
            mine->client_id, late ? " (past its deadline)" : "", o->id, oms_status_name(o->status),
            (long long)o->filled_qty, (long long)o->qty);
    if (late && !oms_status_is_terminal(o->status)) {
        /* The engine gave it up at the deadline and told its strategy so: it must not work on
         * unseen. Fills so far are applied; the rest is canceled. */
        TB_WARN("alpaca", "order %s is working at the broker past its deadline: canceling it",
                mine->client_id);
        alp_send_cancel(a, mine->client_id, o->id);
    }
}

/* Its deadline passed and the last lookup did not find it. */
static void expire(alpaca *a, const oms_order *o)
{
    char until[32];
    oms_unknown_deadline_text(o, a->o.unknown_deadline_ms, until, sizeof until);
    a->st.unknown_expired++;
    TB_WARN("alpaca",
            "order %s: outcome still unknown at its deadline %s (not found by client_order_id): "
            "marked expired; if the broker shows it later it is adopted and its fills applied",
            o->client_id, until);
    broker_update u = {.client_id = o->client_id,
                       .status = OMS_ST_EXPIRED,
                       .reason = "outcome unknown until the deadline: not found at the broker",
                       .t_ns = tb_clock_now_ns()};
    forget(a, o->client_id);
    if (a->fn) a->fn(a->ud, &u);
}

/* A bracket found by lookup: its legs are ours by the parent's id ("-tp" limit, "-sl" stop). */
static void remember_legs(alpaca *a, const alp_order *o)
{
    char id[OMS_CLIENT_ID_MAX + 1];
    for (int i = 0; i < o->nlegs; i++) {
        snprintf(id, sizeof id, "%.*s-%s", OMS_CLIENT_ID_MAX - 3, o->client_order_id,
                 strcmp(o->legs[i].type, "limit") == 0 ? "tp" : "sl");
        if (oms_find(a->o.oms, id)) alp_leg_remember(a, o->legs[i].id, id);
    }
}

void alp_unknown_answer(alp_req *q, const tb_httpc_resp *r)
{
    alpaca *a = q->a;
    alp_order o;
    tb_err e;
    const oms_order *mine = oms_find(a->o.oms, q->client_id);
    if (r->status == 200 && alp_parse_order(r->body, r->len, &o, &e) == 0) {
        remember_legs(a, &o);
        alp_apply(a, &o, NULL, 0, 0, NULL);
        forget(a, q->client_id);
        return;
    }
    if (!mine || mine->status != OMS_ST_UNKNOWN) return forget(a, q->client_id);
    if (r->status == 401 || r->status == 403) alp_auth_failed(a, r);
    if (r->status == 404 && q->unknown == 2) return expire(a, mine);
    int i = slot_of(a, q->client_id, 1);
    if (i < 0) return;
    int64_t wait = oms_unknown_backoff_ns(a->unk[i].attempt++);
    int64_t cap = (int64_t)a->o.unknown_lookup_max_ms * 1000000;
    if (wait > cap) wait = cap;
    a->unk[i].next_ns = tb_clock_now_ns() + wait;
    char why[200];
    alp_error_text(r, why, sizeof why);
    TB_INFO("alpaca", "order %s (outcome unknown): lookup %d: %s; next lookup in %.1f s",
            q->client_id, a->unk[i].attempt, why, (double)wait / 1e9);
}

/* Every order the order manager holds as unknown is due, waiting, or past its deadline. */
static void on_tick(evutil_socket_t fd, short w, void *arg)
{
    alpaca *a = arg;
    if (a->state == BROKER_DISCONNECTED || a->state == BROKER_CONNECTING) return;
    static const oms_order *open[SCAN_CAP];
    int n = oms_open_orders_all(a->o.oms, open, SCAN_CAP);
    if (n > SCAN_CAP) n = SCAN_CAP;
    int64_t now = tb_clock_now_ns();
    for (int i = 0; i < ALP_UNKNOWN; i++) { /* settled some other way: forget its backoff */
        const oms_order *o = a->unk[i].cid[0] ? oms_find(a->o.oms, a->unk[i].cid) : NULL;
        if (a->unk[i].cid[0] && (!o || o->status != OMS_ST_UNKNOWN)) a->unk[i].cid[0] = '\0';
    }
    for (int i = 0; i < n; i++) {
        const oms_order *o = open[i];
        if (o->status != OMS_ST_UNKNOWN || alp_in_flight(a, o->client_id)) continue;
        int k = slot_of(a, o->client_id, 1);
        if (k < 0) continue; /* more than ALP_UNKNOWN at once: the rest wait for a slot */
        int64_t deadline = oms_unknown_deadline(o, a->o.unknown_deadline_ms);
        /* Past the deadline, the first lookup is the last one (its 404 expires the order). */
        int final = now >= deadline;
        if (now >= a->unk[k].next_ns || (final && a->unk[k].next_ns < deadline))
            lookup(a, o->client_id, final);
    }
}

int alp_unknown_init(alpaca *a, tb_err *e)
{
    if (a->o.unknown_lookup_max_ms <= 0) a->o.unknown_lookup_max_ms = 30000;
    if (!(a->unknown_timer = event_new(a->o.base, -1, EV_PERSIST, on_tick, a)))
        return tb_errf(e, "alpaca: cannot create the unknown-outcome timer");
    struct timeval tv = {0, 250000};
    event_add(a->unknown_timer, &tv);
    return 0;
}

void alp_unknown_free(alpaca *a)
{
    if (a->unknown_timer) event_free(a->unknown_timer);
    a->unknown_timer = NULL;
}
