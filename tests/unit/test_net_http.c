/*
 * test_http: the HTTP client against a local emulator (evhttp on 127.0.0.1, same loop): retries
 * with backoff and Retry-After, no blind retry of an order POST, 401 logged with its code,
 * timeouts, connection reuse and per-host rate limiting.
 */
#include "tbtest.h"

#include "log/log.h"
#include "net/http.h"
#include "util/clock.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <unistd.h>

static struct event_base *base;
static struct evhttp *srv;
static int port;
static int hits[8];
static void *conns[64];
static int nconns;
static char logpath[128];

enum { P_OK, P_429, P_500, P_ORDER, P_401, P_SLOW, P_BAD };

static void note_conn(struct evhttp_request *req)
{
    void *c = evhttp_request_get_connection(req);
    for (int i = 0; i < nconns; i++)
        if (conns[i] == c) return;
    if (nconns < 64) conns[nconns++] = c;
}

static void reply(struct evhttp_request *req, int code, const char *body)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "%s", body);
    evhttp_send_reply(req, code, code == 200 ? "OK" : "ERR", b);
    evbuffer_free(b);
}

static void slow_done(evutil_socket_t fd, short w, void *arg)
{
    reply(arg, 200, "{\"late\":true}");
}

static void route(struct evhttp_request *req, void *arg)
{
    note_conn(req);
    const char *u = evhttp_request_get_uri(req);
    struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
    if (strncmp(u, "/ok", 3) == 0) {
        hits[P_OK]++;
        reply(req, 200, "{\"ok\":true}");
    } else if (strcmp(u, "/429") == 0) {
        if (hits[P_429]++ < 1) {
            evhttp_add_header(oh, "Retry-After", "1");
            reply(req, 429, "{\"message\":\"too many requests\"}");
        } else
            reply(req, 200, "{\"ok\":1}");
    } else if (strcmp(u, "/500") == 0) {
        reply(req, hits[P_500]++ < 2 ? 500 : 200, "{}");
    } else if (strcmp(u, "/v2/orders") == 0) {
        hits[P_ORDER]++;
        reply(req, 500, "{\"message\":\"internal\"}");
    } else if (strcmp(u, "/401") == 0) {
        hits[P_401]++;
        reply(req, 401, "{\"message\":\"unauthorized\"}");
    } else if (strcmp(u, "/slow") == 0) {
        hits[P_SLOW]++;
        struct timeval tv = {1, 0};
        event_base_once(base, -1, EV_TIMEOUT, slow_done, req, &tv);
    } else {
        reply(req, 404, "{}");
    }
}

static void setup(void)
{
    if (base) return;
    base = event_base_new();
    srv = evhttp_new(base);
    struct evhttp_bound_socket *s = evhttp_bind_socket_with_handle(srv, "127.0.0.1", 0);
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sa, &len);
    port = ntohs(sa.sin_port);
    evhttp_set_gencb(srv, route, NULL);
    tb_err e;
    tb_log_opts lo = {.level = TB_LOG_DEBUG};
    snprintf(logpath, sizeof logpath, "/tmp/tb_test_http_%d.log", (int)getpid());
    tb_log_open(logpath, &lo, &e);
}

typedef struct result {
    int done;
    long status;
    int attempts;
    char body[256];
    char error[128];
} result;

static void on_done(void *ud, const tb_httpc_resp *r)
{
    result *res = ud;
    res->done++;
    res->status = r->status;
    res->attempts = r->attempts;
    snprintf(res->body, sizeof res->body, "%s", r->body);
    snprintf(res->error, sizeof res->error, "%s", r->error ? r->error : "");
}

static void run_until(result *res, int n, int max_ms)
{
    int64_t end = tb_clock_mono_ns() + (int64_t)max_ms * 1000000;
    while (tb_clock_mono_ns() < end) {
        int all = 1;
        for (int i = 0; i < n; i++) all &= res[i].done > 0;
        if (all) return;
        event_base_loop(base, EVLOOP_ONCE);
    }
}

static tb_http *client(long timeout_ms)
{
    setup();
    tb_httpc_opts o = {.base = base, .timeout_ms = timeout_ms, .backoff_base_ms = 20, .seed = 7};
    tb_err e;
    return tb_httpc_new(&o, &e);
}

static void get(tb_http *h, const char *path, const char *method, tb_httpc_retry rp, result *res)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    const char *hdr[] = {"APCA-API-KEY-ID: PKTESTKEY123"};
    tb_httpc_req r = {.method = method, .url = url, .headers = hdr, .nheaders = 1, .retry = rp};
    if (strcmp(method, "POST") == 0) r.body = "{\"symbol\":\"AAPL\"}";
    tb_err e;
    CHECK_INT(tb_httpc_request(h, &r, on_done, res, &e), 0);
}

/* The client's log so far (its first 64 KiB). */
static const char *read_log(void)
{
    return tbt_read_file(logpath);
}

/* One request through h, the loop run until it is answered (max_ms at the most); its result. */
static result fetch(tb_http *h, const char *path, const char *method, tb_httpc_retry rp, int max_ms)
{
    result res = {0};
    get(h, path, method, rp, &res);
    run_until(&res, 1, max_ms);
    return res;
}

TEST(get_returns_body_and_reuses_one_connection)
{
    tb_http *h = client(2000);
    result res[3] = {0};
    for (int i = 0; i < 3; i++) {
        get(h, "/ok", "GET", TB_HTTP_RETRY_ALL, &res[i]);
        run_until(&res[i], 1, 3000);
    }
    for (int i = 0; i < 3; i++) {
        CHECK_INT(res[i].status, 200);
        CHECK_STR(res[i].body, "{\"ok\":true}");
    }
    CHECK_INT(nconns, 1);
    tb_httpc_free(h);
}

TEST(status_429_is_retried_after_retry_after_and_logged)
{
    tb_http *h = client(2000);
    result res = {0};
    int64_t t0 = tb_clock_mono_ns();
    get(h, "/429", "GET", TB_HTTP_RETRY_ALL, &res);
    run_until(&res, 1, 5000);
    int64_t ms = (tb_clock_mono_ns() - t0) / 1000000;
    CHECK_INT(res.status, 200);
    CHECK_INT(res.attempts, 2);
    CHECK(ms >= 950);
    tb_httpc_stats st;
    tb_httpc_stats_get(h, &st);
    CHECK_INT(st.status_429, 1);
    CHECK_INT(st.retries, 1);
    CHECK_CONTAINS(read_log(),
                   "auto-retry with exponential backoff: attempt=2 wait_ms=1000 status=429");
    tb_httpc_free(h);
}

TEST(status_500_is_retried_with_backoff_until_success)
{
    tb_http *h = client(2000);
    result res = fetch(h, "/500", "GET", TB_HTTP_RETRY_ALL, 5000);
    CHECK_INT(res.status, 200);
    CHECK_INT(res.attempts, 3);
    tb_httpc_stats st;
    tb_httpc_stats_get(h, &st);
    CHECK_INT(st.status_5xx, 2);
    CHECK_INT(st.retries, 2);
    tb_httpc_free(h);
}

TEST(order_post_with_500_is_not_retried_blindly)
{
    tb_http *h = client(2000);
    result res = fetch(h, "/v2/orders", "POST", TB_HTTP_RETRY_429, 3000);
    CHECK_INT(res.status, 500);
    CHECK_INT(res.attempts, 1);
    CHECK_INT(hits[P_ORDER], 1);
    tb_httpc_free(h);
}

TEST(unauthorized_is_logged_with_its_code_and_never_retried)
{
    tb_http *h = client(2000);
    result res = fetch(h, "/401", "GET", TB_HTTP_RETRY_ALL, 3000);
    CHECK_INT(res.status, 401);
    CHECK_INT(hits[P_401], 1);
    tb_httpc_stats st;
    tb_httpc_stats_get(h, &st);
    CHECK_INT(st.auth_failures, 1);
    const char *log = read_log();
    CHECK_CONTAINS(log, "401 Unauthorized: GET 127.0.0.1");
    CHECK(strstr(log, "PKTESTKEY123") == NULL);
    tb_httpc_free(h);
}

TEST(slow_response_times_out_without_blocking_the_loop)
{
    tb_http *h = client(300);
    result res[2] = {0};
    get(h, "/slow", "GET", TB_HTTP_RETRY_NONE, &res[0]);
    get(h, "/ok", "GET", TB_HTTP_RETRY_NONE, &res[1]);
    run_until(&res[1], 1, 3000);
    CHECK_INT(res[1].status, 200);
    CHECK_INT(res[0].done, 0); /* the fast one came back while the slow one waits */
    run_until(&res[0], 1, 3000);
    CHECK_INT(res[0].status, 0);
    CHECK_CONTAINS(res[0].error, "Timeout");
    CHECK_INT(res[0].attempts, 1);
    tb_httpc_free(h);
    struct timeval tv = {1, 200000}; /* let the emulator's late answer go before the next test */
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}

TEST(rate_limit_spaces_requests_to_one_host)
{
    tb_http *h = client(2000);
    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", port);
    tb_httpc_set_rate(h, host, 10, 1);
    result res[5] = {0};
    int64_t t0 = tb_clock_mono_ns();
    for (int i = 0; i < 5; i++) get(h, "/ok?n", "GET", TB_HTTP_RETRY_ALL, &res[i]);
    run_until(res, 5, 5000);
    int64_t ms = (tb_clock_mono_ns() - t0) / 1000000;
    for (int i = 0; i < 5; i++) CHECK_INT(res[i].status, 200);
    CHECK(ms >= 350);
    tb_httpc_stats st;
    tb_httpc_stats_get(h, &st);
    CHECK(st.throttled >= 4);
    tb_httpc_free(h);
}

TEST(backoff_grows_is_capped_and_honours_retry_after)
{
    tb_httpc_opts o = {.backoff_base_ms = 100, .backoff_cap_ms = 1000};
    for (uint64_t r = 0; r < 50; r++) {
        long a = tb_httpc_backoff_ms(&o, 1, -1, r * 7919);
        long c = tb_httpc_backoff_ms(&o, 3, -1, r * 7919);
        CHECK(a >= 50 && a <= 100);
        CHECK(c >= 200 && c <= 400);
        CHECK(tb_httpc_backoff_ms(&o, 20, -1, r) <= 1000);
    }
    CHECK_INT(tb_httpc_backoff_ms(&o, 1, 700, 0), 700);
    CHECK_INT(tb_httpc_backoff_ms(&o, 1, 90000, 0), 1000);
    CHECK_INT(tb_httpc_parse_retry_after("3", 0), 3000);
    CHECK_INT(tb_httpc_parse_retry_after(" 2\r\n", 0), 2000);
    CHECK_INT(tb_httpc_parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480), 10000);
    CHECK_INT(tb_httpc_parse_retry_after("soon", 0), -1);
}

TEST(token_bucket_refills_at_its_rate)
{
    tb_ratelimit rl;
    tb_rl_init(&rl);
    tb_rl_set(&rl, "api.alpaca.markets", 200.0 / 60, 5);
    int64_t t = 1000000000;
    for (int i = 0; i < 5; i++) CHECK_INT(tb_rl_take(&rl, "api.alpaca.markets", t), 0);
    int64_t w = tb_rl_take(&rl, "api.alpaca.markets", t);
    CHECK(w >= 299 && w <= 301);
    CHECK_INT(tb_rl_take(&rl, "api.alpaca.markets", t + 300000001), 0);
    CHECK_INT(tb_rl_take(&rl, "other.example", t), 0);
    char host[64];
    tb_rl_host_of("https://user:pw@api.polygon.io:443/v2/aggs?apiKey=x", host, sizeof host);
    CHECK_STR(host, "api.polygon.io:443");
}

__attribute__((destructor)) static void teardown(void)
{
    tb_log_close();
    if (logpath[0]) unlink(logpath);
    if (srv) evhttp_free(srv);
    if (base) event_base_free(base);
}
