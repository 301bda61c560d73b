/*
 * http.h - the engine's one HTTP client: libcurl's multi interface on the engine's libevent
 * loop. Nothing blocks: sockets and curl's timer are libevent events, and every response comes
 * back through a callback on the loop.
 *
 * One multi handle means connections are reused per host. TLS is always verified (peer and host
 * name). Each host's requests pass a token bucket (ratelimit.h). 429 and 5xx answers (and
 * transport failures) are retried with exponential backoff and jitter, honouring Retry-After, up
 * to a cap, as the policy of the request allows: an order POST must not be retried blindly, so
 * it uses TB_HTTP_RETRY_429 (a 429 was refused before any processing) and its caller looks the
 * order up by client order id when the outcome is unknown. Every retry is a log line
 * ("auto-retry with exponential backoff: attempt=2 wait_ms=850 status=429 ...") and a counter;
 * 401/403 are logged with their code ("401 Unauthorized") and never retried.
 */
#ifndef TB_NET_HTTP_H
#define TB_NET_HTTP_H

#include "net/ratelimit.h"
#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef enum {
    TB_HTTP_RETRY_ALL, /* idempotent reads and cancels: 429, 5xx and transport errors */
    TB_HTTP_RETRY_429, /* writes with side effects: only 429, which the server refused unread */
    TB_HTTP_RETRY_NONE
} tb_httpc_retry;

typedef struct tb_httpc_opts {
    struct event_base *base;
    long timeout_ms;         /* whole request (default 15000) */
    long connect_timeout_ms; /* default 5000 */
    int max_attempts;        /* including the first (default 5) */
    long backoff_base_ms;    /* first retry waits about this (default 250) */
    long backoff_cap_ms;     /* no wait is longer, Retry-After included (default 30000) */
    const char *ca_file;     /* extra CA bundle (tests); NULL: the system store */
    uint64_t seed;           /* jitter; 0: from the clock */
} tb_httpc_opts;

typedef struct tb_httpc_req {
    const char *method; /* "GET", "POST", "PATCH", "DELETE" */
    const char *url;
    const char *const *headers; /* "Name: value" lines (secrets: never logged) */
    int nheaders;
    const char *body; /* NULL: none */
    tb_httpc_retry retry;
} tb_httpc_req;

typedef struct tb_httpc_resp {
    long status;      /* HTTP status; 0 when no response arrived (see error) */
    const char *body; /* NUL-terminated, valid during the callback */
    size_t len;
    const char *error;   /* transport failure ("Timeout was reached"); NULL when status > 0 */
    int attempts;        /* how many times it was sent */
    long retry_after_ms; /* the last Retry-After seen, -1 if none */
} tb_httpc_resp;

typedef void (*tb_httpc_done_fn)(void *ud, const tb_httpc_resp *r);

typedef struct tb_httpc_stats {
    uint64_t requests, responses, retries, status_429, status_5xx, auth_failures, transport_errors,
        throttled, in_flight;
} tb_httpc_stats;

typedef struct tb_http tb_http;

/* Creates a client on opts->base; NULL and e on failure. */
tb_http *tb_httpc_new(const tb_httpc_opts *opts, tb_err *e);

/* Cancels what is in flight (no callbacks) and frees everything. */
void tb_httpc_free(tb_http *h);

/* Limits the request rate to host ("api.alpaca.markets" or "127.0.0.1:8080"). */
int tb_httpc_set_rate(tb_http *h, const char *host, double per_sec, double burst);

/*
 * Starts a request (copied); fn is called once on the loop with the final answer, after any
 * retries. Returns -1 only when it could not be queued.
 */
int tb_httpc_request(tb_http *h, const tb_httpc_req *r, tb_httpc_done_fn fn, void *ud, tb_err *e);

/* Counters since creation (the metric behind the log lines). */
void tb_httpc_stats_get(const tb_http *h, tb_httpc_stats *out);

/* Milliseconds to wait before attempt n+1 (n >= 1) given a Retry-After (-1: none). */
long tb_httpc_backoff_ms(const tb_httpc_opts *o, int n, long retry_after_ms, uint64_t rand);

/* Parses a Retry-After value (delta seconds or an HTTP date) into ms; -1 if unusable. */
long tb_httpc_parse_retry_after(const char *v, int64_t now_s);

/* The reason phrase of a status ("Unauthorized"); "" when unknown. */
const char *tb_httpc_reason(long status);

#endif
