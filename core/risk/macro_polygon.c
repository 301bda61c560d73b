/*
 * macro_polygon.c - the VIX from the market-data vendor: Polygon's (Massive's) I:VIX index value,
 * fetched on a private event loop (this runs in `tradebot vix`, `tradebot macro` and once at an
 * engine's first start, never on a running engine's loop).
 */
#include "feed/polygon.h"
#include "home/home.h"
#include "risk/macro.h"
#include "util/clock.h"

#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct vix_req {
    int done, ok;
    double value;
    char error[256];
    struct event_base *base;
} vix_req;

static void on_value(void *ud, polygon_result *r)
{
    vix_req *q = ud;
    q->done = 1;
    q->ok = r->ok;
    q->value = r->value;
    if (!r->ok) snprintf(q->error, sizeof q->error, "%s", r->error ? r->error : "request failed");
    event_base_loopbreak(q->base);
}

int tb_macro_vix_polygon(const tb_config *c, double *vix, char *date, size_t date_len, tb_err *e)
{
    char file[PATH_MAX] = "", key[256];
    if (c->polygon.key_file && *c->polygon.key_file)
        tb_home_path(file, sizeof file, c->polygon.key_file);
    if (tb_polygon_load_key(file, key, sizeof key, e) != 0) return -1;
    vix_req q = {.base = event_base_new()};
    tb_httpc_opts ho = {.base = q.base,
                        .timeout_ms = 10000,
                        .max_attempts = 3,
                        .ca_file = getenv("TRADEBOT_CA_FILE")};
    tb_http *h = tb_httpc_new(&ho, e);
    polygon_opts po = {.http = h, .base_url = c->polygon.base_url, .api_key = key};
    polygon *p = h ? polygon_new(&po, e) : NULL;
    int rc = -1;
    if (p && polygon_index_value(p, "I:VIX", on_value, &q, e) == 0) {
        event_base_dispatch(q.base);
        if (q.ok && q.value > 0) {
            time_t now = (time_t)(tb_clock_now_ns() / 1000000000LL);
            struct tm tm;
            gmtime_r(&now, &tm);
            strftime(date, date_len, "%Y-%m-%d", &tm);
            *vix = q.value;
            rc = 0;
        } else {
            tb_errf(e, "polygon I:VIX: %s", q.done ? q.error : "no answer");
        }
    }
    tb_httpc_free(h); /* first: nothing calls back into the client after this */
    polygon_free(p);
    event_base_free(q.base);
    return rc;
}
