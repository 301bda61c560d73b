#include "feed/fetch.h"
#include "data/bar_store.h"
#include "feed/alpaca_data.h"
#include "feed/polygon.h"
#include "log/log.h"
#include "feed/fetch_ledger.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPAN_DAYS_MINUTE 20 /* a span's minute bars stay a few MB; progress is committed often */
#define SPAN_DAYS_DAILY  2000

typedef struct job {
    int sym; /* index into o->symbols; -1: the whole market (grouped) */
    tb_date d0, d1;
} job;

typedef struct run {
    const tb_fetch_opts *o;
    tb_fetch_report *r;
    const char *vendor;
    struct event_base *base;
    tb_http *http;
    polygon *pg;
    alpaca_data *ad;
    tb_symtab syms;
    uint32_t *ids;
    tb_bar_store *store;
    job *jobs;
    size_t njobs, cap, next;
    job cur;
} run;

const char *tb_fetch_vendor_name(tb_fetch_vendor v)
{
    return v == TB_FETCH_ALPACA ? "alpaca" : "polygon";
}

static int add_job(run *x, int sym, tb_date d0, tb_date d1, tb_err *e)
{
    if (x->njobs == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        job *j = realloc(x->jobs, cap * sizeof *j);
        if (!j) return tb_errf(e, "fetch: out of memory");
        x->jobs = j, x->cap = cap;
    }
    x->jobs[x->njobs++] = (job){sym, d0, d1};
    return 0;
}

/* The missing trading days of one symbol ("*": grouped) as spans of consecutive days. */
static int plan_symbol(run *x, int sym, const char *name, tb_date to, uint8_t *have, tb_err *e)
{
    const tb_fetch_opts *o = x->o;
    if (tb_fetch_ledger_days(o->db, x->vendor, name, o->tf_sec, o->from, to, have, e) != 0)
        return -1;
    if (o->vendor == TB_FETCH_POLYGON && o->tf_sec == 86400 && sym >= 0) {
        static uint8_t market[1 << 16]; /* a grouped day holds every symbol's daily bar */
        size_t n = (size_t)(to - o->from) + 1;
        if (n <= sizeof market &&
            tb_fetch_ledger_days(o->db, x->vendor, "*", 86400, o->from, to, market, e) != 0)
            return -1;
        for (size_t i = 0; n <= sizeof market && i < n; i++) have[i] |= market[i];
    }
    int per = o->grouped ? 1 : o->tf_sec == 60 ? SPAN_DAYS_MINUTE : SPAN_DAYS_DAILY;
    tb_date d0 = 0, d1 = 0;
    int open = 0, len = 0;
    for (tb_date d = o->from; d <= to; d++) {
        if (!tb_cal_is_trading_day(NULL, d)) continue;
        x->r->wanted++;
        if (have[d - o->from]) {
            x->r->already++;
            if (open && add_job(x, sym, d0, d1, e) != 0) return -1;
            open = 0;
            continue;
        }
        if (open && len < per) {
            d1 = d, len++;
            continue;
        }
        if (open && add_job(x, sym, d0, d1, e) != 0) return -1;
        d0 = d1 = d, len = 1, open = 1;
    }
    return open ? add_job(x, sym, d0, d1, e) : 0;
}

static int plan(run *x, tb_err *e)
{
    const tb_fetch_opts *o = x->o;
    tb_date today = tb_cal_session_day(o->now_ns), to = o->to < today ? o->to : today;
    if (to < o->from) return 0;
    uint8_t *have = malloc((size_t)(to - o->from) + 1);
    if (!have) return tb_errf(e, "fetch: out of memory");
    int rc = 0;
    if (o->grouped) rc = plan_symbol(x, -1, "*", to, have, e);
    for (int i = 0; rc == 0 && !o->grouped && i < o->nsymbols; i++)
        rc = plan_symbol(x, i, o->symbols[i], to, have, e);
    free(have);
    return rc;
}

static int complete(const run *x, tb_date d, tb_session *s)
{
    return tb_cal_session(NULL, d, s) && x->o->now_ns >= s->post_close_ns;
}

/* Keeps the bars of the span's trading days (minutes: regular session only), in place. */
static size_t keep(run *x, const job *j, tb_bar *b, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        tb_session s;
        tb_date d = tb_cal_session_day(b[i].start_ns);
        int in = d >= j->d0 && d <= j->d1 && tb_cal_session(NULL, d, &s) &&
                 (b[i].tf_sec != 60 || (b[i].start_ns >= s.open_ns && b[i].start_ns < s.close_ns));
        if (in)
            b[k++] = b[i];
        else
            x->r->outside++;
    }
    return k;
}

/* Marks every finished trading day of the span (bars counted per day, gaps for minutes). */
static int mark_days(run *x, const job *j, const char *name, const tb_bar *b, size_t n, tb_err *e)
{
    for (tb_date d = j->d0; d <= j->d1; d++) {
        tb_session s;
        if (!complete(x, d, &s)) continue;
        int64_t count = 0;
        for (size_t i = 0; i < n; i++) count += tb_cal_session_day(b[i].start_ns) == d;
        if (x->o->tf_sec == 60 && j->sym >= 0) {
            int64_t want = (s.close_ns - s.open_ns) / (60 * TB_NS_PER_SEC);
            x->r->gap_minutes += want > count ? want - count : 0;
        }
        if (tb_fetch_ledger_mark(x->o->db, x->vendor, name, x->o->tf_sec, d, count, x->o->now_ns,
                                 e) != 0)
            return -1;
        x->r->marked++;
    }
    return 0;
}

/* The span's bars and its ledger rows in one transaction: complete means stored. */
static int store_span(run *x, const job *j, tb_bar *b, size_t n, tb_err *e)
{
    n = keep(x, j, b, n);
    const char *name = j->sym >= 0 ? x->o->symbols[j->sym] : "*";
    sqlite3 *h = x->o->db->h;
    int rc = sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) return tb_db_fail(x->o->db, rc, "starting a fetch batch", e);
    if (tb_bar_store_put(x->store, &x->syms, b, n, e) != 0 || mark_days(x, j, name, b, n, e) != 0) {
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    if ((rc = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
        return tb_db_fail(x->o->db, rc, "committing a fetch batch", e);
    }
    x->r->bars += (int64_t)n;
    return 0;
}

static void next_job(evutil_socket_t fd, short what, void *ud);

static void schedule_next(run *x)
{
    if (x->o->progress) x->o->progress(x->o->ud, x->r);
    if (x->r->config_error || x->next >= x->njobs) {
        event_base_loopbreak(x->base);
        return;
    }
    struct timeval now = {0, 0};
    event_base_once(x->base, -1, EV_TIMEOUT, next_job, x, &now);
}

static void failed(run *x, long status, const char *why)
{
    /* The first failure is the caller's error; later ones go to the log only. */
    if (x->r->failures++) {
        TB_WARN("fetch", "%s: %s", x->r->current, why);
        return;
    }
    x->r->http_status = status;
    snprintf(x->r->error, sizeof x->r->error, "%s: %s", x->r->current, why);
    if (status == 401 || status == 403) {
        x->r->config_error = 1;
        snprintf(x->r->error, sizeof x->r->error,
                 "%s: %s (a configuration error, not retried: check the key%s)", x->r->current, why,
                 status == 403 ? " and whether the plan includes this data" : "");
    }
}

static void done(run *x, int ok, int pages, long status, tb_bar_vec *bars, const char *err)
{
    x->r->spans++;
    x->r->pages += pages;
    tb_err e;
    if (!ok)
        failed(x, status, err ? err : "request failed");
    else if (store_span(x, &x->cur, bars->v, bars->n, &e) != 0)
        failed(x, 0, e.msg);
    schedule_next(x);
}

static void on_polygon(void *ud, polygon_result *r)
{
    done(ud, r->ok, r->pages, r->http_status, &r->bars, r->error);
}

static void on_alpaca(void *ud, alpaca_data_result *r)
{
    done(ud, r->ok, r->pages, r->http_status, &r->bars, r->error);
}

static void ignore_bar(void *ud, const tb_bar *b, int corrected) {}

static int start_job(run *x, const job *j, tb_err *e)
{
    const tb_fetch_opts *o = x->o;
    char a[16], b[16];
    tb_date_fmt(j->d0, a, sizeof a);
    tb_date_fmt(j->d1, b, sizeof b);
    const char *name = j->sym >= 0 ? o->symbols[j->sym] : "grouped daily";
    snprintf(x->r->current, sizeof x->r->current, "%s %s..%s", name, a, b);
    if (j->sym < 0) return polygon_grouped(x->pg, a, &x->syms, on_polygon, x, e);
    tb_session s0, s1;
    tb_cal_session(NULL, j->d0, &s0);
    tb_cal_session(NULL, j->d1, &s1);
    if (o->vendor == TB_FETCH_ALPACA)
        return alpaca_data_bars(x->ad, &o->symbols[j->sym], 1, s0.open_ns, s1.close_ns, on_alpaca,
                                x, e);
    if (o->tf_sec == 86400)
        return polygon_aggs(x->pg, name, x->ids[j->sym], 1, "day", a, b, on_polygon, x, e);
    char from[32], to[32]; /* Unix ms: the regular session, not whole UTC days */
    snprintf(from, sizeof from, "%lld", (long long)(s0.open_ns / 1000000));
    snprintf(to, sizeof to, "%lld", (long long)(s1.close_ns / 1000000 - 1));
    return polygon_aggs(x->pg, name, x->ids[j->sym], 1, "minute", from, to, on_polygon, x, e);
}

static void next_job(evutil_socket_t fd, short what, void *ud)
{
    run *x = ud;
    x->cur = x->jobs[x->next++];
    tb_err e;
    if (start_job(x, &x->cur, &e) != 0) {
        failed(x, 0, e.msg);
        schedule_next(x);
    }
}

static int open_clients(run *x, tb_err *e)
{
    const tb_fetch_opts *o = x->o;
    tb_httpc_opts ho = {.base = x->base, .ca_file = o->ca_file, .timeout_ms = 60000};
    if (!(x->http = tb_httpc_new(&ho, e)) || !(x->store = tb_bar_store_open(o->db, e))) return -1;
    if (o->vendor == TB_FETCH_POLYGON) {
        polygon_opts po = {.http = x->http,
                           .base_url = o->base_url,
                           .api_key = o->key,
                           .rate_per_minute = o->rate_per_minute};
        return (x->pg = polygon_new(&po, e)) ? 0 : -1;
    }
    alpaca_data_opts ao = {.base = x->base,
                           .http = x->http,
                           .data_url = o->base_url,
                           .stream_url = "",
                           .feed = o->feed,
                           .key_id = o->key,
                           .secret_key = o->secret,
                           .ca_file = o->ca_file,
                           .syms = &x->syms,
                           .rate_per_minute = o->rate_per_minute,
                           .on_bar = ignore_bar,
                           .ud = x};
    return (x->ad = alpaca_data_new(&ao, e)) ? 0 : -1;
}

static int check_opts(const tb_fetch_opts *o, tb_err *e)
{
    if (o->tf_sec != 60 && o->tf_sec != 86400)
        return tb_errf(e, "fetch: timeframe %d s: only 1m (60) and 1d (86400)", o->tf_sec);
    if (o->vendor == TB_FETCH_ALPACA && (o->tf_sec != 60 || o->grouped))
        return tb_errf(e, "fetch: alpaca: minute bars only (--tf 1m, no --grouped)");
    if (o->grouped && o->tf_sec != 86400)
        return tb_errf(e, "fetch: --grouped is Polygon's daily bars (--tf 1d)");
    if (!o->grouped && o->nsymbols < 1) return tb_errf(e, "fetch: no symbols");
    if (o->to < o->from) return tb_errf(e, "fetch: --from is after --to");
    return 0;
}

static void run_free(run *x)
{
    tb_httpc_free(x->http); /* first: nothing calls back after this */
    polygon_free(x->pg);
    alpaca_data_free(x->ad);
    tb_bar_store_close(x->store);
    if (x->base) event_base_free(x->base);
    tb_symtab_free(&x->syms);
    free(x->ids);
    free(x->jobs);
}

int tb_fetch_run(const tb_fetch_opts *o, tb_fetch_report *r, tb_err *e)
{
    memset(r, 0, sizeof *r);
    if (check_opts(o, e) != 0) return -1;
    run x = {.o = o, .r = r, .vendor = tb_fetch_vendor_name(o->vendor)};
    tb_symtab_init(&x.syms);
    int rc = -1;
    if (!(x.ids = calloc((size_t)o->nsymbols + 1, sizeof *x.ids))) {
        tb_errf(e, "fetch: out of memory");
        goto out;
    }
    for (int i = 0; i < o->nsymbols && !o->grouped; i++) {
        int64_t id = tb_symtab_intern(&x.syms, o->symbols[i], e);
        if (id < 0) goto out;
        x.ids[i] = (uint32_t)id;
    }
    if (plan(&x, e) != 0) goto out;
    if (x.njobs) {
        if (!(x.base = event_base_new())) {
            tb_errf(e, "fetch: cannot create an event loop");
            goto out;
        }
        if (open_clients(&x, e) != 0) goto out;
        schedule_next(&x);
        event_base_dispatch(x.base);
        tb_httpc_stats hs;
        tb_httpc_stats_get(x.http, &hs);
        r->requests = (int64_t)hs.requests;
    }
    rc = r->failures ? tb_errf(e, "%s", r->error) : 0;
out:
    run_free(&x);
    return rc;
}
