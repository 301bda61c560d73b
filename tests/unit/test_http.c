/* The dashboard's HTTP server: routing, the bearer token on state-changing routes, security
 * headers on every response, static files without escapes, and the token file. A real socket on
 * 127.0.0.1 and libevent's own HTTP client on the same loop. */
#include "http/dashboard.h"
#include "http/server.h"
#include "tbtest.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN "0123456789abcdef-test-token"

static int acted;

static void h_ping(const tb_http_req *q)
{
    tb_http_reply_json(q->r, 200, json_pack("{s:s}", "pong", "yes"));
}

static void h_item(const tb_http_req *q)
{
    char v[32];
    tb_http_query_get(q->query, "v", v, sizeof v);
    tb_http_reply_json(q->r, 200, json_pack("{s:s, s:s}", "item", q->tail, "v", v));
}

static void h_act(const tb_http_req *q)
{
    acted++;
    tb_http_reply_json(q->r, 200, json_pack("{s:b}", "done", 1));
}

static const tb_http_route routes[] = {
    {"/api/ping", TB_HTTP_GET, 0, h_ping},
    {"/api/item/", TB_HTTP_GET, 0, h_item},
    {"/api/act", TB_HTTP_POST, 1, h_act},
    {NULL, 0, 0, NULL},
};

typedef struct resp {
    int code;
    char body[4096];
    char csp[512], nosniff[64], frame[64], referrer[64], cache[64], ctype[64], www_auth[64];
    int done;
} resp;

static struct event_base *base;
static tb_http *srv;
static char webdir[64];

static void copy_hdr(struct evkeyvalq *h, const char *name, char *out, size_t len)
{
    const char *v = evhttp_find_header(h, name);
    snprintf(out, len, "%s", v ? v : "");
}

static void on_resp(struct evhttp_request *r, void *arg)
{
    resp *o = arg;
    o->done = 1;
    if (r) {
        o->code = evhttp_request_get_response_code(r);
        struct evbuffer *b = evhttp_request_get_input_buffer(r);
        size_t n = evbuffer_get_length(b);
        if (n >= sizeof o->body) n = sizeof o->body - 1;
        evbuffer_remove(b, o->body, n);
        o->body[n] = 0;
        struct evkeyvalq *h = evhttp_request_get_input_headers(r);
        copy_hdr(h, "Content-Security-Policy", o->csp, sizeof o->csp);
        copy_hdr(h, "X-Content-Type-Options", o->nosniff, sizeof o->nosniff);
        copy_hdr(h, "X-Frame-Options", o->frame, sizeof o->frame);
        copy_hdr(h, "Referrer-Policy", o->referrer, sizeof o->referrer);
        copy_hdr(h, "Cache-Control", o->cache, sizeof o->cache);
        copy_hdr(h, "Content-Type", o->ctype, sizeof o->ctype);
        copy_hdr(h, "WWW-Authenticate", o->www_auth, sizeof o->www_auth);
    }
    event_base_loopbreak(base);
}

static void setup(void)
{
    if (srv) return;
    base = event_base_new();
    tb_err e;
    srv = tb_http_new(base, "127.0.0.1", 0, TOKEN, routes, NULL, &e);
    CHECK(srv != NULL);
    snprintf(webdir, sizeof webdir, "/tmp/tb-http-XXXXXX");
    CHECK(mkdtemp(webdir) != NULL);
    char p[128];
    snprintf(p, sizeof p, "%s/index.html", webdir);
    FILE *f = fopen(p, "w");
    fputs("<!doctype html><title>dash</title>", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/.secret", webdir);
    f = fopen(p, "w");
    fputs("hidden", f);
    fclose(f);
    tb_http_set_static_dir(srv, webdir);
}

static resp *req_host(enum evhttp_cmd_type m, const char *path, const char *auth, const char *host);

static resp *req(enum evhttp_cmd_type m, const char *path, const char *auth)
{
    return req_host(m, path, auth, "127.0.0.1:8501");
}

static resp *req_host(enum evhttp_cmd_type m, const char *path, const char *auth, const char *host)
{
    static resp o;
    memset(&o, 0, sizeof o);
    setup();
    struct evhttp_connection *c =
        evhttp_connection_base_new(base, NULL, "127.0.0.1", (unsigned short)tb_http_port(srv));
    struct evhttp_request *r = evhttp_request_new(on_resp, &o);
    struct evkeyvalq *h = evhttp_request_get_output_headers(r);
    evhttp_add_header(h, "Host", host);
    if (auth) evhttp_add_header(h, "Authorization", auth);
    evhttp_make_request(c, r, m, path);
    while (!o.done) event_base_dispatch(base);
    evhttp_connection_free(c);
    return &o;
}

static void check_security_headers(const resp *o, int api)
{
    CHECK_CONTAINS(o->csp, "default-src 'none'");
    CHECK_CONTAINS(o->csp, "frame-ancestors 'none'");
    CHECK_CONTAINS(o->csp, "script-src 'self'");
    CHECK_STR(o->nosniff, "nosniff");
    CHECK_STR(o->frame, "DENY");
    CHECK_STR(o->referrer, "no-referrer");
    CHECK_STR(o->cache, api ? "no-store" : "no-cache");
}

TEST(routes_dispatch_exact_paths_and_prefixes_with_query)
{
    resp *o = req(EVHTTP_REQ_GET, "/api/ping", NULL);
    CHECK_INT(o->code, 200);
    CHECK_CONTAINS(o->body, "\"pong\":\"yes\"");
    CHECK_STR(o->ctype, "application/json");
    o = req(EVHTTP_REQ_GET, "/api/item/AAPL?v=7", NULL);
    CHECK_INT(o->code, 200);
    CHECK_CONTAINS(o->body, "\"item\":\"AAPL\"");
    CHECK_CONTAINS(o->body, "\"v\":\"7\"");
}

TEST(unknown_api_paths_are_json_404)
{
    resp *o = req(EVHTTP_REQ_GET, "/api/nothing", NULL);
    CHECK_INT(o->code, 404);
    CHECK_CONTAINS(o->body, "\"error\"");
    o = req(EVHTTP_REQ_GET, "/api/item/", NULL); /* a prefix alone is not an item */
    CHECK_INT(o->code, 404);
}

TEST(state_changing_route_needs_the_token)
{
    acted = 0;
    resp *o = req(EVHTTP_REQ_POST, "/api/act", NULL);
    CHECK_INT(o->code, 401);
    CHECK_CONTAINS(o->www_auth, "Bearer");
    o = req(EVHTTP_REQ_POST, "/api/act", "Bearer wrong-token-0123456789abc");
    CHECK_INT(o->code, 401);
    o = req(EVHTTP_REQ_POST, "/api/act", TOKEN); /* without the scheme */
    CHECK_INT(o->code, 401);
    o = req(EVHTTP_REQ_POST, "/api/act", "Bearer " TOKEN "x");
    CHECK_INT(o->code, 401);
    CHECK_INT(acted, 0);
    o = req(EVHTTP_REQ_POST, "/api/act", "Bearer " TOKEN);
    CHECK_INT(o->code, 200);
    CHECK_INT(acted, 1);
    CHECK(strstr(o->body, TOKEN) == NULL);
}

TEST(wrong_method_is_405)
{
    resp *o = req(EVHTTP_REQ_GET, "/api/act", "Bearer " TOKEN);
    CHECK_INT(o->code, 405);
    o = req(EVHTTP_REQ_POST, "/api/ping", NULL);
    CHECK_INT(o->code, 405);
}

TEST(every_response_carries_security_headers)
{
    check_security_headers(req(EVHTTP_REQ_GET, "/api/ping", NULL), 1);
    check_security_headers(req(EVHTTP_REQ_POST, "/api/act", NULL), 1);
    check_security_headers(req(EVHTTP_REQ_GET, "/api/nothing", NULL), 1);
    check_security_headers(req(EVHTTP_REQ_GET, "/", NULL), 0);
    check_security_headers(req(EVHTTP_REQ_GET, "/missing.html", NULL), 0);
}

TEST(static_files_are_served_without_escapes)
{
    resp *o = req(EVHTTP_REQ_GET, "/", NULL);
    CHECK_INT(o->code, 200);
    CHECK_CONTAINS(o->body, "<title>dash</title>");
    CHECK_CONTAINS(o->ctype, "text/html");
    CHECK_INT(req(EVHTTP_REQ_GET, "/index.html", NULL)->code, 200);
    CHECK_INT(req(EVHTTP_REQ_GET, "/.secret", NULL)->code, 404);
    CHECK_INT(req(EVHTTP_REQ_GET, "/../../etc/passwd", NULL)->code, 404);
    CHECK_INT(req(EVHTTP_REQ_GET, "/%2e%2e/%2e%2e/etc/passwd", NULL)->code, 404);
    CHECK_INT(req(EVHTTP_REQ_POST, "/index.html", NULL)->code, 405);
}

TEST(token_check_wants_the_bearer_scheme_and_the_exact_token)
{
    CHECK(tb_http_token_ok("Bearer abc", "abc"));
    CHECK(!tb_http_token_ok("Bearer abcd", "abc"));
    CHECK(!tb_http_token_ok("Bearer ab", "abc"));
    CHECK(!tb_http_token_ok("bearer abc", "abc"));
    CHECK(!tb_http_token_ok("abc", "abc"));
    CHECK(!tb_http_token_ok(NULL, "abc"));
    CHECK(!tb_http_token_ok("Bearer ", ""));
}

TEST(token_file_is_created_0600_and_kept)
{
    char dir[] = "/tmp/tb-token-XXXXXX", path[64], a[128], b[128];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/dashboard.token", dir);
    tb_err e;
    CHECK_INT(tb_dashboard_token(path, a, sizeof a, &e), 1);
    CHECK_INT(strlen(a), 64);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_INT(tb_dashboard_token(path, b, sizeof b, &e), 0);
    CHECK_STR(a, b);
    chmod(path, 0644);
    CHECK_INT(tb_dashboard_token(path, b, sizeof b, &e), -1);
    CHECK_CONTAINS(e.msg, "chmod 600");
    unlink(path);
    rmdir(dir);
}

TEST(a_loopback_server_refuses_other_host_names)
{
    acted = 0;
    resp *o = req_host(EVHTTP_REQ_GET, "/api/ping", NULL, "evil.example:8501");
    CHECK_INT(o->code, 421);
    CHECK_STR(o->nosniff, "nosniff");
    o = req_host(EVHTTP_REQ_POST, "/api/act", "Bearer " TOKEN, "127.0.0.1.evil.example");
    CHECK_INT(o->code, 421);
    CHECK_INT(acted, 0);
    CHECK_INT(req_host(EVHTTP_REQ_GET, "/api/ping", NULL, "localhost:8501")->code, 200);
    CHECK_INT(req_host(EVHTTP_REQ_GET, "/api/ping", NULL, "[::1]:8501")->code, 200);
}

TEST(zz_cleanup)
{
    char p[128];
    snprintf(p, sizeof p, "%s/index.html", webdir);
    unlink(p);
    snprintf(p, sizeof p, "%s/.secret", webdir);
    unlink(p);
    rmdir(webdir);
    tb_http_free(srv);
    event_base_free(base);
    srv = NULL;
}
