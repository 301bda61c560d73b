#include "net/ws.h"
#include "log/log.h"
#include "loop/stall.h"
#include "util/backoff.h"
#include "util/clock.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wslay/wslay.h>

#define WS_MAX_MSG (16u << 20)

struct tb_ws {
    tb_ws_opts o;
    char *url;
    char host[256], path[1024];
    int port, tls;
    tb_ws_state state;
    struct evdns_base *dns;
    SSL_CTX *ssl_ctx;
    struct bufferevent *bev;
    wslay_event_context_ptr ctx;
    struct event *retry;
    char key[32];
    tb_backoff backoff;
    uint64_t reconnects;
};

int tb_ws_parse_url(const char *url, int *tls, char *host, int *port, char *path, size_t cap)
{
    const char *p;
    if (strncmp(url, "wss://", 6) == 0)
        *tls = 1, p = url + 6, *port = 443;
    else if (strncmp(url, "ws://", 5) == 0)
        *tls = 0, p = url + 5, *port = 80;
    else
        return -1;
    size_t hl = strcspn(p, ":/");
    if (hl == 0 || hl >= cap) return -1;
    memcpy(host, p, hl);
    host[hl] = '\0';
    p += hl;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (v <= 0 || v > 65535) return -1;
        *port = (int)v;
        p = end;
    }
    if (*p && *p != '/') return -1;
    snprintf(path, cap, "%s", *p ? p : "/");
    return 0;
}

/* ---- wslay callbacks ------------------------------------------------------------------------ */

static ssize_t ws_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
    tb_ws *w = ud;
    struct evbuffer *in = bufferevent_get_input(w->bev);
    int n = evbuffer_remove(in, buf, len);
    if (n <= 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    return n;
}

static ssize_t ws_send(wslay_event_context_ptr ctx, const uint8_t *d, size_t len, int flags,
                       void *ud)
{
    tb_ws *w = ud;
    if (bufferevent_write(w->bev, d, len) != 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static int ws_mask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
    return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

static void ws_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
                   void *ud)
{
    tb_ws *w = ud;
    if ((a->opcode == WSLAY_TEXT_FRAME || a->opcode == WSLAY_BINARY_FRAME) && w->o.on_message)
        w->o.on_message(w->o.ud, (const char *)a->msg, a->msg_length,
                        a->opcode == WSLAY_BINARY_FRAME);
}

/* ---- connection ----------------------------------------------------------------------------- */

static void connect_now(tb_ws *w);

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    connect_now(arg);
}

static void teardown(tb_ws *w)
{
    if (w->ctx) wslay_event_context_free(w->ctx);
    w->ctx = NULL;
    if (w->bev) bufferevent_free(w->bev);
    w->bev = NULL;
}

static void schedule_reconnect_after(tb_ws *w, const char *why, long min_wait_ms)
{
    int was_open = w->state == TB_WS_OPEN;
    teardown(w);
    w->state = TB_WS_WAITING;
    w->reconnects++;
    long wait = tb_backoff_next(&w->backoff, min_wait_ms);
    TB_WARN("ws", "stream closed: %s: reconnect with backoff: wait_ms=%ld url=%s%s", why, wait,
            w->host, w->path);
    struct timeval tv = {wait / 1000, (wait % 1000) * 1000};
    evtimer_add(w->retry, &tv);
    if (was_open && w->o.on_close) w->o.on_close(w->o.ud, why);
}

static void schedule_reconnect(tb_ws *w, const char *why)
{
    schedule_reconnect_after(w, why, 0);
}

static void pump(tb_ws *w)
{
    if (wslay_event_recv(w->ctx) != 0 || wslay_event_send(w->ctx) != 0) {
        schedule_reconnect(w, "protocol error");
        return;
    }
    if (!wslay_event_want_read(w->ctx) && !wslay_event_want_write(w->ctx))
        schedule_reconnect(w, "closed by peer");
}

static void b64(const unsigned char *in, int n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, n);
}

/* Reads the 101 answer and checks Sec-WebSocket-Accept; 1 done, 0 need more, -1 bad. */
static int read_handshake(tb_ws *w)
{
    struct evbuffer *in = bufferevent_get_input(w->bev);
    struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
    if (end.pos < 0) return evbuffer_get_length(in) > 16384 ? -1 : 0;
    size_t n = (size_t)end.pos + 4;
    char *h = malloc(n + 1);
    if (!h) return -1;
    evbuffer_remove(in, h, n);
    h[n] = '\0';
    char want[64], cat[128];
    unsigned char sha[SHA_DIGEST_LENGTH];
    snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", w->key);
    SHA1((unsigned char *)cat, strlen(cat), sha);
    b64(sha, SHA_DIGEST_LENGTH, want);
    int ok = strncmp(h, "HTTP/1.1 101", 12) == 0 && strcasestr(h, "sec-websocket-accept") &&
             strstr(h, want);
    if (!ok) TB_WARN("ws", "websocket handshake refused: %.*s", (int)strcspn(h, "\r\n"), h);
    free(h);
    return ok ? 1 : -1;
}

static void on_read_run(struct bufferevent *bev, void *arg)
{
    tb_ws *w = arg;
    if (w->state == TB_WS_CONNECTING) {
        int r = read_handshake(w);
        if (r == 0) return;
        if (r < 0) {
            schedule_reconnect(w, "handshake failed");
            return;
        }
        struct wslay_event_callbacks cb = {ws_recv, ws_send, ws_mask, NULL, NULL, NULL, ws_msg};
        if (wslay_event_context_client_init(&w->ctx, &cb, w) != 0) {
            schedule_reconnect(w, "out of memory");
            return;
        }
        wslay_event_config_set_max_recv_msg_length(w->ctx, WS_MAX_MSG);
        w->state = TB_WS_OPEN;
        tb_backoff_reset(&w->backoff);
        TB_INFO("ws", "stream connected: %s%s", w->host, w->path);
        if (w->o.on_open) w->o.on_open(w->o.ud);
        if (w->state != TB_WS_OPEN) return;
    }
    pump(w);
}

/* Named work for the loop's stall record (loop/stall.h). */
static void on_read(struct bufferevent *bev, void *arg)
{
    tb_work_begin(TB_WORK_NET, "stream read from", ((tb_ws *)arg)->host);
    on_read_run(bev, arg);
    tb_work_end();
}

static void send_upgrade(tb_ws *w)
{
    unsigned char raw[16];
    RAND_bytes(raw, sizeof raw);
    b64(raw, sizeof raw, w->key);
    char hostport[300];
    if ((w->tls && w->port == 443) || (!w->tls && w->port == 80))
        snprintf(hostport, sizeof hostport, "%s", w->host);
    else
        snprintf(hostport, sizeof hostport, "%s:%d", w->host, w->port);
    evbuffer_add_printf(bufferevent_get_output(w->bev),
                        "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\nUser-Agent: tradebot\r\n\r\n",
                        w->path, hostport, w->key);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    tb_ws *w = arg;
    if (what & BEV_EVENT_CONNECTED) {
        send_upgrade(w);
        return;
    }
    const char *why = what & BEV_EVENT_TIMEOUT ? "idle timeout"
                      : what & BEV_EVENT_EOF   ? "connection closed"
                                               : "connection error";
    if (w->tls && (what & BEV_EVENT_ERROR)) {
        unsigned long e = bufferevent_get_openssl_error(bev);
        if (e) TB_WARN("ws", "TLS error: %s", ERR_reason_error_string(e));
    }
    schedule_reconnect(w, why);
}

static struct bufferevent *new_bev(tb_ws *w)
{
    if (!w->tls)
        return bufferevent_socket_new(w->o.base, -1,
                                      BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    SSL *ssl = SSL_new(w->ssl_ctx);
    if (!ssl) return NULL;
    unsigned char ip[16];
    if (inet_pton(AF_INET, w->host, ip) == 1 || inet_pton(AF_INET6, w->host, ip) == 1) {
        /* An address is checked against the certificate's IP names; no SNI for literals. */
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), w->host);
    } else {
        SSL_set_tlsext_host_name(ssl, w->host);
        SSL_set1_host(ssl, w->host);
    }
    struct bufferevent *b =
        bufferevent_openssl_socket_new(w->o.base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                       BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!b) SSL_free(ssl);
    return b;
}

static void connect_now(tb_ws *w)
{
    teardown(w);
    w->state = TB_WS_CONNECTING;
    if (!(w->bev = new_bev(w))) {
        schedule_reconnect(w, "cannot create socket");
        return;
    }
    bufferevent_setcb(w->bev, on_read, NULL, on_event, w);
    if (w->o.idle_timeout_ms > 0) {
        struct timeval tv = {w->o.idle_timeout_ms / 1000, (w->o.idle_timeout_ms % 1000) * 1000};
        bufferevent_set_timeouts(w->bev, &tv, NULL);
    }
    bufferevent_enable(w->bev, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect_hostname(w->bev, w->dns, AF_UNSPEC, w->host, w->port) != 0)
        schedule_reconnect(w, "connect failed");
}

/* ---- public --------------------------------------------------------------------------------- */

static int init_tls(tb_ws *w, tb_err *e)
{
    if (!(w->ssl_ctx = SSL_CTX_new(TLS_client_method()))) return tb_errf(e, "ws: SSL_CTX_new");
    SSL_CTX_set_min_proto_version(w->ssl_ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(w->ssl_ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_set_default_verify_paths(w->ssl_ctx) != 1)
        return tb_errf(e, "ws: cannot load the system CA store");
    if (w->o.ca_file && SSL_CTX_load_verify_locations(w->ssl_ctx, w->o.ca_file, NULL) != 1)
        return tb_errf(e, "ws: cannot load CA file %s", w->o.ca_file);
    return 0;
}

tb_ws *tb_ws_new(const tb_ws_opts *o, tb_err *e)
{
    tb_ws *w = tb_zalloc(sizeof *w, "ws", e);
    if (!w) return NULL;
    w->o = *o;
    if (!w->o.reconnect_min_ms) w->o.reconnect_min_ms = 2000;
    if (!w->o.reconnect_max_ms) w->o.reconnect_max_ms = 60000;
    tb_backoff_init(&w->backoff, w->o.reconnect_min_ms, w->o.reconnect_max_ms,
                    (uint64_t)tb_clock_mono_ns());
    if (tb_ws_parse_url(o->url, &w->tls, w->host, &w->port, w->path, sizeof w->path) != 0) {
        tb_errf(e, "ws: bad URL (want ws:// or wss://host[:port]/path): %s", o->url);
        tb_ws_free(w);
        return NULL;
    }
    w->dns = evdns_base_new(o->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    w->retry = evtimer_new(o->base, on_retry, w);
    if (!w->dns || !w->retry || (w->tls && init_tls(w, e) != 0)) {
        if (!w->dns || !w->retry) tb_errf(e, "ws: cannot create resolver or timer");
        tb_ws_free(w);
        return NULL;
    }
    return w;
}

int tb_ws_start(tb_ws *w, tb_err *e)
{
    connect_now(w);
    return 0;
}

int tb_ws_send_text(tb_ws *w, const char *text, size_t len)
{
    if (w->state != TB_WS_OPEN) return -1;
    struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)text, len};
    if (wslay_event_queue_msg(w->ctx, &m) != 0) return -1;
    return wslay_event_send(w->ctx) == 0 ? 0 : -1;
}

void tb_ws_drop(tb_ws *w, const char *why)
{
    if (w->state == TB_WS_OPEN || w->state == TB_WS_CONNECTING) schedule_reconnect(w, why);
}

void tb_ws_drop_after(tb_ws *w, const char *why, long min_wait_ms)
{
    if (w->state == TB_WS_OPEN || w->state == TB_WS_CONNECTING) {
        schedule_reconnect_after(w, why, min_wait_ms);
    } else if (w->state == TB_WS_WAITING) { /* the peer closed first: lengthen the wait */
        long wait = tb_backoff_floor(&w->backoff, min_wait_ms);
        struct timeval tv = {wait / 1000, (wait % 1000) * 1000};
        evtimer_del(w->retry);
        evtimer_add(w->retry, &tv);
        TB_WARN("ws", "%s: reconnect held back: wait_ms=%ld url=%s%s", why, wait, w->host, w->path);
    }
}

void tb_ws_halt(tb_ws *w, const char *why)
{
    int was_open = w->state == TB_WS_OPEN;
    teardown(w);
    evtimer_del(w->retry);
    w->state = TB_WS_IDLE;
    TB_WARN("ws", "stream stopped without reconnecting: %s: url=%s%s", why, w->host, w->path);
    if (was_open && w->o.on_close) w->o.on_close(w->o.ud, why);
}

uint64_t tb_ws_reconnects(const tb_ws *w)
{
    return w->reconnects;
}

void tb_ws_free(tb_ws *w)
{
    if (!w) return;
    teardown(w);
    if (w->retry) event_free(w->retry);
    if (w->dns) evdns_base_free(w->dns, 0);
    if (w->ssl_ctx) SSL_CTX_free(w->ssl_ctx);
    free(w);
}
