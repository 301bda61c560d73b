/*
 * live_ibkr.c - IB Gateway as the live feed's vendor side: 5-second TRADES bars per symbol
 * (REQ_REAL_TIME_BARS, SMART/USD, regular hours) aggregated into closed minutes (ibkr_agg.h).
 *
 * The subscriptions belong to the connection: they are issued again on every transition to ready
 * after the socket dropped (the Gateway's daily restart, a reconnect), after 1101 (restored, data
 * lost) and after a farm-OK that follows a farm-broken notice with no bar since (a 2103 -> 2104
 * blip left other engines' feeds dead: nautilus_trader#3968); never after 1102 (data kept).
 * After each re-subscription the missing minutes are fetched with REQ_HISTORICAL_DATA once the
 * first real-time minute has closed (so every fetched minute is complete): from the last minute
 * delivered (a changed bar replaces it, counted as corrected) up to and including that first
 * minute, in chunks of two hours, one chunk after another; real-time minutes closing meanwhile
 * wait (LI_HELD of them) and follow in order; when more close, the oldest held one is let go
 * and the backfill's end moved past it, so it comes from history instead (never lost).
 * Historical requests pass their own pacer (ibkr_hpace.h); a 162 pacing violation is retried by
 * it (an identical request waits 15 s); any other error answer (162 "no data", 366, 200, 321,
 * 354, ...) ends that chunk, not retried; a request sent and unanswered for LI_HIST_TIMEOUT_NS
 * is abandoned and its symbol's backfill ends, so a symbol never waits for history forever.
 * Historical ids have their own range and slots that are never reused while in flight
 * (ibkr_reqs.h); real-time subscriptions count in another range. Every message goes through
 * the connection's 40 msg/s pacer as well.
 *
 * With "broker": "ibkr" the broker's socket is shared (one socket per account, field-lessons);
 * otherwise the feed opens its own connection with ibkr.feed_client_id (data only: it requests
 * no orders, positions or executions).
 *
 * A one-second tick on the wall clock does what no message triggers (live_ibkr_tick.c):
 * - the silence watchdog (net/watchdog.h, the stream judged as a whole, market hours only): no
 *   5-second bar for any symbol for stale_after while ready cancels and re-requests every
 *   subscription, which arms the backfill of the gap ("connected but silent", field-lessons);
 * - a minute whose +55 s bar never comes (a thin symbol) is closed minute end + grace;
 * - a symbol armed for a backfill that gets no minute for backfill_after (no trade since the
 *   resubscription) is backfilled up to the last minute that has ended.
 * The first subscription after the session's open arms the backfill too, so strategies see the
 * session from the open when the engine starts mid-session.
 */
#include "broker/ibkr.h"
#include "broker/ibkr_bars.h"
#include "broker/ibkr_hpace.h"
#include "broker/ibkr_msg.h"
#include "feed/ibkr_agg.h"
#include "feed/live.h"
#include "feed/live_ibkr_priv.h"
#include "log/log.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

ibkr_conn *live_ibkr_conn(li *x)
{
    return x->own ? x->own : x->shared ? ibkr_data_conn(x->shared) : NULL;
}

static int send_frame(li *x, tb_sbuf *b)
{
    ibkr_conn *c = live_ibkr_conn(x);
    return c ? ibkr_conn_send(c, b) : -1;
}

/* The historical request in flight with this id, or NULL (not one, answered or abandoned). */
static li_req *req_slot(li *x, int64_t id)
{
    int k = ibkr_reqs_find(&x->ids, id);
    return k < 0 ? NULL : &x->reqs[k];
}

static void req_free(li *x, li_req *q)
{
    ibkr_reqs_free(&x->ids, (int)(q - x->reqs));
    q->id = 0;
}

/* ---- historical requests through their pacer ------------------------------------------------ */

static void hp_drain(li *x)
{
    ibkr_conn *c = live_ibkr_conn(x);
    while (c && ibkr_conn_state(c) == IBC_READY) {
        int64_t tag, wait;
        int r = ibkr_hpace_pop(x->hp, tb_clock_mono_ns(), &tag, &wait);
        if (r < 0) return;
        if (r == 0) {
            struct timeval tv = {(time_t)(wait / 1000000000),
                                 (suseconds_t)(wait % 1000000000 / 1000)};
            evtimer_add(x->hp_timer, &tv);
            return;
        }
        li_req *q = req_slot(x, tag);
        if (!q) continue; /* freed while it waited (its backfill ended): nothing to ask */
        q->sent_ns = tb_clock_mono_ns(); /* the answer's deadline counts from here */
        tb_sbuf b = {0};
        tb_err e;
        if (ibkr_enc_hist(&b, q->id, x->s[q->sym].name, q->end, q->dur, 1, &e) == 0 &&
            send_frame(x, &b) == 0) {
            x->st.hist_requests++;
            TB_INFO("feed", "ibkr feed: historical request %lld: %s 1 min bars, %s ending %s",
                    (long long)q->id, x->s[q->sym].name, q->dur, q->end);
        }
        tb_sbuf_free(&b);
    }
}

static void on_hp_timer(evutil_socket_t fd, short w, void *arg)
{
    hp_drain(arg);
}

/* A full pacer queue keeps the chunk for later like a missing slot: asked again each tick. */
static void hp_queue(li *x, li_req *q)
{
    char key[IBKR_HP_KEY_MAX];
    snprintf(key, sizeof key, "%s|%s|%s|1 min|TRADES|1", x->s[q->sym].name, q->end, q->dur);
    q->sent_ns = 0; /* waiting in the pacer: no deadline yet */
    if (ibkr_hpace_push(x->hp, key, x->s[q->sym].name, q->id) != 0) {
        x->st.hist_no_slot++;
        TB_WARN("feed", "ibkr feed: historical queue full: %s asked again in a second", key);
        x->s[q->sym].bf_no_slot = 1;
        req_free(x, q);
        return;
    }
    if (!evtimer_pending(x->hp_timer, NULL)) hp_drain(x);
}

/* Asks for the next chunk of sym's backfill: [bf_next_s, min(+2 h, bf_to_s)). A request slot
 * in flight is never reused (its answer must find it): with none free the chunk is asked for
 * again on the next tick. */
void live_ibkr_request_chunk(li *x, int i)
{
    li_sym *s = &x->s[i];
    int64_t id;
    int k = ibkr_reqs_take(&x->ids, &id);
    if (k < 0) {
        if (!s->bf_no_slot)
            TB_WARN("feed", "ibkr feed: %d historical requests in flight: %s's waits for a slot",
                    LI_REQS, s->name);
        s->bf_no_slot = 1;
        x->st.hist_no_slot++;
        return;
    }
    s->bf_no_slot = 0;
    li_req *q = &x->reqs[k];
    memset(q, 0, sizeof *q);
    q->id = id;
    q->sym = i;
    q->from_s = s->bf_next_s;
    q->to_s = s->bf_next_s + LI_CHUNK_S < s->bf_to_s ? s->bf_next_s + LI_CHUNK_S : s->bf_to_s;
    ibkr_fmt_utc(q->to_s, q->end, sizeof q->end);
    snprintf(q->dur, sizeof q->dur, "%lld S", (long long)(q->to_s - q->from_s));
    hp_queue(x, q);
}

/* ---- delivering minutes --------------------------------------------------------------------- */

static int same_bar(const tb_bar *a, const tb_bar *b)
{
    return a->open == b->open && a->high == b->high && a->low == b->low && a->close == b->close &&
           a->volume == b->volume;
}

/* The backfill of sym ended (or gave up): the minutes held meanwhile follow, in order. */
static void backfill_done(li *x, int i)
{
    li_sym *s = &x->s[i];
    s->bf = BF_NONE;
    s->bf_no_slot = 0;
    for (int k = 0; k < s->nheld; k++)
        if (s->held[k].start_ns > tb_live_last_start(x->l, s->id))
            tb_live_push(x->l, &s->held[k], 0);
    s->nheld = 0;
}

void live_ibkr_start_backfill(li *x, int i, int64_t first_rt_s)
{
    li_sym *s = &x->s[i];
    int64_t last = tb_live_last_start(x->l, s->id) / TB_NS_PER_SEC;
    tb_session ss;
    int64_t open = tb_cal_session(x->o->cal, tb_cal_session_day(first_rt_s * TB_NS_PER_SEC), &ss)
                       ? ss.open_ns / TB_NS_PER_SEC
                       : first_rt_s;
    s->bf = BF_WAIT;
    s->armed_ns = 0;
    s->held_over = 0;
    s->bf_next_s = last >= open ? last : open; /* the last delivered minute again: corrections */
    s->bf_to_s = first_rt_s + 60;              /* that first real-time minute has closed */
    if (s->bf_next_s >= s->bf_to_s) {          /* nothing missing: what is held follows */
        backfill_done(x, i);
        return;
    }
    x->st.backfills++;
    TB_INFO("feed", "ibkr feed: backfill %s from %lld to %lld (%lld minutes)", s->name,
            (long long)s->bf_next_s, (long long)s->bf_to_s,
            (long long)(s->bf_to_s - s->bf_next_s) / 60);
    live_ibkr_request_chunk(x, i);
}

/* held is full (the backfill waits long: the pacer's queue, a slow Gateway): its oldest minute
 * is let go and the backfill's end moved past it, so it comes from history instead, in order. */
static void held_to_history(li *x, int i)
{
    li_sym *s = &x->s[i];
    int64_t end = s->held[0].start_ns / TB_NS_PER_SEC + 60;
    if (end > s->bf_to_s) s->bf_to_s = end;
    memmove(s->held, s->held + 1, (LI_HELD - 1) * sizeof *s->held);
    s->nheld--;
    x->st.held_refetched++;
    if (s->held_over) return;
    s->held_over = 1;
    TB_INFO("feed",
            "ibkr feed: %s: more than %d minutes wait for its backfill: the oldest come from "
            "history instead (backfill now ends at %lld)",
            s->name, LI_HELD, (long long)s->bf_to_s);
}

void live_ibkr_deliver_minute(li *x, int i, const tb_bar *b)
{
    li_sym *s = &x->s[i];
    x->st.minutes++;
    if (s->bf == BF_ARMED) live_ibkr_start_backfill(x, i, b->start_ns / TB_NS_PER_SEC);
    if (s->bf == BF_WAIT) {
        if (s->nheld == LI_HELD) held_to_history(x, i);
        s->held[s->nheld++] = *b;
        return;
    }
    tb_live_push(x->l, b, 0);
}

static void apply_hist_bar(li *x, const li_req *q, const ibkr_bar *hb)
{
    li_sym *s = &x->s[q->sym];
    if (hb->time_s < q->from_s || hb->time_s >= q->to_s) return;
    tb_bar b, old;
    ibkr_agg_to_bar(hb, s->id, 60, &b);
    if (b.start_ns <= tb_live_last_start(x->l, s->id)) {
        /* delivered before: a changed bar replaces it (strategies are not fed it twice) */
        if (tb_live_bar(x->l, s->id, b.start_ns, &old) && !same_bar(&old, &b)) {
            tb_live_push(x->l, &b, 1);
            x->st.corrected++;
        }
        return;
    }
    tb_live_push(x->l, &b, 0);
    x->st.backfilled++;
}

static void chunk_done(li *x, li_req *q)
{
    int i = q->sym;
    int64_t to = q->to_s;
    li_sym *s = &x->s[i];
    req_free(x, q);
    if (s->bf != BF_WAIT) return;
    s->bf_next_s = to;
    if (s->bf_next_s < s->bf_to_s)
        live_ibkr_request_chunk(x, i);
    else
        backfill_done(x, i);
}

void live_ibkr_expire_requests(li *x, int64_t mono_ns)
{
    for (int k = 0; k < LI_REQS; k++) {
        li_req *q = &x->reqs[k];
        if (!q->id || !q->sent_ns || mono_ns - q->sent_ns < LI_HIST_TIMEOUT_NS) continue;
        li_sym *s = &x->s[q->sym];
        x->st.hist_timeouts++;
        TB_WARN("feed",
                "ibkr feed: historical request %lld (%s, %s ending %s) unanswered for %lld s: "
                "abandoned; %s's backfill ends, the %d minutes held follow",
                (long long)q->id, s->name, q->dur, q->end,
                (long long)((mono_ns - q->sent_ns) / TB_NS_PER_SEC), s->name, s->nheld);
        int i = q->sym;
        req_free(x, q); /* an answer coming later finds nothing */
        if (s->bf == BF_WAIT) backfill_done(x, i);
    }
}

static void on_hist(li *x, const tws_frame *f)
{
    static ibkr_bar bars[IBKR_HIST_MAX_BARS];
    int64_t id;
    int n;
    tb_err e;
    if (ibkr_dec_hist(f, &id, bars, IBKR_HIST_MAX_BARS, &n, &e) != 0) {
        x->st.errors++;
        TB_WARN("feed", "ibkr feed: bad HISTORICAL_DATA: %s", e.msg);
        return;
    }
    li_req *q = req_slot(x, id);
    if (!q) return;
    x->st.hist_answers++;
    uint64_t before = x->st.backfilled;
    for (int k = 0; k < n; k++) apply_hist_bar(x, q, &bars[k]);
    TB_INFO("feed", "ibkr feed: backfilled %s: %llu bars of %d received (%s ending %s)",
            x->s[q->sym].name, (unsigned long long)(x->st.backfilled - before), n, q->dur, q->end);
    chunk_done(x, q);
}

static void on_rt_bar(li *x, const tws_frame *f)
{
    ibkr_bar b;
    int64_t id;
    tb_err e;
    if (ibkr_dec_rt_bar(f, &id, &b, &e) != 0) {
        x->st.errors++;
        TB_WARN("feed", "ibkr feed: bad REAL_TIME_BARS: %s", e.msg);
        return;
    }
    for (int i = 0; i < x->n; i++) {
        if (x->s[i].rt_req != id) continue;
        x->st.rt_bars++;
        x->bar_since_broken = 1;
        x->s[i].arrived_ns = x->last_bar_ns = tb_clock_now_ns();
        tb_bar out[2];
        int k = ibkr_agg_add(&x->s[i].agg, &b, out);
        for (int j = 0; j < k; j++) live_ibkr_deliver_minute(x, i, &out[j]);
        return;
    }
    x->st.stale++; /* a subscription we no longer own */
}

/* ---- subscriptions -------------------------------------------------------------------------- */

/* 1 when the regular session is open on the wall clock and has been for a minute at least. */
static int mid_session(const li *x, int64_t now_ns)
{
    tb_session ss;
    return x->o->cal && tb_cal_is_open(x->o->cal, now_ns, 0) &&
           tb_cal_session(x->o->cal, tb_cal_session_day(now_ns), &ss) &&
           now_ns >= ss.open_ns + 60 * TB_NS_PER_SEC;
}

void live_ibkr_subscribe_all(li *x, const char *why)
{
    int n = 0;
    int64_t now = tb_clock_now_ns();
    /* a first subscription after the open backfills the session so far: strategies see it all */
    int arm = x->ever || mid_session(x, now);
    tb_sbuf b = {0};
    tb_err e;
    for (int i = 0; i < x->n; i++) {
        li_sym *s = &x->s[i];
        /* on the same socket, the old subscription is ended first (after 1101 or a farm blip) */
        if (s->rt_req && ibkr_enc_cancel_rt_bars(&b, s->rt_req, &e) == 0) send_frame(x, &b);
        s->rt_req = x->next_rt++; /* never a historical id: those wait in slots */
        ibkr_agg_reset(&s->agg);
        if (ibkr_enc_rt_bars(&b, s->rt_req, s->name, 1, &e) == 0 && send_frame(x, &b) == 0) n++;
        if (arm && s->bf == BF_NONE) s->bf = BF_ARMED;
        if (s->bf == BF_ARMED) s->armed_ns = now; /* the backfill timer counts from here */
    }
    x->last_sub_ns = now;
    tb_sbuf_free(&b);
    x->subs_live = 1;
    x->farm_broken = 0;
    if (x->ever) x->st.resubscribes++;
    x->st.subscribes++;
    TB_INFO(
        "feed", "ibkr feed: %s real-time bars of %d symbols (5 s TRADES, regular hours, %s)%s%s",
        x->ever ? "resubscribed to" : "subscribed to", n,
        x->sharing ? "the broker's connection" : "own connection", why ? ": " : "", why ? why : "");
    x->ever = 1;
}

/* The session's subscriptions are gone (socket dropped, 1101): nothing more comes on them. */
static void subs_lost(li *x, int socket_gone)
{
    x->subs_live = 0;
    for (int i = 0; i < x->n; i++) {
        li_sym *s = &x->s[i];
        ibkr_agg_reset(&s->agg);
        if (socket_gone) s->rt_req = 0;
        if (socket_gone && s->bf == BF_WAIT) s->bf = BF_ARMED, s->nheld = 0; /* refetched */
        if (socket_gone) s->bf_no_slot = 0;
    }
    if (!socket_gone) return;
    ibkr_hpace_clear(x->hp);
    ibkr_reqs_clear(&x->ids); /* no answer comes for a request of a socket that is gone */
    for (int k = 0; k < LI_REQS; k++) x->reqs[k].id = 0;
}

static void on_state(void *ud, ibkr_state st)
{
    li *x = ud;
    if (st == IBC_DISCONNECTED) subs_lost(x, 1);
    if (st == IBC_READY && !x->subs_live)
        live_ibkr_subscribe_all(x, x->ever ? "connection ready again" : NULL);
    if (st == IBC_READY) hp_drain(x);
}

static void on_data_lost(void *ud)
{
    li *x = ud;
    x->st.data_lost++;
    subs_lost(x, 0); /* resubscribed when the connection is ready again */
}

static void on_error(li *x, const tws_frame *f)
{
    ibkr_error er;
    tb_err e;
    if (ibkr_dec_error(f, &er, &e) != 0) return;
    if (er.code == 2103 || er.code == 2105 || er.code == 2157) {
        x->st.farm_broken++;
        x->farm_broken = 1;
        x->bar_since_broken = 0;
        return;
    }
    if (er.code == 2104 || er.code == 2106 || er.code == 2158) {
        x->st.farm_ok++;
        if (x->farm_broken && !x->bar_since_broken && x->subs_live) {
            x->st.farm_resubscribes++;
            live_ibkr_subscribe_all(x, "farm OK after broken, no bar since");
        }
        x->farm_broken = 0;
        return;
    }
    li_req *q = req_slot(x, er.id);
    if (!q) {
        if (er.id >= LI_REQ_BASE) {
            x->st.errors++;
            TB_WARN("feed", "ibkr feed: error %lld for request %lld: %s", (long long)er.code,
                    (long long)er.id, er.text);
        }
        return;
    }
    if (er.code == 162 && !strcasestr(er.text, "no data")) {
        x->st.pacing_162++;
        TB_WARN("feed", "ibkr feed: 162 for request %lld (%s): %s: retried by the pacer",
                (long long)er.id, x->s[q->sym].name, er.text);
        hp_queue(x, q);
        return;
    }
    if (er.code >= 2100 && er.code < 2200) { /* IB's warnings: the answer still comes */
        TB_WARN("feed", "ibkr feed: warning %lld for request %lld (%s): %s", (long long)er.code,
                (long long)er.id, x->s[q->sym].name, er.text);
        return;
    }
    /* any other answer that is an error ends the chunk (200 no security definition, 321, 354
     * not subscribed, ...): the symbol's backfill goes on, its held minutes never wait forever */
    if (er.code == 162)
        x->st.nodata_162++;
    else if (er.code == 366)
        x->st.code_366++;
    else
        x->st.hist_errors++;
    TB_WARN("feed",
            "ibkr feed: %lld for request %lld (%s, %s ending %s): %s: chunk ended, not retried",
            (long long)er.code, (long long)er.id, x->s[q->sym].name, q->dur, q->end, er.text);
    chunk_done(x, q);
}

static void on_message(void *ud, const tws_frame *f)
{
    li *x = ud;
    int64_t id;
    if (tws_field_int(f, 0, &id) != 0) return;
    if (id == 50) on_rt_bar(x, f);
    if (id == 17) on_hist(x, f);
    if (id == 4) on_error(x, f);
}

static void on_detach(void *ud)
{
    li *x = ud;
    x->shared = NULL;
    subs_lost(x, 1);
}

/* ---- the tb_live_src ------------------------------------------------------------------------ */

static int li_start(void *sv, tb_err *e)
{
    li *x = sv;
    struct timeval one = {1, 0};
    event_add(x->tick, &one);
    ibkr_conn_tap tap = {on_state, on_message, on_data_lost, x, LI_REQ_BASE};
    if (x->sharing) {
        if (!x->o->ibkr.shared || !(x->shared = *x->o->ibkr.shared))
            return tb_errf(e, "feed ibkr: the ibkr broker to share is not there");
        ibkr_set_data_tap(x->shared, &tap, on_detach);
        TB_INFO("feed", "ibkr feed: sharing the broker's connection");
        if (live_ibkr_conn(x) && ibkr_conn_state(live_ibkr_conn(x)) == IBC_READY)
            live_ibkr_subscribe_all(x, NULL);
        return 0;
    }
    ibkr_conn_opts co = {.base = x->o->base,
                         .host = x->o->ibkr.host,
                         .port = x->o->ibkr.port,
                         .client_id = x->client_id,
                         .alt_client_id = -1,
                         .reconnect_min_ms = x->o->ibkr.reconnect_min_ms,
                         .reconnect_max_ms = x->o->ibkr.reconnect_max_ms,
                         .data_only = 1};
    if (!(x->own = ibkr_conn_new(&co, e))) return -1;
    ibkr_conn_set_tap(x->own, &tap);
    TB_INFO("feed", "ibkr feed: own connection to %s:%d client_id=%d", x->o->ibkr.host,
            x->o->ibkr.port, x->client_id);
    return ibkr_conn_start(x->own, e);
}

static void li_free(void *sv)
{
    li *x = sv;
    if (x->shared) ibkr_set_data_tap(x->shared, NULL, NULL);
    if (x->own) ibkr_conn_set_tap(x->own, NULL);
    ibkr_conn_free(x->own);
    ibkr_hpace_free(x->hp);
    if (x->hp_timer) event_free(x->hp_timer);
    if (x->tick) event_free(x->tick);
    free(x->s);
    free(x);
}

int live_ibkr_connected(void *sv)
{
    li *x = sv;
    ibkr_conn *c = live_ibkr_conn(x);
    return c && ibkr_conn_state(c) == IBC_READY && x->subs_live;
}

int tb_live_ibkr_src(tb_live *l, const tb_live_opts *o, tb_live_src *out, tb_err *e)
{
    li *x = calloc(1, sizeof *x);
    if (!x) return tb_errf(e, "ibkr feed: out of memory");
    x->l = l, x->o = o, x->n = o->nsymbols;
    x->sharing = o->ibkr.shared != NULL;
    x->client_id = o->ibkr.client_id;
    x->next_rt = LI_RT_BASE;
    ibkr_reqs_init(&x->ids, LI_HIST_BASE);
    x->s = calloc((size_t)o->nsymbols, sizeof *x->s);
    x->hp = ibkr_hpace_new(LI_MARGIN_NS);
    x->hp_timer = evtimer_new(o->base, on_hp_timer, x);
    x->tick = event_new(o->base, -1, EV_PERSIST, live_ibkr_on_tick, x);
    x->stale_after_ns = (int64_t)o->ibkr.stale_after_ms * 1000000;
    /* defaults for callers that set none: IB sends a 5 s bar about 5 s after its end */
    x->grace_ns =
        (int64_t)(o->ibkr.minute_grace_ms > 0 ? o->ibkr.minute_grace_ms : 10000) * 1000000;
    x->bf_after_ns =
        (int64_t)(o->ibkr.backfill_after_ms > 0 ? o->ibkr.backfill_after_ms : 70000) * 1000000;
    if (!x->s || !x->hp || !x->hp_timer || !x->tick) {
        li_free(x);
        return tb_errf(e, "ibkr feed: out of memory");
    }
    for (int i = 0; i < x->n; i++) {
        int64_t id = tb_symtab_intern(o->syms, o->symbols[i], e);
        if (id < 0) {
            li_free(x);
            return -1;
        }
        x->s[i].name = o->symbols[i];
        x->s[i].id = (uint32_t)id;
        ibkr_agg_init(&x->s[i].agg, (uint32_t)id);
    }
    *out = (tb_live_src){li_start, li_free, live_ibkr_connected, live_ibkr_status, x};
    return 0;
}
