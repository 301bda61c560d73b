#include "feed/live.h"
#include "feed/bar_seq.h"
#include "log/log.h"
#include "loop/stall.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

/* Events for the trader wait here once the loop has spent TB_LIVE_SLICE_NS on them in one turn
 * (a minute's bars for hundreds of symbols arrive together), and go on in the next turn, after
 * whatever else became ready: a fill or a dashboard request waits one slice, not the burst. */
typedef struct live_ev {
    tb_replay_event type;
    int64_t sim_ns;
    tb_bar bar;
    tb_session session; /* as it was when the event happened */
} live_ev;

struct tb_live {
    tb_live_opts o;
    char **symv; /* the symbols, copied */
    char name[16];
    tb_http *http;
    tb_live_src src;
    struct event *tick;
    tb_bar_seq seq;
    tb_bar_vec today; /* this session's bars, corrections applied */
    tb_session session;
    int started, ended;
    tb_live_stats st;
    live_ev *q; /* ring of events waiting for the next slice (grows, never per event) */
    size_t qhead, qn, qcap;
    struct event *slice; /* 0-timeout timer: the next loop turn (after I/O and due timers) */
    int in_slice;        /* this loop turn already delivered events, since slice_ns */
    int64_t slice_ns;
};

static void deliver(tb_live *l, const live_ev *x)
{
    tb_replay_ev ev = {.type = x->type,
                       .bar = x->type == TB_REPLAY_BAR ? &x->bar : NULL,
                       .session = &x->session,
                       .sim_ns = x->sim_ns};
    l->o.cb(&ev, l->o.ud);
}

/* A 0 timeout is a timer, run in the loop's next turn after polling I/O; event_active would run
 * it in this turn's active queue, before anything else could. */
static void next_turn(tb_live *l)
{
    static const struct timeval zero = {0, 0};
    event_add(l->slice, &zero);
}

/* 1 while this loop turn may still deliver now: the first delivery of a turn starts its slice. */
static int slice_open(tb_live *l)
{
    int64_t now = tb_clock_mono_ns();
    if (!l->in_slice) {
        l->in_slice = 1, l->slice_ns = now;
        next_turn(l); /* ends the slice when the loop comes back */
        return 1;
    }
    return now - l->slice_ns < TB_LIVE_SLICE_NS;
}

static int enqueue(tb_live *l, const live_ev *x)
{
    if (l->qn == l->qcap) {
        size_t cap = l->qcap ? l->qcap * 2 : 1024;
        live_ev *n = malloc(cap * sizeof *n);
        if (!n) return -1;
        for (size_t i = 0; i < l->qn; i++) n[i] = l->q[(l->qhead + i) % l->qcap];
        free(l->q);
        l->q = n, l->qcap = cap, l->qhead = 0;
    }
    l->q[(l->qhead + l->qn++) % l->qcap] = *x;
    if (l->qn > l->st.queue_max) l->st.queue_max = l->qn;
    return 0;
}

static void on_slice(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_FEED, "live feed slice", NULL);
    tb_live *l = arg;
    l->in_slice = 0;
    while (l->qn && slice_open(l)) {
        live_ev x = l->q[l->qhead];
        l->qhead = (l->qhead + 1) % l->qcap, l->qn--;
        deliver(l, &x);
    }
    if (l->qn) l->st.slices++;
    tb_work_end();
}

static void emit(tb_live *l, tb_replay_event type, const tb_bar *b, int64_t sim_ns)
{
    live_ev x = {.type = type, .sim_ns = sim_ns, .session = l->session};
    if (b) x.bar = *b;
    if (!l->qn && slice_open(l)) return deliver(l, &x);
    if (enqueue(l, &x) != 0) { /* out of memory: late is worse than slow, deliver now */
        TB_ERROR("feed", "live feed: out of memory for the event queue: delivered at once");
        return deliver(l, &x);
    }
    if (!l->in_slice) next_turn(l);
}

static void end_session(tb_live *l)
{
    if (!l->started || l->ended) return;
    l->ended = 1;
    emit(l, TB_REPLAY_SESSION_END, NULL, l->session.close_ns);
}

static void start_session(tb_live *l, const tb_session *s)
{
    end_session(l);
    l->session = *s;
    l->started = 1, l->ended = 0;
    l->today.n = 0;
    l->st.sessions++;
    emit(l, TB_REPLAY_SESSION_START, NULL, s->open_ns);
}

static void on_tick_run(evutil_socket_t fd, short what, void *arg)
{
    tb_live *l = arg;
    int64_t now = tb_clock_now_ns(), grace = (int64_t)l->o.end_grace_ms * 1000000;
    tb_session s;
    if (l->started && !l->ended && now >= l->session.close_ns + grace) end_session(l);
    if (!tb_cal_session(l->o.cal, tb_cal_session_day(now), &s)) return;
    if (now >= s.open_ns && now < s.close_ns + grace && (!l->started || l->session.date != s.date))
        start_session(l, &s);
}

/* Named work for the loop's stall record (loop/stall.h). */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_FEED, "live feed session timer", NULL);
    on_tick_run(fd, what, arg);
    tb_work_end();
}

static int replace(tb_live *l, const tb_bar *b)
{
    for (size_t i = l->today.n; i-- > 0;) {
        tb_bar *x = &l->today.v[i];
        if (x->sym == b->sym && x->start_ns == b->start_ns) {
            *x = *b;
            return 1;
        }
    }
    return 0;
}

static void store(tb_live *l, const tb_bar *b)
{
    if (l->o.store) l->o.store(l->o.store_ud, b);
}

void tb_live_push(tb_live *l, const tb_bar *b, int corrected)
{
    if (corrected && replace(l, b)) {
        l->st.corrected++;
        store(l, b);
        return;
    }
    tb_session s;
    tb_date d = tb_cal_session_day(b->start_ns);
    if (!tb_cal_session(l->o.cal, d, &s) || b->start_ns < s.open_ns || b->start_ns >= s.close_ns ||
        (l->started && l->session.date == d && l->ended) || (l->started && d < l->session.date)) {
        l->st.outside_session++;
        return;
    }
    if (!l->started || l->session.date != d) start_session(l, &s);
    int rc = tb_bar_seq_accept(&l->seq, b);
    if (rc != 1) {
        if (corrected) store(l, b); /* a correction of a bar delivered before a restart */
        l->st.duplicates += rc == 0;
        return;
    }
    tb_bar_vec_push(&l->today, b, NULL);
    store(l, b);
    l->st.bars++;
    l->st.last_bar_wall_ns = tb_clock_now_ns();
    l->st.last_bar_start_ns = b->start_ns;
    emit(l, TB_REPLAY_BAR, b, tb_bar_end_ns(b));
}

double tb_live_staleness_s(const tb_live *l, int64_t now_ns)
{
    if (!tb_cal_is_open(l->o.cal, now_ns, 0)) return 0;
    tb_session s;
    tb_cal_session(l->o.cal, tb_cal_session_day(now_ns), &s);
    int64_t since = l->st.last_bar_wall_ns > s.open_ns ? l->st.last_bar_wall_ns : s.open_ns;
    return now_ns > since ? (double)(now_ns - since) / 1e9 : 0;
}

int64_t tb_live_last_start(const tb_live *l, uint32_t sym)
{
    return tb_bar_seq_last(&l->seq, sym);
}

int tb_live_connected(const tb_live *l)
{
    return l->src.connected ? l->src.connected(l->src.s) : 0;
}

int tb_live_bar(const tb_live *l, uint32_t sym, int64_t start_ns, tb_bar *out)
{
    for (size_t i = l->today.n; i-- > 0;)
        if (l->today.v[i].sym == sym && l->today.v[i].start_ns == start_ns) {
            *out = l->today.v[i];
            return 1;
        }
    return 0;
}

void tb_live_stats_get(const tb_live *l, tb_live_stats *out)
{
    *out = l->st;
}

json_t *tb_live_status_json(const tb_live *l, int64_t now_ns)
{
    int up = tb_live_connected(l);
    json_t *o =
        json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:f}", "name", l->name, "connected", up, "bars",
                  (json_int_t)l->st.bars, "corrected", (json_int_t)l->st.corrected, "gap_minutes",
                  (json_int_t)l->seq.gap_minutes, "sessions", (json_int_t)l->st.sessions,
                  "staleness_s", tb_live_staleness_s(l, now_ns));
    if (!o) return NULL;
    json_object_set_new(o, "waiting_events", json_integer((json_int_t)l->qn));
    json_object_set_new(o, "split_bursts", json_integer((json_int_t)l->st.slices));
    json_object_set_new(o, "queue_max", json_integer((json_int_t)l->st.queue_max));
    if (l->src.status) l->src.status(l->src.s, o);
    if (l->o.store_status) l->o.store_status(l->o.store_ud, o);
    char t[40];
    if (l->st.last_bar_start_ns)
        json_object_set_new(o, "last_bar",
                            json_string(tb_clock_fmt_utc(l->st.last_bar_start_ns, t, sizeof t)));
    return o;
}

tb_live *tb_live_new(const tb_live_opts *o, tb_err *e)
{
    if (!o->base || !o->syms || !o->cb || o->nsymbols < 1) {
        tb_errf(e, "live feed: loop, symbols and callback are required (no symbols: set "
                   "\"symbols\", write a candidates file, or give strategies symbols)");
        return NULL;
    }
    tb_live *l = tb_zalloc(sizeof *l, "live feed", e);
    if (!l) return NULL;
    l->o = *o;
    if (!(l->symv = calloc((size_t)o->nsymbols, sizeof *l->symv))) {
        free(l);
        tb_errf(e, "live feed: out of memory");
        return NULL;
    }
    for (int i = 0; i < o->nsymbols; i++)
        if (!(l->symv[i] = strdup(o->symbols[i]))) {
            l->o.nsymbols = i;
            tb_live_free(l);
            tb_errf(e, "live feed: out of memory");
            return NULL;
        }
    l->o.symbols = (const char *const *)l->symv;
    if (!l->o.tick_ms) l->o.tick_ms = 1000;
    if (!l->o.end_grace_ms) l->o.end_grace_ms = 90000;
    snprintf(l->name, sizeof l->name, "%s", o->name ? o->name : "live");
    tb_httpc_opts ho = {.base = o->base, .ca_file = o->ca_file};
    if (!(l->http = tb_httpc_new(&ho, e)) ||
        !(l->tick = event_new(o->base, -1, EV_PERSIST, on_tick, l)) ||
        !(l->slice = event_new(o->base, -1, 0, on_slice, l))) {
        tb_live_free(l);
        return NULL;
    }
    int rc = o->kind == TB_LIVE_ALPACA ? tb_live_alpaca_src(l, &l->o, l->http, &l->src, e)
             : o->kind == TB_LIVE_IBKR ? tb_live_ibkr_src(l, &l->o, &l->src, e)
                                       : tb_live_polygon_src(l, &l->o, l->http, &l->src, e);
    if (rc != 0) {
        tb_live_free(l);
        return NULL;
    }
    return l;
}

int tb_live_start(tb_live *l, tb_err *e)
{
    struct timeval tv = {l->o.tick_ms / 1000, (l->o.tick_ms % 1000) * 1000};
    if (event_add(l->tick, &tv) != 0) return tb_errf(e, "live feed: cannot add the timer");
    on_tick(-1, 0, l);
    TB_INFO("feed", "live feed %s: %d symbols", l->name, l->o.nsymbols);
    return l->src.start(l->src.s, e);
}

void tb_live_free(tb_live *l)
{
    if (!l) return;
    tb_httpc_free(l->http);
    if (l->src.free) l->src.free(l->src.s);
    if (l->tick) event_free(l->tick);
    if (l->slice) event_free(l->slice);
    if (l->qn)
        TB_WARN("feed",
                "live feed %s stopped with %zu bars and session events not yet handed to "
                "strategies (they are in the bar store)",
                l->name, l->qn);
    free(l->q);
    tb_bar_seq_free(&l->seq);
    tb_bar_vec_free(&l->today);
    for (int i = 0; l->symv && i < l->o.nsymbols; i++) free(l->symv[i]);
    free(l->symv);
    free(l);
}

void tb_live_http_stats(const tb_live *l, tb_httpc_stats *out)
{
    if (l && l->http)
        tb_httpc_stats_get(l->http, out);
    else
        *out = (tb_httpc_stats){0};
}
