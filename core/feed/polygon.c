#include "feed/polygon.h"
#include "log/log.h"
#include "log/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { PQ_AGGS, PQ_GROUPED, PQ_INDEX, PQ_SNAP } pq_kind;

typedef struct pq pq;

struct polygon {
    tb_http *http;
    char base[256], host[TB_RL_HOST_MAX + 1], auth[300];
    pq *inflight; /* freed by polygon_free when the HTTP client went first (no callbacks) */
};

struct pq {
    polygon *p;
    pq *prev, *next;
    pq_kind kind;
    uint32_t sym;
    int32_t tf_sec;
    tb_symtab *syms;
    polygon_done_fn fn;
    void *ud;
    polygon_result res;
    char err[300];
};

static void unlink_pq(pq *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else
        q->p->inflight = q->next;
    if (q->next) q->next->prev = q->prev;
}

polygon *polygon_new(const polygon_opts *o, tb_err *e)
{
    if (!o->http || !o->base_url || !o->api_key || !*o->api_key) {
        tb_errf(e, "polygon: base_url and api key are required");
        return NULL;
    }
    polygon *p = tb_zalloc(sizeof *p, "polygon", e);
    if (!p) return NULL;
    p->http = o->http;
    snprintf(p->base, sizeof p->base, "%s", o->base_url);
    size_t n = strlen(p->base);
    if (n && p->base[n - 1] == '/') p->base[n - 1] = '\0';
    tb_rl_host_of(p->base, p->host, sizeof p->host);
    snprintf(p->auth, sizeof p->auth, "Authorization: Bearer %s", o->api_key);
    tb_redact_add_secret(o->api_key);
    if (o->rate_per_minute > 0) tb_httpc_set_rate(p->http, p->host, o->rate_per_minute / 60.0, 1);
    return p;
}

void polygon_free(polygon *p)
{
    if (!p) return;
    while (p->inflight) {
        pq *q = p->inflight;
        unlink_pq(q);
        tb_bar_vec_free(&q->res.bars);
        pg_snap_vec_free(&q->res.snaps);
        free(q);
    }
    free(p);
}

static int get(pq *q, const char *url, tb_err *e);

static void finish(pq *q, int ok)
{
    q->res.ok = ok;
    q->res.error = ok ? NULL : q->err;
    unlink_pq(q);
    q->fn(q->ud, &q->res);
    tb_bar_vec_free(&q->res.bars);
    pg_snap_vec_free(&q->res.snaps);
    free(q);
}

/* A next_url on another host would receive our key: refuse it. */
static int same_host(const polygon *p, const char *url)
{
    char h[TB_RL_HOST_MAX + 1];
    tb_rl_host_of(url, h, sizeof h);
    return strcmp(h, p->host) == 0 && strncmp(url, p->base, strcspn(p->base, ":")) == 0;
}

static void on_page(void *ud, const tb_httpc_resp *r)
{
    pq *q = ud;
    pg_page page;
    tb_err e;
    int rc;
    q->res.pages++;
    q->res.http_status = r->status;
    if (r->status == 0) {
        snprintf(q->err, sizeof q->err, "polygon: %s", r->error ? r->error : "no answer");
        return finish(q, 0);
    }
    if (q->kind == PQ_AGGS)
        rc = pg_parse_aggs(r->body, r->len, q->sym, q->tf_sec, &q->res.bars, &page, &e);
    else if (q->kind == PQ_GROUPED)
        rc = pg_parse_grouped(r->body, r->len, q->syms, &q->res.bars, &page, &e);
    else if (q->kind == PQ_SNAP)
        rc = pg_parse_snapshot(r->body, r->len, &q->res.snaps, &page, &e);
    else
        rc = pg_parse_index_value(r->body, r->len, &q->res.value, &page, &e);
    if (page.status > q->res.status) q->res.status = page.status;
    if (rc != 0 || r->status != 200) {
        if (rc == 0) tb_errf(&e, "polygon: HTTP %ld %s", r->status, tb_httpc_reason(r->status));
        if (page.status == PG_NOT_AUTHORIZED || r->status == 403)
            TB_ERROR("polygon",
                     "NOT_AUTHORIZED: the plan does not include this data (%s): "
                     "a configuration error, not retried",
                     page.message);
        snprintf(q->err, sizeof q->err, "%s", e.msg);
        return finish(q, 0);
    }
    if (page.next_url[0]) {
        if (!same_host(q->p, page.next_url)) {
            snprintf(q->err, sizeof q->err, "polygon: next_url on another host refused");
            return finish(q, 0);
        }
        if (get(q, page.next_url, &e) != 0) {
            snprintf(q->err, sizeof q->err, "%s", e.msg);
            return finish(q, 0);
        }
        return;
    }
    finish(q, 1);
}

static int get(pq *q, const char *url, tb_err *e)
{
    const char *hdrs[] = {q->p->auth, "Accept: application/json"};
    tb_httpc_req r = {
        .method = "GET", .url = url, .headers = hdrs, .nheaders = 2, .retry = TB_HTTP_RETRY_ALL};
    return tb_httpc_request(q->p->http, &r, on_page, q, e);
}

static pq *pq_new(polygon *p, pq_kind k, polygon_done_fn fn, void *ud, tb_err *e)
{
    pq *q = tb_zalloc(sizeof *q, "polygon", e);
    if (!q) return NULL;
    q->p = p, q->kind = k, q->fn = fn, q->ud = ud;
    q->next = p->inflight;
    if (q->next) q->next->prev = q;
    p->inflight = q;
    return q;
}

static int start(pq *q, const char *url, tb_err *e)
{
    if (get(q, url, e) == 0) return 0;
    unlink_pq(q);
    free(q);
    return -1;
}

static int32_t tf_of(int mult, const char *ts)
{
    int32_t unit = strcmp(ts, "second") == 0   ? 1
                   : strcmp(ts, "minute") == 0 ? 60
                   : strcmp(ts, "hour") == 0   ? 3600
                   : strcmp(ts, "day") == 0    ? 86400
                                               : 0;
    return unit * mult;
}

int polygon_aggs(polygon *p, const char *ticker, uint32_t sym, int mult, const char *timespan,
                 const char *from, const char *to, polygon_done_fn fn, void *ud, tb_err *e)
{
    int32_t tf = tf_of(mult, timespan);
    if (tf <= 0) return tb_errf(e, "polygon: unsupported timespan %d %s", mult, timespan);
    pq *q = pq_new(p, PQ_AGGS, fn, ud, e);
    if (!q) return -1;
    q->sym = sym, q->tf_sec = tf;
    char url[512];
    snprintf(url, sizeof url,
             "%s/v2/aggs/ticker/%s/range/%d/%s/%s/%s?adjusted=true&sort=asc&limit=50000", p->base,
             ticker, mult, timespan, from, to);
    return start(q, url, e);
}

int polygon_grouped(polygon *p, const char *day, tb_symtab *syms, polygon_done_fn fn, void *ud,
                    tb_err *e)
{
    pq *q = pq_new(p, PQ_GROUPED, fn, ud, e);
    if (!q) return -1;
    q->syms = syms;
    char url[512];
    snprintf(url, sizeof url,
             "%s/v2/aggs/grouped/locale/us/market/stocks/%s?adjusted=true&include_otc=false",
             p->base, day);
    return start(q, url, e);
}

int polygon_index_value(polygon *p, const char *ticker, polygon_done_fn fn, void *ud, tb_err *e)
{
    pq *q = pq_new(p, PQ_INDEX, fn, ud, e);
    if (!q) return -1;
    char url[512];
    snprintf(url, sizeof url, "%s/v3/snapshot/indices?ticker.any_of=%s", p->base, ticker);
    return start(q, url, e);
}

int polygon_snapshot(polygon *p, const char *const *tickers, int n, polygon_done_fn fn, void *ud,
                     tb_err *e)
{
    static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.:-";
    size_t cap = strlen(p->base) + 64, len;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(tickers[i]);
        if (!l || strspn(tickers[i], ok) != l)
            return tb_errf(e, "polygon: snapshot: \"%s\" is not a ticker symbol", tickers[i]);
        cap += l + 1;
    }
    char *url = malloc(cap);
    if (!url) return tb_errf(e, "polygon: out of memory");
    len = (size_t)snprintf(url, cap, "%s/v2/snapshot/locale/us/markets/stocks/tickers", p->base);
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(url + len, cap - len, "%s%s", i ? "," : "?tickers=", tickers[i]);
    pq *q = pq_new(p, PQ_SNAP, fn, ud, e);
    int rc = q ? start(q, url, e) : -1;
    free(url);
    return rc;
}

int polygon_movers(polygon *p, int gainers, polygon_done_fn fn, void *ud, tb_err *e)
{
    pq *q = pq_new(p, PQ_SNAP, fn, ud, e);
    if (!q) return -1;
    char url[512];
    snprintf(url, sizeof url, "%s/v2/snapshot/locale/us/markets/stocks/%s", p->base,
             gainers ? "gainers" : "losers");
    return start(q, url, e);
}
