/*
 * test_polygon: the Polygon (Massive) REST client against tests/emu/polygon_emu.js: every
 * next_url page fetched with the key in a header only, gaps kept as gaps, grouped daily, I:VIX,
 * NOT_AUTHORIZED as a configuration error (not retried), 429 retried, DELAYED reported.
 */
#include "tbtest.h"
#include "emu_util.h"
#include "polygon_testutil.h"

#include "feed/polygon.h"
#include "log/log.h"

#include <event2/event.h>

static struct event_base *base;
static emu E;

typedef struct got {
    int done, ok, pages;
    pg_status status;
    size_t nbars;
    int64_t first_ns, last_ns;
    double value;
    char err[300];
} got;

static void on_done(void *ud, polygon_result *r)
{
    got *g = ud;
    g->done = 1, g->ok = r->ok, g->pages = r->pages, g->status = r->status;
    g->nbars = r->bars.n;
    g->value = r->value;
    if (r->bars.n)
        g->first_ns = r->bars.v[0].start_ns, g->last_ns = r->bars.v[r->bars.n - 1].start_ns;
    snprintf(g->err, sizeof g->err, "%s", r->error ? r->error : "");
}

static polygon *client(const char *plan, tb_http **h)
{
    const char *args[] = {"--plan", plan, "--page", "100", NULL};
    return pg_emu_client(&E, &base, args, h);
}

static void wait_done(got *g)
{
    for (int i = 0; i < 500 && !g->done; i++) event_base_loop(base, EVLOOP_ONCE);
}

TEST(aggregates_follow_every_next_url_page_and_keep_gaps)
{
    tb_http *h;
    polygon *p = client("paid", &h);
    got g = {0};
    tb_err e;
    CHECK_INT(polygon_aggs(p, "AAPL", 0, 1, "minute", "2026-01-05", "2026-01-05", on_done, &g, &e),
              0);
    wait_done(&g);
    CHECK(g.ok);
    CHECK_INT(g.pages, 4);
    CHECK_INT(g.nbars, 390 - 4); /* four minutes without trades are absent */
    CHECK_INT(g.first_ns, 1767623400LL * 1000000000LL);
    CHECK_INT(g.status, PG_OK);
    CHECK_CONTAINS(emu_ctl(&E, "stats", NULL), "\"with_key_in_url\":0");
    polygon_free(p);
    tb_httpc_free(h);
}

TEST(grouped_daily_gives_one_bar_per_ticker)
{
    tb_http *h;
    polygon *p = client("paid", &h);
    tb_symtab syms;
    tb_symtab_init(&syms);
    got g = {0};
    tb_err e;
    CHECK_INT(polygon_grouped(p, "2026-01-05", &syms, on_done, &g, &e), 0);
    wait_done(&g);
    CHECK(g.ok);
    CHECK_INT(g.nbars, 4);
    CHECK(tb_symtab_find(&syms, "NVDA") >= 0);
    tb_symtab_free(&syms);
    polygon_free(p);
    tb_httpc_free(h);
}

TEST(vix_value_and_not_authorized_on_a_plan_without_indices)
{
    tb_http *h;
    polygon *p = client("paid", &h);
    got g = {0};
    tb_err e;
    polygon_index_value(p, "I:VIX", on_done, &g, &e);
    wait_done(&g);
    CHECK(g.ok);
    CHECK_NEAR(g.value, 17.42, 1e-12);
    polygon_free(p);
    tb_httpc_free(h);

    p = client("free", &h);
    got f = {0};
    polygon_index_value(p, "I:VIX", on_done, &f, &e);
    wait_done(&f);
    CHECK(!f.ok);
    CHECK_INT(f.pages, 1); /* not retried */
    CHECK_CONTAINS(f.err, "NOT_AUTHORIZED");
    got d = {0};
    polygon_aggs(p, "AAPL", 0, 1, "minute", "2026-01-05", "2026-01-05", on_done, &d, &e);
    wait_done(&d);
    CHECK(d.ok);
    CHECK_INT(d.status, PG_DELAYED);
    polygon_free(p);
    tb_httpc_free(h);
}

TEST(rate_limit_answers_are_retried_and_malformed_json_is_an_error)
{
    tb_http *h;
    polygon *p = client("paid", &h);
    emu_ctl(&E, "fault", "{\"kind\":\"429\",\"count\":2,\"retry_after\":0}");
    got g = {0};
    tb_err e;
    polygon_aggs(p, "MSFT", 0, 1, "minute", "2026-01-05", "2026-01-05", on_done, &g, &e);
    wait_done(&g);
    CHECK(g.ok);
    CHECK_INT(g.nbars, 386);
    emu_ctl(&E, "fault", "{\"kind\":\"malformed\",\"count\":1}");
    got m = {0};
    polygon_aggs(p, "MSFT", 0, 1, "minute", "2026-01-05", "2026-01-05", on_done, &m, &e);
    wait_done(&m);
    CHECK(!m.ok);
    CHECK_CONTAINS(m.err, "malformed JSON");
    polygon_free(p);
    tb_httpc_free(h);
}

__attribute__((destructor)) static void teardown(void)
{
    emu_stop(&E);
    if (base) event_base_free(base);
}
