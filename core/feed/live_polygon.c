/*
 * live_polygon.c - Polygon (Massive) as the live feed's vendor side: minute aggregates polled
 * over REST per symbol on a timer (Polygon's websocket is not used: REST works on every plan and
 * the free plan has no real-time socket). At start one request probes the entitlement: "OK" is
 * real-time, "DELAYED" delayed (15 minutes on the cheaper plans: bars arrive that late, and
 * staleness shows it), NOT_AUTHORIZED a configuration error, logged once and never retried.
 * Every page is a request against the plan's rate (free: 5 a minute).
 */
#include "feed/live.h"
#include "feed/polygon.h"
#include "log/log.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { LP_PROBING, LP_REALTIME, LP_DELAYED, LP_NOT_AUTHORIZED } lp_ent;

typedef struct lp {
    tb_live *l;
    const tb_live_opts *o;
    polygon *p;
    struct event *timer;
    lp_ent ent;
    int busy, next; /* a poll cycle in flight and the symbol it is at */
    uint32_t *ids;  /* symbol ids */
    uint64_t polls, pages, errors, skipped;
    char last_error[200];
} lp;

static const char *ent_name(lp_ent e)
{
    static const char *const n[] = {"probing", "real-time", "delayed", "not authorized"};
    return n[e];
}

static void push_closed(lp *x, polygon_result *r)
{
    int64_t now = tb_clock_now_ns();
    for (size_t i = 0; i < r->bars.n; i++) /* Polygon includes the minute still forming */
        if (tb_bar_end_ns(&r->bars.v[i]) <= now) tb_live_push(x->l, &r->bars.v[i], 0);
}

static void poll_next(lp *x);

static void on_poll(void *ud, polygon_result *r)
{
    lp *x = ud;
    x->pages += (uint64_t)r->pages;
    if (r->ok) {
        push_closed(x, r);
    } else {
        x->errors++;
        snprintf(x->last_error, sizeof x->last_error, "%s", r->error);
        TB_WARN("polygon", "minute bars of %s: %s", x->o->symbols[x->next], r->error);
        if (r->status == PG_NOT_AUTHORIZED) x->ent = LP_NOT_AUTHORIZED;
    }
    x->next++;
    poll_next(x);
}

static void poll_next(lp *x)
{
    if (x->next >= x->o->nsymbols || x->ent == LP_NOT_AUTHORIZED) {
        x->busy = 0;
        return;
    }
    int64_t now = tb_clock_now_ns();
    tb_session s;
    tb_cal_session(x->o->cal, tb_cal_session_day(now), &s);
    /* From the minute after what we have (a bar revised later is not fetched again). */
    int64_t last = tb_live_last_start(x->l, x->ids[x->next]);
    int64_t from = last ? last + 60 * TB_NS_PER_SEC : s.open_ns;
    char f[32], t[32];
    snprintf(f, sizeof f, "%lld", (long long)(from / 1000000));
    snprintf(t, sizeof t, "%lld", (long long)(now / 1000000));
    tb_err e;
    if (polygon_aggs(x->p, x->o->symbols[x->next], x->ids[x->next], 1, "minute", f, t, on_poll, x,
                     &e) != 0) {
        TB_WARN("polygon", "poll not started: %s", e.msg);
        x->busy = 0;
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    lp *x = arg;
    int64_t now = tb_clock_now_ns();
    if (x->ent != LP_REALTIME && x->ent != LP_DELAYED) return;
    /* Only while there is something to fetch: the regular session and the 15 delayed minutes
     * after it. */
    if (!tb_cal_is_open(x->o->cal, now, 0) && !tb_cal_is_open(x->o->cal, now - 16 * 60e9, 0))
        return;
    if (x->busy) {
        x->skipped++;
        return;
    }
    x->busy = 1, x->next = 0, x->polls++;
    poll_next(x);
}

static void on_probe(void *ud, polygon_result *r)
{
    lp *x = ud;
    x->pages += (uint64_t)r->pages;
    x->busy = 0;
    /* NOT_AUTHORIZED (the plan) and 401 (the key) are configuration: retrying changes nothing. */
    if (r->status == PG_NOT_AUTHORIZED || r->http_status == 401 || r->http_status == 403) {
        x->ent = LP_NOT_AUTHORIZED;
        snprintf(x->last_error, sizeof x->last_error, "%s", r->error ? r->error : "");
        TB_ERROR("polygon",
                 "entitlement: not authorized for minute aggregates of %s: a "
                 "configuration error (plan or key), not retried; the feed delivers nothing",
                 x->o->symbols[0]);
        return;
    }
    if (!r->ok) { /* a transport fault or 5xx after retries: probe again on the next tick */
        x->errors++;
        snprintf(x->last_error, sizeof x->last_error, "%s", r->error);
        TB_WARN("polygon", "entitlement probe failed: %s (again in %.0f s)", r->error,
                x->o->polygon.poll_seconds);
        return;
    }
    x->ent = r->status == PG_DELAYED ? LP_DELAYED : LP_REALTIME;
    TB_INFO("polygon", "entitlement: %s data (status %s)", ent_name(x->ent),
            r->status == PG_DELAYED ? "DELAYED" : "OK");
    push_closed(x, r);
}

static void probe(lp *x)
{
    char day[16];
    tb_date_fmt(tb_cal_session_day(tb_clock_now_ns()), day, sizeof day);
    tb_err e;
    x->busy = 1;
    if (polygon_aggs(x->p, x->o->symbols[0], x->ids[0], 1, "minute", day, day, on_probe, x, &e) !=
        0) {
        x->busy = 0;
        TB_WARN("polygon", "entitlement probe not started: %s", e.msg);
    }
}

static void on_probe_timer(evutil_socket_t fd, short what, void *arg)
{
    lp *x = arg;
    if (x->ent == LP_PROBING && !x->busy)
        probe(x);
    else
        on_timer(fd, what, arg);
}

static int lp_start(void *s, tb_err *e)
{
    lp *x = s;
    double per_min = x->o->nsymbols * 60.0 / x->o->polygon.poll_seconds;
    if (x->o->polygon.rate_per_minute > 0 && per_min > x->o->polygon.rate_per_minute)
        TB_WARN("polygon",
                "%d symbols every %.0f s need %.0f requests a minute; the plan allows "
                "%.0f: bars will arrive late (raise polygon.poll_seconds or use a paid plan)",
                x->o->nsymbols, x->o->polygon.poll_seconds, per_min, x->o->polygon.rate_per_minute);
    long ms = (long)(x->o->polygon.poll_seconds * 1000);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (event_add(x->timer, &tv) != 0) return tb_errf(e, "polygon: cannot add the poll timer");
    probe(x);
    return 0;
}

static void lp_free(void *s)
{
    lp *x = s;
    if (x->timer) event_free(x->timer);
    polygon_free(x->p);
    free(x->ids);
    free(x);
}

static int lp_connected(void *s)
{
    lp_ent e = ((lp *)s)->ent;
    return e == LP_REALTIME || e == LP_DELAYED;
}

static void lp_status(void *s, json_t *o)
{
    lp *x = s;
    json_object_set_new(o, "status", json_string(ent_name(x->ent)));
    json_object_set_new(o, "entitlement", json_string(ent_name(x->ent)));
    json_object_set_new(o, "state",
                        json_string(x->ent == LP_NOT_AUTHORIZED ? "config_error"
                                    : x->ent == LP_PROBING      ? "probing"
                                                                : "polling"));
    json_object_set_new(o, "polls", json_integer((json_int_t)x->polls));
    json_object_set_new(o, "pages", json_integer((json_int_t)x->pages));
    json_object_set_new(o, "errors", json_integer((json_int_t)x->errors));
    if (x->last_error[0]) json_object_set_new(o, "last_error", json_string(x->last_error));
}

int tb_live_polygon_src(tb_live *l, const tb_live_opts *o, tb_http *http, tb_live_src *out,
                        tb_err *e)
{
    if (o->polygon.poll_seconds <= 0) return tb_errf(e, "polygon: poll_seconds must be > 0");
    lp *x = calloc(1, sizeof *x);
    if (!x || !(x->ids = calloc((size_t)o->nsymbols, sizeof *x->ids))) {
        free(x);
        return tb_errf(e, "polygon: out of memory");
    }
    x->l = l, x->o = o;
    for (int i = 0; i < o->nsymbols; i++) {
        int64_t id = tb_symtab_intern(o->syms, o->symbols[i], e);
        if (id < 0) return lp_free(x), -1;
        x->ids[i] = (uint32_t)id;
    }
    /* "Unlimited" paid plans: stay well under 100 requests a second all the same. */
    double rate = o->polygon.rate_per_minute > 0 ? o->polygon.rate_per_minute : 6000;
    polygon_opts po = {.http = http,
                       .base_url = o->polygon.base_url,
                       .api_key = o->polygon.api_key,
                       .rate_per_minute = rate};
    if (!(x->p = polygon_new(&po, e)) ||
        !(x->timer = event_new(o->base, -1, EV_PERSIST, on_probe_timer, x))) {
        lp_free(x);
        return -1;
    }
    *out = (tb_live_src){lp_start, lp_free, lp_connected, lp_status, x};
    return 0;
}
