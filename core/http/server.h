/*
 * server.h - the engine's HTTP server (libevent evhttp on the engine's loop): a routing table,
 * bearer-token checks for state-changing routes, static files, and security headers on every
 * response.
 *
 * Handlers run on the loop thread like everything else, so they read engine state directly and
 * must stay short. Nothing here knows what the routes serve (api.c, metrics.c, sse.c do).
 */
#ifndef TB_HTTP_SERVER_H
#define TB_HTTP_SERVER_H

#include "util/err.h"

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <stddef.h>

typedef struct tb_http tb_http;

/* A request as handlers see it: path without the query, the query (or NULL), the tail of a
 * prefix route (after the prefix; "" for exact routes). */
typedef struct tb_http_req {
    struct evhttp_request *r;
    const char *path, *query, *tail;
    void *ud;
} tb_http_req;

typedef void (*tb_http_fn)(const tb_http_req *q);

#define TB_HTTP_GET  1
#define TB_HTTP_POST 2

typedef struct tb_http_route {
    const char *path; /* exact; a path ending in '/' also matches everything below it */
    int methods;      /* TB_HTTP_GET | TB_HTTP_POST (GET implies HEAD) */
    int auth;         /* needs "Authorization: Bearer <token>"; 401 without */
    tb_http_fn fn;
} tb_http_route;

/* Listens on bind:port (port 0: any free port). token may be NULL (no route then passes auth).
 * routes is a NULL-path-terminated table the caller keeps alive; ud goes to every handler. */
tb_http *tb_http_new(struct event_base *base, const char *bind, int port, const char *token,
                     const tb_http_route *routes, void *ud, tb_err *e);

/* The port actually bound. */
int tb_http_port(const tb_http *h);

/* Serves GET requests outside the routes from dir (index.html for "/"); NULL: none. */
void tb_http_set_static_dir(tb_http *h, const char *dir);

/* Requests answered so far, by class (for metrics). */
void tb_http_counts(const tb_http *h, unsigned long long *ok, unsigned long long *client_err,
                    unsigned long long *unauthorized);

void tb_http_free(tb_http *h);

/* 1 when header (the Authorization value) carries token; compares in constant time. */
int tb_http_token_ok(const char *header, const char *token);

/* Replies with body (copied) and its content type. */
void tb_http_reply(struct evhttp_request *r, int code, const char *ctype, const char *body,
                   size_t len);

/* Replies with j as JSON (steals the reference). */
void tb_http_reply_json(struct evhttp_request *r, int code, json_t *j);

/* Replies {"error": msg} with code. */
void tb_http_reply_error(struct evhttp_request *r, int code, const char *msg);

/* The value of a query parameter into out ("" when absent); returns 1 when present. */
int tb_http_query_get(const char *query, const char *key, char *out, size_t len);

#endif
