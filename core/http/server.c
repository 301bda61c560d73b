#include "http/server.h"
#include "loop/stall.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct tb_http {
    struct evhttp *http;
    int port;
    char token[128];
    int has_token;
    const tb_http_route *routes;
    void *ud;
    char static_dir[4096];
    int loopback; /* bound to loopback: only loopback host names are accepted */
    unsigned long long ok, client_err, unauthorized;
};

/* The pages load only their own scripts, styles and API; nothing may frame them. */
static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
                          "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static void security_headers(struct evhttp_request *r, int api)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r);
    evhttp_add_header(h, "Content-Security-Policy", csp);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
    evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
    evhttp_add_header(h, "Cache-Control", api ? "no-store" : "no-cache");
}

void tb_http_reply(struct evhttp_request *r, int code, const char *ctype, const char *body,
                   size_t len)
{
    struct evbuffer *b = evbuffer_new();
    if (b && len) evbuffer_add(b, body, len);
    evhttp_add_header(evhttp_request_get_output_headers(r), "Content-Type", ctype);
    evhttp_send_reply(r, code, NULL, b);
    if (b) evbuffer_free(b);
}

void tb_http_reply_json(struct evhttp_request *r, int code, json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
    json_decref(j);
    if (!s) {
        tb_http_reply(r, 500, "application/json", "{\"error\":\"out of memory\"}", 25);
        return;
    }
    tb_http_reply(r, code, "application/json", s, strlen(s));
    free(s);
}

void tb_http_reply_error(struct evhttp_request *r, int code, const char *msg)
{
    tb_http_reply_json(r, code, json_pack("{s:s}", "error", msg));
}

int tb_http_token_ok(const char *header, const char *token)
{
    static const char pfx[] = "Bearer ";
    if (!header || !token || !*token || strncmp(header, pfx, sizeof pfx - 1) != 0) return 0;
    const char *got = header + sizeof pfx - 1;
    size_t n = strlen(token);
    if (strlen(got) != n) return 0;
    unsigned diff = 0; /* no early exit: the time taken does not tell how much matched */
    for (size_t i = 0; i < n; i++) diff |= (unsigned char)token[i] ^ (unsigned char)got[i];
    return diff == 0;
}

int tb_http_query_get(const char *query, const char *key, char *out, size_t len)
{
    out[0] = 0;
    if (!query) return 0;
    struct evkeyvalq kv;
    TAILQ_INIT(&kv);
    if (evhttp_parse_query_str(query, &kv) != 0) return 0;
    const char *v = evhttp_find_header(&kv, key);
    if (v) snprintf(out, len, "%s", v);
    evhttp_clear_headers(&kv);
    return v != NULL;
}

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".png", "image/png"},
                 {".svg", "image/svg+xml"},
                 {".json", "application/json"},
                 {".txt", "text/plain; charset=utf-8"},
                 {NULL, NULL}};
    const char *dot = strrchr(path, '.');
    for (int i = 0; dot && types[i].ext; i++)
        if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

/* Only plain names below the folder: no "..", no hidden files, no odd bytes. */
static int safe_path(const char *p)
{
    if (strstr(p, "..") || strstr(p, "/.") || strstr(p, "//")) return 0;
    for (const char *c = p; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '/' || *c == '.' || *c == '-' || *c == '_'))
            return 0;
    return 1;
}

static void serve_static(tb_http *h, struct evhttp_request *r, const char *path)
{
    if (!h->static_dir[0] || !safe_path(path)) {
        tb_http_reply_error(r, 404, "not found");
        return;
    }
    char file[4400];
    snprintf(file, sizeof file, "%s%s%s", h->static_dir, path,
             path[strlen(path) - 1] == '/' ? "index.html" : "");
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        tb_http_reply_error(r, 404, "not found");
        return;
    }
    struct evbuffer *b = evbuffer_new();
    evhttp_add_header(evhttp_request_get_output_headers(r), "Content-Type", content_type(file));
    if (b && evbuffer_add_file(b, fd, 0, st.st_size) == 0) {
        evhttp_send_reply(r, 200, "OK", b);
    } else {
        close(fd);
        evhttp_send_error(r, 500, NULL);
    }
    if (b) evbuffer_free(b);
}

static const tb_http_route *find_route(const tb_http *h, const char *path, const char **tail)
{
    for (const tb_http_route *rt = h->routes; rt && rt->path; rt++) {
        size_t n = strlen(rt->path);
        if (rt->path[n - 1] != '/' && strcmp(path, rt->path) == 0) {
            *tail = "";
            return rt;
        }
        if (rt->path[n - 1] == '/' && strncmp(path, rt->path, n) == 0 && path[n]) {
            *tail = path + n;
            return rt;
        }
    }
    return NULL;
}

static int method_bits(struct evhttp_request *r)
{
    switch (evhttp_request_get_command(r)) {
    case EVHTTP_REQ_GET:
    case EVHTTP_REQ_HEAD: return TB_HTTP_GET;
    case EVHTTP_REQ_POST: return TB_HTTP_POST;
    default: return 0;
    }
}

static void dispatch(tb_http *h, struct evhttp_request *r, const char *path, const char *query)
{
    const char *tail = "";
    const tb_http_route *rt = find_route(h, path, &tail);
    int api = rt || strncmp(path, "/api/", 5) == 0;
    security_headers(r, api);
    int m = method_bits(r);
    if (!rt) {
        if (api || m != TB_HTTP_GET) {
            h->client_err++;
            tb_http_reply_error(r, api ? 404 : 405,
                                api ? "no such endpoint" : "method not allowed");
            return;
        }
        h->ok++;
        serve_static(h, r, path);
        return;
    }
    if (!(rt->methods & m)) {
        h->client_err++;
        evhttp_add_header(evhttp_request_get_output_headers(r), "Allow",
                          rt->methods & TB_HTTP_POST ? "POST" : "GET, HEAD");
        tb_http_reply_error(r, 405, "method not allowed");
        return;
    }
    if (rt->auth &&
        !(h->has_token &&
          tb_http_token_ok(evhttp_find_header(evhttp_request_get_input_headers(r), "Authorization"),
                           h->token))) {
        h->unauthorized++;
        evhttp_add_header(evhttp_request_get_output_headers(r), "WWW-Authenticate",
                          "Bearer realm=\"tradebot\"");
        tb_http_reply_error(r, 401, "a valid token is required (Authorization: Bearer <token>)");
        return;
    }
    h->ok++;
    tb_http_req q = {.r = r, .path = path, .query = query, .tail = tail, .ud = h->ud};
    rt->fn(&q);
}

/* A page of some other site that rebinds its DNS name to 127.0.0.1 still sends its own name as
 * Host: a loopback server answers only requests addressed to a loopback name. */
static int host_ok(const tb_http *h, struct evhttp_request *r)
{
    if (!h->loopback) return 1;
    const char *host = evhttp_find_header(evhttp_request_get_input_headers(r), "Host");
    if (!host) return 1; /* HTTP/1.0 clients: no name to check */
    static const char *const names[] = {"127.0.0.1", "localhost", "[::1]", NULL};
    for (int i = 0; names[i]; i++) {
        size_t n = strlen(names[i]);
        if (strncasecmp(host, names[i], n) == 0 && (host[n] == 0 || host[n] == ':')) return 1;
    }
    return 0;
}

static void serve(struct evhttp_request *r, void *arg)
{
    tb_http *h = arg;
    if (!host_ok(h, r)) {
        security_headers(r, 1);
        h->client_err++;
        tb_http_reply_error(r, 421, "this server answers to 127.0.0.1 and localhost only");
        return;
    }
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(r);
    const char *raw = u ? evhttp_uri_get_path(u) : NULL;
    char *path = raw ? evhttp_uridecode(raw, 0, NULL) : NULL;
    if (!path || path[0] != '/' || strlen(path) > 1024) {
        security_headers(r, 1);
        h->client_err++;
        tb_http_reply_error(r, 400, "bad path");
    } else {
        dispatch(h, r, path, evhttp_uri_get_query(u));
    }
    free(path);
}

/* A request is named work for the loop's stall record (loop/stall.h): "dashboard GET /api/x". */
static void on_request(struct evhttp_request *r, void *arg)
{
    enum evhttp_cmd_type c = evhttp_request_get_command(r);
    const char *what = c == EVHTTP_REQ_GET    ? "dashboard GET"
                       : c == EVHTTP_REQ_POST ? "dashboard POST"
                       : c == EVHTTP_REQ_HEAD ? "dashboard HEAD"
                                              : "dashboard request";
    const char *uri = evhttp_request_get_uri(r);
    char path[128]; /* without the query: words a client sends after '?' stay out of the log */
    snprintf(path, sizeof path, "%.*s", (int)strcspn(uri ? uri : "", "?"), uri ? uri : "");
    tb_work_begin(TB_WORK_DASHBOARD, what, path);
    serve(r, arg);
    tb_work_end();
}

tb_http *tb_http_new(struct event_base *base, const char *bind, int port, const char *token,
                     const tb_http_route *routes, void *ud, tb_err *e)
{
    tb_http *h = calloc(1, sizeof *h);
    if (!h || !(h->http = evhttp_new(base))) {
        free(h);
        tb_errf(e, "http: out of memory");
        return NULL;
    }
    h->routes = routes, h->ud = ud;
    h->loopback =
        strncmp(bind, "127.", 4) == 0 || strcmp(bind, "::1") == 0 || strcmp(bind, "localhost") == 0;
    if (token && *token) {
        snprintf(h->token, sizeof h->token, "%s", token);
        h->has_token = 1;
    }
    evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
    evhttp_set_max_headers_size(h->http, 16384);
    evhttp_set_max_body_size(h->http, 65536);
    evhttp_set_timeout(h->http, 30);
    evhttp_set_gencb(h->http, on_request, h);
    struct evhttp_bound_socket *s = evhttp_bind_socket_with_handle(h->http, bind, (uint16_t)port);
    if (!s) {
        tb_http_free(h);
        tb_errf(e, "dashboard: cannot listen on %s:%d (in use, or not an address of this host)",
                bind, port);
        return NULL;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&ss, &sl) == 0)
        h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    return h;
}

int tb_http_port(const tb_http *h)
{
    return h->port;
}

void tb_http_set_static_dir(tb_http *h, const char *dir)
{
    snprintf(h->static_dir, sizeof h->static_dir, "%s", dir ? dir : "");
}

void tb_http_counts(const tb_http *h, unsigned long long *ok, unsigned long long *client_err,
                    unsigned long long *unauthorized)
{
    *ok = h->ok, *client_err = h->client_err, *unauthorized = h->unauthorized;
}

void tb_http_free(tb_http *h)
{
    if (!h) return;
    if (h->http) evhttp_free(h->http);
    memset(h->token, 0, sizeof h->token);
    free(h);
}
