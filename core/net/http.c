#include "net/http.h"
#include "log/log.h"
#include "loop/stall.h"
#include "util/clock.h"
#include "util/rand.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define BODY_MAX (64u << 20) /* a response larger than this is an error, not an allocation */

typedef struct xfer {
    struct tb_http *h;
    CURL *easy;
    struct curl_slist *hdrs;
    char *method, *url, *body;
    char host[TB_RL_HOST_MAX + 1];
    tb_httpc_retry retry;
    tb_httpc_done_fn fn;
    void *ud;
    int attempts;
    long retry_after_ms;
    char *buf;
    size_t len, cap;
    struct event *wait; /* rate limit or backoff timer */
    struct xfer *prev, *next;
} xfer;

struct tb_http {
    tb_httpc_opts o;
    CURLM *multi;
    struct event *timer;
    tb_ratelimit rl;
    tb_httpc_stats st;
    uint64_t rng;
    xfer *live; /* every transfer not yet reported */
};

typedef struct sock_ev {
    struct event *ev;
} sock_ev;

const char *tb_httpc_reason(long s)
{
    switch (s) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

long tb_httpc_backoff_ms(const tb_httpc_opts *o, int n, long retry_after_ms, uint64_t rnd)
{
    long cap = o->backoff_cap_ms;
    long exp = o->backoff_base_ms;
    for (int i = 1; i < n && exp < cap; i++) exp *= 2;
    if (exp > cap) exp = cap;
    long wait = tb_jitter_half(exp, rnd);
    if (retry_after_ms > wait) wait = retry_after_ms;
    return wait > cap ? cap : wait;
}

long tb_httpc_parse_retry_after(const char *v, int64_t now_s)
{
    while (*v == ' ') v++;
    if (*v >= '0' && *v <= '9') {
        char *end;
        long s = strtol(v, &end, 10);
        return (*end == '\0' || *end == '\r' || *end == '\n' || *end == ' ') ? s * 1000 : -1;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) return -1;
    int64_t t = (int64_t)timegm(&tm);
    return t > now_s ? (long)(t - now_s) * 1000 : 0;
}

/* ---- libevent <-> curl ---------------------------------------------------------------------- */

static void check_done(tb_http *h);

static void on_sock(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_NET, "HTTP client answers", NULL);
    tb_http *h = arg;
    int flags = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(h->multi, fd, flags, &running);
    check_done(h);
    tb_work_end();
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_NET, "HTTP client timers", NULL);
    tb_http *h = arg;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
    tb_work_end();
}

static int sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    tb_http *h = userp;
    sock_ev *se = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (se) {
            event_free(se->ev);
            free(se);
            curl_multi_assign(h->multi, s, NULL);
        }
        return 0;
    }
    short kind = (short)((what & CURL_POLL_IN ? EV_READ : 0) |
                         (what & CURL_POLL_OUT ? EV_WRITE : 0) | EV_PERSIST);
    if (!se) {
        if (!(se = calloc(1, sizeof *se))) return -1;
        curl_multi_assign(h->multi, s, se);
    } else {
        event_free(se->ev);
    }
    se->ev = event_new(h->o.base, s, kind, on_sock, h);
    return se->ev ? event_add(se->ev, NULL) : -1;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    tb_http *h = userp;
    if (timeout_ms < 0) return evtimer_del(h->timer);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    return evtimer_add(h->timer, &tv);
}

/* ---- one transfer --------------------------------------------------------------------------- */

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t k = sz * n;
    if (x->len + k + 1 > BODY_MAX) return 0;
    if (x->len + k + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 4096;
        while (cap < x->len + k + 1) cap *= 2;
        char *nb = realloc(x->buf, cap);
        if (!nb) return 0;
        x->buf = nb, x->cap = cap;
    }
    memcpy(x->buf + x->len, p, k);
    x->len += k;
    x->buf[x->len] = '\0';
    return k;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    xfer *x = ud;
    size_t k = sz * n;
    if (k > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        char v[64];
        snprintf(v, sizeof v, "%.*s", (int)(k - 12 < 63 ? k - 12 : 63), p + 12);
        x->retry_after_ms = tb_httpc_parse_retry_after(v, tb_clock_now_ns() / 1000000000LL);
    }
    return k;
}

static void xfer_free(xfer *x)
{
    tb_http *h = x->h;
    if (x->prev)
        x->prev->next = x->next;
    else if (h->live == x)
        h->live = x->next;
    if (x->next) x->next->prev = x->prev;
    if (x->easy) {
        curl_multi_remove_handle(h->multi, x->easy);
        curl_easy_cleanup(x->easy);
    }
    if (x->wait) event_free(x->wait);
    curl_slist_free_all(x->hdrs);
    free(x->method), free(x->url), free(x->body), free(x->buf);
    free(x);
}

static int xfer_setup(xfer *x)
{
    tb_http *h = x->h;
    CURL *c = x->easy ? x->easy : curl_easy_init();
    if (!c) return -1;
    x->easy = c;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, x->url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, x->method);
    if (strcmp(x->method, "GET") == 0) curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (x->body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    if (h->o.ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, h->o.ca_file);
    x->len = 0;
    if (x->buf) x->buf[0] = '\0';
    x->retry_after_ms = -1;
    return 0;
}

static void xfer_send(xfer *x);

static void on_wait(evutil_socket_t fd, short what, void *arg)
{
    xfer_send(arg);
}

static void xfer_wait(xfer *x, long ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(x->wait, &tv);
}

/* Sends now if the host's bucket has a token, else waits for one. */
static void xfer_send(xfer *x)
{
    tb_http *h = x->h;
    int64_t ms = tb_rl_take(&h->rl, x->host, tb_clock_mono_ns());
    if (ms > 0) {
        h->st.throttled++;
        TB_DEBUG("http", "rate limit: host=%s wait_ms=%lld", x->host, (long long)ms);
        xfer_wait(x, (long)ms);
        return;
    }
    x->attempts++;
    h->st.requests++;
    if (xfer_setup(x) != 0 || curl_multi_add_handle(h->multi, x->easy) != CURLM_OK) {
        tb_httpc_resp r = {.status = 0,
                           .body = "",
                           .error = "cannot start the request",
                           .attempts = x->attempts,
                           .retry_after_ms = -1};
        h->st.transport_errors++;
        x->fn(x->ud, &r);
        xfer_free(x);
    }
}

/* The path without query string: URLs may carry keys (apiKey=), so logs never show queries. */
static void log_target(const xfer *x, char *out, size_t cap)
{
    const char *p = strstr(x->url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    snprintf(out, cap, "%s %s%.*s", x->method, x->host, p ? (int)strcspn(p, "?") : 0, p ? p : "");
}

static int retryable(const xfer *x, long status, int transport_error)
{
    if (x->retry == TB_HTTP_RETRY_NONE) return 0;
    if (status == 429) return 1;
    if (x->retry == TB_HTTP_RETRY_429) return 0;
    return transport_error || status >= 500;
}

static void xfer_finished(xfer *x, CURLcode rc)
{
    tb_http *h = x->h;
    long status = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_multi_remove_handle(h->multi, x->easy);
    char target[256];
    log_target(x, target, sizeof target);
    if (status)
        h->st.responses++;
    else
        h->st.transport_errors++;
    if (status == 429) h->st.status_429++;
    if (status >= 500) h->st.status_5xx++;
    if (status == 401 || status == 403) {
        h->st.auth_failures++;
        TB_ERROR("http", "%ld %s: %s", status, tb_httpc_reason(status), target);
    }
    if (retryable(x, status, rc != CURLE_OK) && x->attempts < h->o.max_attempts) {
        long wait =
            tb_httpc_backoff_ms(&h->o, x->attempts, x->retry_after_ms, tb_rand_next(&h->rng));
        h->st.retries++;
        TB_WARN("http",
                "auto-retry with exponential backoff: attempt=%d wait_ms=%ld status=%ld%s%s "
                "retry_after_ms=%ld %s",
                x->attempts + 1, wait, status, rc != CURLE_OK ? " error=" : "",
                rc != CURLE_OK ? curl_easy_strerror(rc) : "", x->retry_after_ms, target);
        xfer_wait(x, wait);
        return;
    }
    if (rc != CURLE_OK)
        TB_WARN("http", "request failed after %d attempts: %s: %s", x->attempts, target,
                curl_easy_strerror(rc));
    tb_httpc_resp r = {.status = status,
                       .body = x->buf ? x->buf : "",
                       .len = x->len,
                       .error = rc == CURLE_OK ? NULL : curl_easy_strerror(rc),
                       .attempts = x->attempts,
                       .retry_after_ms = x->retry_after_ms};
    x->fn(x->ud, &r);
    xfer_free(x);
}

static void check_done(tb_http *h)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x) xfer_finished(x, m->data.result);
    }
}

/* ---- public --------------------------------------------------------------------------------- */

tb_http *tb_httpc_new(const tb_httpc_opts *opts, tb_err *e)
{
    static int global_done;
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            tb_errf(e, "http: curl_global_init failed");
            return NULL;
        }
        global_done = 1;
    }
    tb_http *h = tb_zalloc(sizeof *h, "http", e);
    if (!h) return NULL;
    h->o = *opts;
    if (!h->o.timeout_ms) h->o.timeout_ms = 15000;
    if (!h->o.connect_timeout_ms) h->o.connect_timeout_ms = 5000;
    if (!h->o.max_attempts) h->o.max_attempts = 5;
    if (!h->o.backoff_base_ms) h->o.backoff_base_ms = 250;
    if (!h->o.backoff_cap_ms) h->o.backoff_cap_ms = 30000;
    h->rng = h->o.seed ? h->o.seed : (uint64_t)tb_clock_mono_ns();
    tb_rl_init(&h->rl);
    h->multi = curl_multi_init();
    h->timer = evtimer_new(opts->base, on_timer, h);
    if (!h->multi || !h->timer) {
        tb_httpc_free(h);
        tb_errf(e, "http: cannot create the curl multi handle");
        return NULL;
    }
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 4L);
    return h;
}

void tb_httpc_free(tb_http *h)
{
    if (!h) return;
    while (h->live) xfer_free(h->live);
    if (h->multi) curl_multi_cleanup(h->multi);
    if (h->timer) event_free(h->timer);
    free(h);
}

int tb_httpc_set_rate(tb_http *h, const char *host, double per_sec, double burst)
{
    return tb_rl_set(&h->rl, host, per_sec, burst);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int tb_httpc_request(tb_http *h, const tb_httpc_req *r, tb_httpc_done_fn fn, void *ud, tb_err *e)
{
    xfer *x = calloc(1, sizeof *x);
    if (!x) return tb_errf(e, "http: out of memory");
    x->h = h;
    x->fn = fn, x->ud = ud;
    x->retry = r->retry;
    x->method = strdup(r->method ? r->method : "GET");
    x->url = strdup(r->url);
    x->body = dup_or_null(r->body);
    x->wait = evtimer_new(h->o.base, on_wait, x);
    x->next = h->live;
    if (h->live) h->live->prev = x;
    h->live = x;
    for (int i = 0; i < r->nheaders; i++) x->hdrs = curl_slist_append(x->hdrs, r->headers[i]);
    if (r->body) x->hdrs = curl_slist_append(x->hdrs, "Content-Type: application/json");
    x->hdrs = curl_slist_append(x->hdrs, "Expect:");
    if (!x->method || !x->url || (r->body && !x->body) || !x->wait || !x->hdrs) {
        xfer_free(x);
        return tb_errf(e, "http: out of memory");
    }
    tb_rl_host_of(x->url, x->host, sizeof x->host);
    xfer_send(x);
    return 0;
}

void tb_httpc_stats_get(const tb_http *h, tb_httpc_stats *out)
{
    *out = h->st;
    out->in_flight = 0;
    for (const xfer *x = h->live; x; x = x->next) out->in_flight++;
}
