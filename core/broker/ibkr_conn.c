#include "broker/ibkr_conn.h"
#include "broker/ibkr_pace.h"
#include "broker/ibkr_sendlog.h"
#include "log/log.h"
#include "loop/stall.h"
#include "util/backoff.h"
#include "util/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { SYNC_OPEN = 1, SYNC_POS = 2, SYNC_EXEC = 4, SYNC_ALL = 7 };

struct ibkr_conn {
    ibkr_conn_opts o;
    char host[64];
    ibkr_state state;
    struct bufferevent *bev;
    struct event *retry, *greet_timer; /* no greeting in time: drop (DNS stall, dead relay) */
    ibkr_pacer *pace;                  /* every message after the greeting goes through it */
    struct evdns_base *dns; /* a host name (ib-gateway in compose): resolved on the loop */
    int greeted, positions_on, sync_got, sync_req_id, cur_id, fails_326;
    int quiet;     /* the sync in progress keeps the state ready */
    int farm_down; /* a farm-broken notice not yet followed by an OK (logged once each) */
    int64_t next_id;
    tb_backoff backoff;
    ibkr_conn_stats st;
    ibkr_conn_tap tap;
    evutil_socket_t drain_fd; /* >= 0 while ibkr_conn_drain writes directly */
    int64_t drain_end_ns;
    size_t drain_left;   /* bytes the socket did not take */
    size_t drain_unsent; /* frames not written (each named) */
};

const char *ibkr_state_name(ibkr_state s)
{
    static const char *const n[] = {"disconnected", "connecting", "syncing", "ready", "paused"};
    return (unsigned)s < 5 ? n[s] : "?";
}

static void set_state(ibkr_conn *c, ibkr_state s)
{
    if (c->state == s) return;
    TB_INFO("ibkr", "connection state: %s -> %s", ibkr_state_name(c->state), ibkr_state_name(s));
    c->state = s;
    if (s == IBC_READY) c->st.readies++;
    if (c->o.on_state) c->o.on_state(c->o.ud, s);
    if (c->tap.on_state) c->tap.on_state(c->tap.ud, s);
}

static size_t write_direct(evutil_socket_t fd, const char *p, size_t len, int64_t start_by,
                           int64_t end_ns);

/* At shutdown a frame begun just before the bound may finish this much after it; the Gateway
 * then has this long to read our end and close its own (see close_gently). */
#define IBKR_CLOSE_WAIT_MS 3000L
#define FRAME_GRACE_NS     250000000LL

/* One line per order message dropped unsent (never resent: reconciliation settles them). */
static void log_unsent(void *ud, const void *frame, size_t len)
{
    const char *why = ud;
    ibkr_frame_info i;
    char d[128];
    ibkr_frame_info_of(frame, len, &i);
    if (i.msg_id == 3 || i.msg_id == 4)
        TB_WARN("ibkr", "not sent (%s): %s", why, ibkr_frame_describe(&i, d, sizeof d));
}

static int pace_write(void *ud, const void *frame, size_t len)
{
    ibkr_conn *c = ud;
    if (c->bev && c->drain_fd >= 0) { /* shutdown (ibkr_conn_drain): straight to the socket */
        /* Begun before the bound or not at all; a frame begun is finished (a torn one is
         * garbage to the Gateway). One not written is named like the queue's rest. */
        size_t left = write_direct(c->drain_fd, frame, len, c->drain_end_ns,
                                   c->drain_end_ns + FRAME_GRACE_NS);
        c->drain_left += left;
        if (left) {
            c->drain_unsent++;
            log_unsent("shutdown", frame, len);
            return -1;
        }
    } else if (!c->bev || bufferevent_write(c->bev, frame, len) != 0) {
        return -1;
    }
    if (c->o.on_sent) c->o.on_sent(c->o.ud, frame, len);
    return 0;
}

static void send_msg(ibkr_conn *c, const int64_t *f, int n)
{
    tb_sbuf b = {0};
    tb_err e;
    if (c->bev && tws_ints(&b, f, n, &e) == 0) ibkr_pacer_send(c->pace, b.s, b.len);
    tb_sbuf_free(&b);
}

static void send_start_api(ibkr_conn *c)
{
    tb_sbuf b = {0};
    tb_err e;
    tws_begin(&b);
    tws_put_int(&b, 71);
    tws_put_int(&b, 2);
    tws_put_int(&b, c->cur_id);
    tws_put_str(&b, ""); /* optional capabilities */
    if (tws_end(&b, &e) == 0) ibkr_pacer_send(c->pace, b.s, b.len);
    tb_sbuf_free(&b);
}

/* Open orders (all clients: orders are matched by orderRef), positions, executions. */
static void send_sync_requests(ibkr_conn *c);

static void request_sync(ibkr_conn *c)
{
    c->sync_got = 0;
    c->quiet = 0;
    c->st.syncs++;
    set_state(c, IBC_SYNCING);
    if (c->o.data_only) {
        /* nothing to reconcile on a market-data connection; the tap still sees ready again */
        c->sync_got = SYNC_ALL;
        set_state(c, IBC_READY);
        return;
    }
    send_sync_requests(c);
}

static void send_sync_requests(ibkr_conn *c)
{
    const int64_t open[] = {16, 1}, pos[] = {61, 1}, cancel_pos[] = {64, 1};
    send_msg(c, open, 2);
    /* reqPositions is a subscription: end the one of this session before asking again. */
    if (c->positions_on) send_msg(c, cancel_pos, 2);
    send_msg(c, pos, 2);
    c->positions_on = 1;
    tb_sbuf b = {0};
    tb_err e;
    tws_begin(&b);
    tws_put_int(&b, 7); /* REQ_EXECUTIONS v3: reqId and an empty filter */
    tws_put_int(&b, 3);
    tws_put_int(&b, ++c->sync_req_id);
    tws_put_int(&b, 0);
    for (int i = 0; i < 6; i++) tws_put_str(&b, "");
    if (tws_end(&b, &e) == 0) ibkr_pacer_send(c->pace, b.s, b.len);
    tb_sbuf_free(&b);
}

static void connect_now(ibkr_conn *c);

static void on_retry(evutil_socket_t fd, short w, void *arg)
{
    connect_now(arg);
}

static void drop(ibkr_conn *c, const char *why)
{
    evtimer_del(c->greet_timer);
    if (c->bev) bufferevent_free(c->bev);
    c->bev = NULL;
    c->st.drops++;
    size_t lost = ibkr_pacer_clear(c->pace, log_unsent, "connection gone"); /* never resent */
    if (lost) TB_WARN("ibkr", "%zu queued messages discarded with the connection", lost);
    set_state(c, IBC_DISCONNECTED);
    long wait = tb_backoff_next(&c->backoff, 0);
    TB_WARN("ibkr", "disconnected (%s): reconnect with backoff: wait_ms=%ld client_id=%d", why,
            wait, c->cur_id);
    struct timeval tv = {wait / 1000, (wait % 1000) * 1000};
    evtimer_add(c->retry, &tv);
}

static void on_error_msg(ibkr_conn *c, const tws_frame *f)
{
    int64_t id = -1, code = 0;
    tws_field_int(f, 2, &id);
    tws_field_int(f, 3, &code);
    const char *text = f->n > 4 ? f->field[4] : "";
    switch (code) {
    case 1100:
        c->st.code_1100++;
        TB_WARN("ibkr", "1100 connectivity between IB and the Gateway lost: trading paused");
        set_state(c, IBC_PAUSED);
        return;
    case 1101:
        c->st.code_1101++;
        TB_WARN("ibkr", "1101 connectivity restored, data lost: requesting everything again");
        if (c->tap.on_data_lost) c->tap.on_data_lost(c->tap.ud);
        request_sync(c);
        return;
    case 1102:
        c->st.code_1102++;
        TB_INFO("ibkr", "1102 connectivity restored, data kept: trading resumes");
        if (c->state == IBC_PAUSED) set_state(c, c->sync_got == SYNC_ALL ? IBC_READY : IBC_SYNCING);
        return;
    case 326:
        c->st.code_326++;
        if (++c->fails_326 >= 2 && c->o.alt_client_id >= 0 && c->cur_id != c->o.alt_client_id) {
            TB_WARN("ibkr", "326 client id %d in use: switching to the alternate id %d", c->cur_id,
                    c->o.alt_client_id);
            c->cur_id = c->o.alt_client_id;
        } else {
            TB_WARN("ibkr", "326 client id %d in use: %s", c->cur_id, text);
        }
        return;
    case 2104:
    case 2106:
    case 2158: /* the adapter and the feed act on it and log what they do, not the notice */
        c->st.farm_ok++;
        if (c->farm_down) TB_INFO("ibkr", "%lld %s", (long long)code, text);
        c->farm_down = 0;
        break;
    case 2103:
    case 2105:
    case 2157:
        c->st.farm_broken++;
        c->farm_down = 1;
        TB_WARN("ibkr", "%lld %s", (long long)code, text);
        break;
    case 202: /* order cancelled: expected after a cancel or an OCA fill; the adapter applies it */
        TB_INFO("ibkr", "202 id=%lld: %s", (long long)id, text);
        break;
    default:
        c->st.errors++;
        if (c->tap.ids_from > 0 && id >= c->tap.ids_from) break; /* the tap logs its own */
        TB_WARN("ibkr", "error id=%lld code=%lld: %s", (long long)id, (long long)code, text);
    }
    if (c->o.on_message) c->o.on_message(c->o.ud, f);
}

/* A Gateway below the versions we build layouts for: never traded with (it would misread every
 * order). Logged as an error once per version, then retried quietly with backoff. */
static void refuse_version(ibkr_conn *c, const tws_frame *f)
{
    int64_t v = 0;
    tws_field_int(f, 0, &v);
    c->st.version_refusals++;
    if (c->st.refused_version != (int)v)
        TB_ERROR("ibkr",
                 "the Gateway answered server version %lld; this engine builds its messages for "
                 "%d..%d only: not trading with it (upgrade IB Gateway; the engine keeps retrying)",
                 (long long)v, IBKR_MIN_VERSION, IBKR_MAX_VERSION);
    c->st.refused_version = (int)(v > 0 && v < 1000000 ? v : -1);
    drop(c, "server version outside the range this engine builds");
}

static void on_frame(ibkr_conn *c, const tws_frame *f)
{
    int64_t id = -1, v;
    if (!c->greeted) {
        if (tws_field_int(f, 0, &v) != 0 || v < IBKR_MIN_VERSION || v > IBKR_MAX_VERSION) {
            refuse_version(c, f);
            return;
        }
        c->greeted = 1;
        c->st.refused_version = 0;
        evtimer_del(c->greet_timer);
        c->st.server_version = (int)v;
        TB_INFO("ibkr", "connected: server_version=%d time=%s client_id=%d", (int)v,
                f->n > 1 ? f->field[1] : "?", c->cur_id);
        send_start_api(c);
        return;
    }
    tws_field_int(f, 0, &id);
    if ((id == 4 || id == 50 || id == 17) && c->tap.on_message) {
        c->tap.on_message(c->tap.ud, f);
        if (id != 4 || !c->bev) return;
    }
    if (id == 4) return on_error_msg(c, f);
    if (id == 9 && tws_field_int(f, 2, &v) == 0) {
        /* Only ever forward: a rewound counter would reissue ids (error 103). */
        int64_t want = c->o.persisted_next_id > 0 ? c->o.persisted_next_id + 1 : 0;
        if (v > want) want = v;
        if (want > c->next_id) c->next_id = want;
        c->fails_326 = 0;
        tb_backoff_reset(&c->backoff);
        c->st.client_id = c->cur_id;
        if (c->state == IBC_CONNECTING) request_sync(c);
        return;
    }
    int bit = id == 53 ? SYNC_OPEN : id == 62 ? SYNC_POS : id == 55 ? SYNC_EXEC : 0;
    if (bit) {
        c->sync_got |= bit;
        if (c->sync_got == SYNC_ALL && c->state == IBC_SYNCING) set_state(c, IBC_READY);
        if (c->sync_got == SYNC_ALL && c->quiet) {
            c->quiet = 0;
            if (c->state == IBC_READY && c->o.on_quiet_synced) c->o.on_quiet_synced(c->o.ud);
        }
        return;
    }
    if (c->o.on_message) c->o.on_message(c->o.ud, f);
}

static void on_read_run(struct bufferevent *bev, void *arg)
{
    ibkr_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        size_t len = evbuffer_get_length(in), used;
        const uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)(len < 4 ? len : 4));
        if (len < 4 || !p) return;
        size_t need = 4 + ((size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3]);
        if (need > TWS_MAX_FRAME + 4) return drop(c, "frame over the limit");
        if (len < need) return;
        p = evbuffer_pullup(in, (ev_ssize_t)need);
        tws_frame f;
        tb_err e;
        int r = tws_frame_next(p, need, &used, &f, &e);
        if (r < 0) return drop(c, e.msg);
        evbuffer_drain(in, used);
        on_frame(c, &f);
        tws_frame_free(&f);
        if (!c->bev) return; /* dropped inside */
    }
}

/* Named work for the loop's stall record (loop/stall.h). */
static void on_read(struct bufferevent *bev, void *arg)
{
    tb_work_begin(TB_WORK_NET, "IB Gateway read", NULL);
    on_read_run(bev, arg);
    tb_work_end();
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    ibkr_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        tb_sbuf b = {0};
        tb_err e;
        if (tws_greeting(&b, IBKR_MIN_VERSION, IBKR_MAX_VERSION, &e) == 0)
            bufferevent_write(bev, b.s, b.len);
        tb_sbuf_free(&b);
        return;
    }
    int dns_err = bufferevent_socket_get_dns_error(bev);
    drop(c, what & BEV_EVENT_EOF ? "closed by the Gateway"
            : dns_err            ? evutil_gai_strerror(dns_err)
                                 : "socket error");
}

static void on_greet_timeout(evutil_socket_t fd, short w, void *arg)
{
    drop(arg, "no greeting from the Gateway in time");
}

/* A name is resolved again at every connect: a recreated Gateway container gets a new address. */
static int connect_by_name(ibkr_conn *c)
{
    if (!c->dns) {
        c->dns = evdns_base_new(c->o.base, 0);
        if (!c->dns) return -1;
        evdns_base_load_hosts(c->dns, NULL);
        if (!c->o.hosts_only)
            evdns_base_resolv_conf_parse(c->dns, DNS_OPTIONS_ALL, "/etc/resolv.conf");
    }
    return bufferevent_socket_connect_hostname(c->bev, c->dns, AF_INET, c->host, c->o.port);
}

static void connect_now(ibkr_conn *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->o.port)};
    int literal = inet_pton(AF_INET, c->host, &sa.sin_addr) == 1;
    c->greeted = 0;
    c->positions_on = 0;
    c->sync_got = 0;
    c->quiet = 0;
    c->st.connects++;
    set_state(c, IBC_CONNECTING);
    c->bev = bufferevent_socket_new(c->o.base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) return drop(c, "out of memory");
    bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
    struct timeval tv = {c->o.connect_timeout_ms / 1000, (c->o.connect_timeout_ms % 1000) * 1000};
    evtimer_add(c->greet_timer, &tv);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (literal ? bufferevent_socket_connect(c->bev, (struct sockaddr *)&sa, sizeof sa)
                : connect_by_name(c))
        drop(c, "connect failed");
}

ibkr_conn *ibkr_conn_new(const ibkr_conn_opts *o, tb_err *e)
{
    ibkr_conn *c = tb_zalloc(sizeof *c, "ibkr", e);
    if (!c) return NULL;
    c->o = *o;
    c->drain_fd = -1;
    snprintf(c->host, sizeof c->host, "%s", o->host ? o->host : "127.0.0.1");
    if (!c->o.port) c->o.port = 4002;
    if (!c->o.reconnect_min_ms) c->o.reconnect_min_ms = 2000;
    if (!c->o.reconnect_max_ms) c->o.reconnect_max_ms = 60000;
    if (!c->o.connect_timeout_ms) c->o.connect_timeout_ms = 15000;
    tb_backoff_init(&c->backoff, c->o.reconnect_min_ms, c->o.reconnect_max_ms,
                    (uint64_t)tb_clock_mono_ns());
    c->cur_id = o->client_id;
    c->greet_timer = evtimer_new(o->base, on_greet_timeout, c);
    c->pace = ibkr_pacer_new(o->base, o->max_msgs_per_sec, pace_write, c);
    if (!(c->retry = evtimer_new(o->base, on_retry, c)) || !c->greet_timer || !c->pace) {
        if (c->retry) event_free(c->retry);
        if (c->greet_timer) event_free(c->greet_timer);
        ibkr_pacer_free(c->pace);
        free(c);
        tb_errf(e, "ibkr: cannot create a timer");
        return NULL;
    }
    return c;
}

int ibkr_conn_start(ibkr_conn *c, tb_err *e)
{
    connect_now(c);
    return 0;
}

void ibkr_conn_free(ibkr_conn *c)
{
    if (!c) return;
    if (c->bev) bufferevent_free(c->bev);
    if (c->dns) evdns_base_free(c->dns, 1); /* 1: pending lookups release their sockets */
    event_free(c->retry);
    event_free(c->greet_timer);
    ibkr_pacer_free(c->pace);
    free(c);
}

ibkr_state ibkr_conn_state(const ibkr_conn *c)
{
    return c->state;
}

int64_t ibkr_conn_take_order_id(ibkr_conn *c)
{
    return c->next_id ? c->next_id++ : 0;
}

void ibkr_conn_note_order_id(ibkr_conn *c, int64_t id)
{
    if (id >= c->next_id && c->next_id) c->next_id = id + 1;
}

int ibkr_conn_send(ibkr_conn *c, const tb_sbuf *b)
{
    if (!c->bev || !c->greeted || c->state == IBC_CONNECTING) return -1;
    return ibkr_pacer_send(c->pace, b->s, b->len);
}

size_t ibkr_conn_queued(const ibkr_conn *c)
{
    return ibkr_pacer_queued(c->pace);
}

/* Writes len bytes straight to the socket (non-blocking: short waits), begun before start_by
 * or not at all, until end_ns; returns the bytes it did not take. Shutdown only: the loop that
 * drives the bufferevent is not run. */
static size_t write_direct(evutil_socket_t fd, const char *p, size_t len, int64_t start_by,
                           int64_t end_ns)
{
    size_t done = 0;
    if (tb_clock_mono_ns() >= start_by) return len;
    while (done < len && tb_clock_mono_ns() < end_ns) {
        ssize_t n = write(fd, p + done, len - done);
        if (n > 0) {
            done += (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            break;
        } else {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
    }
    return len - done;
}

/* Ends our side and reads until the Gateway closes its own (or end_ns). A close() with unread
 * data in our receive buffer, or data arriving after it, sends a reset, and a reset makes the
 * peer's kernel drop what it has received and not yet read: the last orders written would never
 * reach the Gateway. The Gateway closes once it has read our end, so its close is the proof it
 * read every order; a Gateway that does not close in time is named. */
static void close_gently(evutil_socket_t fd, int64_t end_ns, long wait_ms)
{
    char scratch[4096];
    if (shutdown(fd, SHUT_WR) != 0) return;
    while (tb_clock_mono_ns() < end_ns) {
        ssize_t n = read(fd, scratch, sizeof scratch);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
        if (n < 0) {
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
    }
    TB_WARN("ibkr",
            "shutdown: the Gateway did not close the connection within %ld ms of ours: the "
            "last orders written may not have reached it (reconciliation at the next start "
            "settles them)",
            wait_ms);
}

size_t ibkr_conn_drain(ibkr_conn *c, long bound_ms)
{
    size_t socket_left = 0;
    if (c->bev) {
        /* What the bufferevent holds first (its start is frozen, so it is written straight from
         * its chunks; the bufferevent is freed after), then the queue, paced, frame by frame. */
        c->drain_end_ns = tb_clock_mono_ns() + (int64_t)bound_ms * 1000000;
        c->drain_fd = bufferevent_getfd(c->bev);
        struct evbuffer *out = bufferevent_get_output(c->bev);
        int n = evbuffer_peek(out, -1, NULL, NULL, 0); /* the start is frozen: no copyout */
        struct evbuffer_iovec *v = n > 0 ? calloc((size_t)n, sizeof *v) : NULL;
        if (v) evbuffer_peek(out, -1, NULL, v, n);
        for (int i = 0; v && i < n; i++) {
            size_t left = socket_left ? v[i].iov_len
                                      : write_direct(c->drain_fd, v[i].iov_base, v[i].iov_len,
                                                     c->drain_end_ns, c->drain_end_ns);
            socket_left += left;
        }
        if (n > 0 && !v) socket_left = evbuffer_get_length(out);
        free(v);
        /* The queue gets what is left of the same bound, not a bound of its own. */
        long left_ms = (long)((c->drain_end_ns - tb_clock_mono_ns()) / 1000000);
        if (c->greeted && !socket_left && left_ms > 0) ibkr_pacer_flush(c->pace, left_ms);
    }
    size_t dropped = ibkr_pacer_clear(c->pace, log_unsent, "shutdown") + c->drain_unsent;
    if (dropped || socket_left || c->drain_left)
        TB_WARN("ibkr",
                "shutdown: %zu queued messages dropped unsent after %ld ms (%zu bytes the "
                "socket did not take)",
                dropped, bound_ms, socket_left + c->drain_left);
    if (c->bev && c->drain_fd >= 0)
        close_gently(c->drain_fd, tb_clock_mono_ns() + IBKR_CLOSE_WAIT_MS * 1000000LL,
                     IBKR_CLOSE_WAIT_MS);
    c->drain_fd = -1;
    return dropped;
}

void ibkr_conn_resync(ibkr_conn *c)
{
    if (c->bev && c->greeted && c->state != IBC_CONNECTING) request_sync(c);
}

int ibkr_conn_quiet_sync(ibkr_conn *c)
{
    if (!c->bev || c->state != IBC_READY || c->quiet) return -1;
    c->sync_got = 0;
    c->quiet = 1;
    c->st.quiet_syncs++;
    send_sync_requests(c);
    return 0;
}

void ibkr_conn_set_tap(ibkr_conn *c, const ibkr_conn_tap *t)
{
    if (t)
        c->tap = *t;
    else
        memset(&c->tap, 0, sizeof c->tap);
}

void ibkr_conn_stats_get(const ibkr_conn *c, ibkr_conn_stats *out)
{
    *out = c->st;
    ibkr_pace_stats ps;
    ibkr_pacer_stats_get(c->pace, &ps);
    out->msgs_sent = ps.sent;
    out->msgs_delayed = ps.delayed;
    out->msgs_discarded = ps.discarded;
    out->max_queue = ps.max_queue;
    out->queue_depth = ibkr_pacer_queued(c->pace);
}
