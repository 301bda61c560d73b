/*
 * test_polygon_snap: Polygon (Massive) stock snapshots: the parser keeps what is present, marks
 * what is absent (a cleared day before the open, no min bar) and refuses a ticker whose fields are
 * not numbers, saying which field of which ticker; the client fetches tickers, gainers and losers
 * from tests/emu/polygon_emu.js with the key in a header, and NOT_AUTHORIZED is not retried.
 */
#include "tbtest.h"
#include "emu_util.h"
#include "polygon_testutil.h"

#include "feed/polygon.h"

#include <event2/event.h>

#define SNAP(body) "{\"status\":\"OK\",\"request_id\":\"r\",\"count\":1,\"tickers\":[" body "]}"

static int parse(const char *text, pg_snap_vec *v, tb_err *e)
{
    pg_page page;
    memset(v, 0, sizeof *v);
    return pg_parse_snapshot(text, strlen(text), v, &page, e);
}

/* Parses text, which must hold exactly one snapshot, into v. */
static void parse_one(const char *text, pg_snap_vec *v)
{
    tb_err e = {{0}};
    if (parse(text, v, &e) != 0) TBT_FAIL("parse: %s", e.msg);
    if (v->n != 1) TBT_FAIL("%zu snapshots, expected 1", (size_t)v->n);
}

TEST(snapshot_fields_are_read_as_polygon_documents_them)
{
    const char *t = SNAP(
        "{\"ticker\":\"AAPL\",\"todaysChange\":1.25,\"todaysChangePerc\":0.62,"
        "\"updated\":1796050199000000000,"
        "\"day\":{\"o\":202.5,\"h\":204,\"l\":201.75,\"c\":203.1,\"v\":1200345,\"vw\":202.9},"
        "\"min\":{\"av\":1200345,\"t\":1796050140000,\"n\":28,\"o\":203,\"h\":203.2,\"l\":202.95,"
        "\"c\":203.1,\"v\":4368,\"vw\":203.05},"
        "\"prevDay\":{\"o\":199,\"h\":202,\"l\":198.5,\"c\":201.85,\"v\":51000000,\"vw\":200.4},"
        "\"lastTrade\":{\"c\":[14,41],\"i\":\"7167\",\"p\":203.1,\"s\":100,"
        "\"t\":1796050199000000000,\"x\":4},"
        "\"lastQuote\":{\"P\":203.12,\"S\":2,\"p\":203.08,\"s\":3,\"t\":1796050199000000000}}");
    pg_snap_vec v;
    parse_one(t, &v);
    const pg_snap *s = pg_snap_find(&v, "AAPL");
    CHECK(s != NULL);
    CHECK(s->day.present && s->min.present && s->prev_day.present && s->has_trade && s->has_quote);
    CHECK_NEAR(s->day.o, 202.5, 0);
    CHECK_NEAR(s->prev_day.c, 201.85, 0);
    CHECK_NEAR(s->min.c, 203.1, 0);
    CHECK_INT(s->min_t_ms, 1796050140000LL);
    CHECK_INT(s->updated_ns, 1796050199000000000LL);
    CHECK_NEAR(s->todays_change_perc, 0.62, 0);
    CHECK_NEAR(s->ask, 203.12, 0);
    CHECK_NEAR(s->bid, 203.08, 0);
    CHECK(pg_snap_find(&v, "MSFT") == NULL);
    pg_snap_vec_free(&v);
}

TEST(a_cleared_day_and_missing_or_null_parts_are_absent_not_zero_prices)
{
    const char *t = SNAP("{\"ticker\":\"TSLA\",\"day\":{\"o\":0,\"h\":0,\"l\":0,\"c\":0,\"v\":0,"
                         "\"vw\":0},\"min\":null,\"prevDay\":{\"o\":240,\"h\":250,\"l\":238,"
                         "\"c\":245.5,\"v\":9e7},\"lastTrade\":{\"p\":247,\"s\":10}}");
    pg_snap_vec v;
    parse_one(t, &v);
    CHECK(!v.v[0].day.present);
    CHECK(!v.v[0].min.present);
    CHECK(v.v[0].prev_day.present);
    CHECK(!v.v[0].has_change);
    CHECK(!v.v[0].has_quote);
    CHECK_NEAR(v.v[0].trade_p, 247, 0);
    pg_snap_vec_free(&v);
}

TEST(a_ticker_with_a_bad_field_is_refused_and_the_reason_names_the_field_and_ticker)
{
    const char *t =
        "{\"status\":\"OK\",\"tickers\":["
        "{\"ticker\":\"GOOD\",\"prevDay\":{\"o\":10,\"h\":11,\"l\":9,\"c\":10.5,\"v\":1}},"
        "{\"ticker\":\"BAD\",\"day\":{\"o\":10,\"h\":11,\"l\":9,\"c\":\"10.5\",\"v\":1}},"
        "{\"ticker\":\"HALF\",\"day\":{\"o\":0,\"h\":11,\"l\":9,\"c\":10,\"v\":1}},"
        "{\"ticker\":\"NEG\",\"lastTrade\":{\"p\":-3}},"
        "{\"ticker\":\"INV\",\"prevDay\":{\"o\":10,\"h\":9,\"l\":11,\"c\":10,\"v\":1}},"
        "{\"ticker\":\"A B\"},{\"todaysChange\":1},[1],"
        "{\"ticker\":\"BIG\",\"min\":{\"o\":1,\"h\":1,\"l\":1,\"c\":-1}}]}";
    pg_snap_vec v;
    parse_one(t, &v);
    CHECK_STR(v.v[0].ticker, "GOOD");
    CHECK_INT(v.skipped, 8);
    CHECK_STR(v.why, "tickers[1] (BAD): day.c is not a finite number");
    pg_snap_vec_free(&v);
}

TEST(snapshot_errors_say_what_went_wrong)
{
    pg_snap_vec v;
    tb_err e;
    CHECK_INT(parse("{\"status\":\"NOT_AUTHORIZED\",\"message\":\"You are not entitled\"}", &v, &e),
              -1);
    CHECK_CONTAINS(e.msg, "NOT_AUTHORIZED: You are not entitled");
    CHECK_INT(parse("{\"status\":\"OK\",\"tickers\":{}}", &v, &e), -1);
    CHECK_CONTAINS(e.msg, "without a tickers array");
    CHECK_INT(parse("{\"status\":\"OK\",\"tickers\":[{\"ticker\":", &v, &e), -1);
    CHECK_CONTAINS(e.msg, "malformed JSON");
    CHECK_INT(parse("{\"status\":\"DELAYED\",\"tickers\":[]}", &v, &e), 0);
    CHECK_INT(v.n, 0);
    pg_snap_vec_free(&v);
}

/* ---- the client against the emulator ---- */

static struct event_base *base;
static emu E;

typedef struct got {
    int done, ok, pages;
    long http;
    pg_snap_vec snaps;
    char err[300];
} got;

static void on_done(void *ud, polygon_result *r)
{
    got *g = ud;
    g->done = 1, g->ok = r->ok, g->pages = r->pages, g->http = r->http_status;
    g->snaps = r->snaps; /* moved out */
    memset(&r->snaps, 0, sizeof r->snaps);
    snprintf(g->err, sizeof g->err, "%s", r->error ? r->error : "");
}

static polygon *client(const char *plan, tb_http **h)
{
    const char *args[] = {"--plan", plan, "--today", "2026-11-30", NULL};
    return pg_emu_client(&E, &base, args, h);
}

static void wait_done(got *g)
{
    for (int i = 0; i < 500 && !g->done; i++) event_base_loop(base, EVLOOP_ONCE);
}

TEST(tickers_snapshot_before_and_after_the_open_matches_the_emulators_bars)
{
    tb_http *h;
    polygon *p = client("paid", &h);
    tb_err e;
    const char *const two[] = {"AAPL", "MSFT"};
    got g = {0};
    CHECK_INT(polygon_snapshot(p, two, 2, on_done, &g, &e), 0);
    wait_done(&g);
    CHECK(g.ok);
    CHECK_INT(g.snaps.n, 2);
    const pg_snap *a = pg_snap_find(&g.snaps, "AAPL");
    CHECK(a && !a->day.present && !a->min.present && a->prev_day.present);
    CHECK(a && a->has_trade && a->trade_p == a->prev_day.c); /* before the open */
    pg_snap_vec_free(&g.snaps);

    emu_ctl(&E, "advance", "{\"minutes\":20}");
    got all = {0};
    CHECK_INT(polygon_snapshot(p, NULL, 0, on_done, &all, &e), 0);
    wait_done(&all);
    CHECK(all.ok);
    CHECK_INT(all.snaps.n, 25); /* no tickers: the whole (emulated) market */
    a = pg_snap_find(&all.snaps, "AAPL");
    CHECK(a && a->day.present && a->min.present);
    CHECK(a && a->min_t_ms == 1796049000000LL + 19 * 60000); /* the 20th minute */
    CHECK(a && a->min.c == a->trade_p);
    CHECK_CONTAINS(emu_ctl(&E, "stats", NULL), "\"with_key_in_url\":0");
    pg_snap_vec_free(&all.snaps);

    const char *const bad[] = {"AAPL&apiKey=x"};
    CHECK_INT(polygon_snapshot(p, bad, 1, on_done, &g, &e), -1);
    CHECK_CONTAINS(e.msg, "is not a ticker symbol");
    polygon_free(p);
    tb_httpc_free(h);
}

TEST(gainers_and_losers_are_sorted_movers_and_not_authorized_is_not_retried)
{
    tb_http *h;
    polygon *p = client("paid", &h);
    tb_err e;
    emu_ctl(&E, "advance", "{\"minutes\":30}");
    got up = {0}, down = {0};
    CHECK_INT(polygon_movers(p, 1, on_done, &up, &e), 0);
    CHECK_INT(polygon_movers(p, 0, on_done, &down, &e), 0);
    wait_done(&up);
    wait_done(&down);
    CHECK(up.ok && down.ok);
    CHECK(up.snaps.n > 0 && up.snaps.n <= 20);
    for (size_t i = 0; i < up.snaps.n; i++) CHECK(up.snaps.v[i].todays_change_perc > 0);
    for (size_t i = 1; i < up.snaps.n; i++)
        CHECK(up.snaps.v[i].todays_change_perc <= up.snaps.v[i - 1].todays_change_perc);
    for (size_t i = 0; i < down.snaps.n; i++) CHECK(down.snaps.v[i].todays_change_perc < 0);
    pg_snap_vec_free(&up.snaps);
    pg_snap_vec_free(&down.snaps);

    emu_ctl(&E, "fault", "{\"kind\":\"403\",\"count\":1}");
    got f = {0};
    polygon_movers(p, 1, on_done, &f, &e);
    wait_done(&f);
    CHECK(!f.ok);
    CHECK_INT(f.pages, 1);
    CHECK_INT(f.http, 403);
    CHECK_CONTAINS(f.err, "NOT_AUTHORIZED");
    polygon_free(p);
    tb_httpc_free(h);

    p = client("free", &h); /* snapshots are not on the free plan */
    got g = {0};
    polygon_snapshot(p, NULL, 0, on_done, &g, &e);
    wait_done(&g);
    CHECK(!g.ok);
    CHECK_CONTAINS(g.err, "NOT_AUTHORIZED");
    CHECK_CONTAINS(emu_ctl(&E, "stats", NULL), "\"requests\":1,");
    polygon_free(p);
    tb_httpc_free(h);
}

__attribute__((destructor)) static void teardown(void)
{
    emu_stop(&E);
    if (base) event_base_free(base);
}
