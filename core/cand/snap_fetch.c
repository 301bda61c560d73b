/*
 * snap_fetch.c - the three snapshot requests of the candidate screen (tickers, gainers, losers),
 * in flight together on a private event loop that this sub-command waits on (as the VIX source
 * does): a running engine's loop never blocks on them.
 */
#include "cand/snapshot.h"
#include "feed/polygon.h"
#include "home/home.h"

#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct snap_req {
    struct event_base *base;
    int *pending;
    int ok;
    pg_snap_vec *out;
    char error[300];
} snap_req;

static void on_snaps(void *ud, polygon_result *r)
{
    snap_req *q = ud;
    q->ok = r->ok;
    if (r->ok) {
        *q->out = r->snaps; /* moved out: the client frees what is left in r */
        memset(&r->snaps, 0, sizeof r->snaps);
    } else {
        snprintf(q->error, sizeof q->error, "%s", r->error ? r->error : "request failed");
    }
    if (--*q->pending == 0) event_base_loopbreak(q->base);
}

static int start_all(polygon *p, const char *const *tickers, int n, snap_req q[3], tb_err *e)
{
    if (polygon_snapshot(p, tickers, n > 100 ? 0 : n, on_snaps, &q[0], e) != 0) return -1;
    ++*q[0].pending;
    if (polygon_movers(p, 1, on_snaps, &q[1], e) != 0) return -1;
    ++*q[0].pending;
    if (polygon_movers(p, 0, on_snaps, &q[2], e) != 0) return -1;
    ++*q[0].pending;
    return 0;
}

int tb_cand_fetch_snaps(const tb_config *c, const char *const *tickers, int n, tb_cand_snaps *out,
                        tb_err *e)
{
    memset(out, 0, sizeof *out);
    char file[PATH_MAX] = "", key[256];
    if (c->polygon.key_file && *c->polygon.key_file)
        tb_home_path(file, sizeof file, c->polygon.key_file);
    if (tb_polygon_load_key(file, key, sizeof key, e) != 0) return -1;
    struct event_base *base = event_base_new();
    int pending = 0;
    snap_req q[3] = {{base, &pending, 0, &out->tickers, ""},
                     {base, &pending, 0, &out->gainers, ""},
                     {base, &pending, 0, &out->losers, ""}};
    tb_httpc_opts ho = {.base = base,
                        .timeout_ms = 10000,
                        .max_attempts = 3,
                        .ca_file = getenv("TRADEBOT_CA_FILE")};
    tb_http *h = base ? tb_httpc_new(&ho, e) : NULL;
    polygon_opts po = {.http = h,
                       .base_url = c->polygon.base_url,
                       .api_key = key,
                       .rate_per_minute = strcmp(c->polygon.plan, "free") == 0 ? 5 : 0};
    polygon *p = h ? polygon_new(&po, e) : NULL;
    memset(key, 0, sizeof key);
    int rc = p ? start_all(p, tickers, n, q, e) : -1;
    if (pending) event_base_dispatch(base);
    for (int i = 0; i < 3 && rc == 0; i++)
        if (!q[i].ok) rc = tb_errf(e, "%s", q[i].error);
    tb_httpc_free(h); /* first: nothing calls back into the client after this */
    polygon_free(p);
    if (base) event_base_free(base);
    if (rc != 0) tb_cand_snaps_free(out);
    return rc;
}

void tb_cand_snaps_free(tb_cand_snaps *s)
{
    pg_snap_vec_free(&s->tickers);
    pg_snap_vec_free(&s->gainers);
    pg_snap_vec_free(&s->losers);
}
