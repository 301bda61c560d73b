/*
 * test_live_feed: the live feed the engine runs instead of the replay, against the emulators:
 * sessions from the calendar around the vendor's bars, each (symbol, start) once to the
 * trader's callback, a corrected bar replacing the stored one, staleness in market hours only;
 * Polygon's entitlement probe (DELAYED shown as "delayed", NOT_AUTHORIZED a configuration error
 * that is not retried) and the free plan's 5 requests a minute holding polls back.
 */
#include "tbtest.h"
#include "emu_loop.h"

#include "feed/live.h"
#include "util/clock.h"

#define OPEN_NS (1796049000LL * TB_NS_PER_SEC) /* Monday 2026-11-30 09:30 ET */
#define MIN_NS  (60 * TB_NS_PER_SEC)

typedef struct seen {
    int bars, starts, ends, bar_before_start;
    int64_t last_start[8];
    int dup;
} seen;

static void on_ev(const tb_replay_ev *ev, void *ud)
{
    seen *s = ud;
    if (ev->type == TB_REPLAY_SESSION_START) s->starts++;
    if (ev->type == TB_REPLAY_SESSION_END) s->ends++;
    if (ev->type != TB_REPLAY_BAR) return;
    if (!s->starts) s->bar_before_start = 1;
    uint32_t k = ev->bar->sym & 7;
    if (ev->bar->start_ns <= s->last_start[k]) s->dup++;
    s->last_start[k] = ev->bar->start_ns;
    s->bars++;
}

typedef struct rig {
    tb_symtab syms;
    tb_cal cal;
    tb_live *l;
    seen s;
    tb_live_opts o; /* what open_live opens; a test may change it before */
    char url[64], wurl[64];
} rig;

/* The emulator script (args) restarted at 10:00 ET on 2026-11-30, and g's options for syms. */
static void start(rig *g, const char *script, const char *const *args, const char *const *syms,
                  int n)
{
    emu_loop_open("test_live_feed");
    emu_restart(script, args);
    tb_clock_set_fake_ns(OPEN_NS + 30 * MIN_NS); /* 10:00 ET */
    memset(g, 0, sizeof *g);
    tb_symtab_init(&g->syms);
    tb_cal_init(&g->cal);
    tb_live_opts *o = &g->o;
    o->base = base, o->syms = &g->syms, o->cal = &g->cal, o->cb = on_ev, o->ud = &g->s;
    o->tick_ms = 50;
    o->symbols = syms, o->nsymbols = n;
}

static void open_live(rig *g)
{
    tb_err e;
    if (!(g->l = tb_live_new(&g->o, &e)) || tb_live_start(g->l, &e) != 0)
        TBT_FAIL("live feed: %s", e.msg);
}

static void finish(rig *g)
{
    tb_live_free(g->l);
    tb_symtab_free(&g->syms);
}

static const char *status_of(rig *g, const char *key)
{
    static char buf[128];
    json_t *j = tb_live_status_json(g->l, tb_clock_now_ns());
    snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(j, key)) ?: "");
    json_decref(j);
    return buf;
}

/* g on the Alpaca emulator's data side, for syms. */
static void start_alpaca(rig *g, const char *const *syms, int n)
{
    start(g, "alpaca_emu.js", NULL, syms, n);
    char *url = g->url, *wurl = g->wurl;
    tb_live_opts *o = &g->o;
    sprintf(url, "http://127.0.0.1:%d", E.port);
    sprintf(wurl, "ws://127.0.0.1:%d/v2", E.port);
    o->kind = TB_LIVE_ALPACA, o->name = "alpaca";
    o->alpaca.data_url = url, o->alpaca.stream_url = wurl, o->alpaca.feed = "iex";
    o->alpaca.key_id = "PKEMULATOR", o->alpaca.secret_key = "emulator-secret";
    o->alpaca.reconnect_min_ms = 150, o->alpaca.reconnect_max_ms = 400;
}

TEST(alpaca_bars_reach_the_trader_callback_once_inside_a_calendar_session)
{
    rig g;
    static const char *const syms[] = {"AAPL", "MSFT"};
    start_alpaca(&g, syms, 2);
    open_live(&g);
    CHECK_INT(g.s.starts, 1); /* 10:00 ET on a trading day: the session is on */
    WAIT_FOR(tb_live_connected(g.l), 3000);
    CHECK_STR(status_of(&g, "status"), "real-time");
    emu_ctl(&E, "data_advance", "{\"minutes\":6}");
    WAIT_FOR(g.s.bars >= 10, 3000);
    emu_ctl(&E, "data_drop", "{}"); /* the resent and backfilled bars must not repeat */
    WAIT_FOR(!tb_live_connected(g.l), 2000);
    emu_ctl(&E, "data_advance", "{\"minutes\":2}");
    WAIT_FOR(tb_live_connected(g.l) && g.s.bars >= 14, 4000);
    spin(200);
    CHECK_INT(g.s.bars, 14);
    CHECK_INT(g.s.dup, 0);
    CHECK_INT(g.s.bar_before_start, 0);
    emu_ctl(&E, "data_correct", "{\"symbol\":\"AAPL\",\"minute\":2,\"close\":321.5}");
    tb_live_stats st;
    WAIT_FOR((tb_live_stats_get(g.l, &st), st.corrected == 1), 2000);
    CHECK_INT(st.corrected, 1);
    CHECK_INT(g.s.bars, 14); /* strategies are not fed the minute twice */
    tb_bar b;
    CHECK_INT(tb_live_bar(g.l, (uint32_t)tb_symtab_find(&g.syms, "AAPL"), OPEN_NS + 2 * MIN_NS, &b),
              1);
    CHECK_NEAR(b.close, 321.5, 1e-9);
    finish(&g);
}

TEST(staleness_counts_market_hours_since_the_last_bar_and_is_zero_when_closed)
{
    rig g;
    static const char *const syms[] = {"AAPL"};
    start_alpaca(&g, syms, 1);
    open_live(&g);
    WAIT_FOR(tb_live_connected(g.l), 3000);
    int64_t now = tb_clock_now_ns();
    CHECK_NEAR(tb_live_staleness_s(g.l, now), 30 * 60, 1e-6); /* nothing since the open */
    emu_ctl(&E, "data_advance", "{\"minutes\":1}");
    WAIT_FOR(g.s.bars >= 1, 3000);
    CHECK_NEAR(tb_live_staleness_s(g.l, now + 42 * TB_NS_PER_SEC), 42, 1e-6);
    CHECK_NEAR(tb_live_staleness_s(g.l, OPEN_NS + 7 * 3600 * TB_NS_PER_SEC), 0, 1e-9); /* 16:30 */
    finish(&g);
}

TEST(session_ends_after_the_close_and_the_grace_period)
{
    rig g;
    static const char *const syms[] = {"AAPL"};
    start_alpaca(&g, syms, 1);
    g.o.end_grace_ms = 60000;
    open_live(&g);
    CHECK_INT(g.s.starts, 1);
    tb_clock_set_fake_ns(OPEN_NS + 390 * MIN_NS + 30 * TB_NS_PER_SEC); /* 16:00:30 */
    spin(150);
    CHECK_INT(g.s.ends, 0);
    tb_clock_set_fake_ns(OPEN_NS + 391 * MIN_NS + 30 * TB_NS_PER_SEC); /* 16:01:30 */
    WAIT_FOR(g.s.ends == 1, 1000);
    CHECK_INT(g.s.ends, 1);
    finish(&g);
}

static void polygon_opts(rig *g, double rate)
{
    char *url = g->url;
    tb_live_opts *o = &g->o;
    sprintf(url, "http://127.0.0.1:%d", E.port);
    o->kind = TB_LIVE_POLYGON, o->name = "massive";
    o->polygon.base_url = url, o->polygon.api_key = "polygon-emulator-key";
    o->polygon.rate_per_minute = rate, o->polygon.poll_seconds = 0.1;
}

static int emu_requests(void)
{
    return emu_stat("requests", -1);
}

/* g for a Polygon emulator on plan (free, paid, unentitled) serving 2026-11-30, with syms and
 * rate requests a minute (0: no limit). */
static void start_polygon(rig *g, const char *plan, const char *const *syms, int n, double rate)
{
    const char *args[] = {"--plan", plan, "--today", "2026-11-30", NULL};
    start(g, "polygon_emu.js", args, syms, n);
    polygon_opts(g, rate);
}

TEST(polygon_delayed_plan_is_shown_delayed_and_the_free_rate_holds_polls_back)
{
    rig g;
    static const char *const syms[] = {"AAPL", "MSFT"};
    start_polygon(&g, "free", syms, 2, 5);
    emu_ctl(&E, "advance", "{\"minutes\":10}");
    open_live(&g);
    WAIT_FOR(g.s.bars >= 10, 3000);
    CHECK_STR(status_of(&g, "entitlement"), "delayed");
    CHECK(tb_live_connected(g.l));
    CHECK_INT(g.s.bars, 10); /* the probe's page: AAPL 09:30..09:39 */
    spin(1500);              /* 15 poll periods; 5 requests a minute allow none of them yet */
    CHECK_INT(emu_requests(), 1);
    CHECK_INT(g.s.bars, 10);
    finish(&g);
}

TEST(polygon_paid_plan_polls_every_symbol_from_the_last_bar_and_only_closed_minutes)
{
    rig g;
    static const char *const syms[] = {"AAPL", "MSFT"};
    start_polygon(&g, "paid", syms, 2, 0);
    emu_ctl(&E, "advance", "{\"minutes\":5}");
    open_live(&g);
    WAIT_FOR(g.s.bars >= 10, 3000);
    CHECK_STR(status_of(&g, "entitlement"), "real-time");
    tb_clock_set_fake_ns(OPEN_NS + 7 * MIN_NS + 30 * TB_NS_PER_SEC); /* 09:37:30 */
    emu_ctl(&E, "advance", "{\"minutes\":3}");                       /* 09:35..09:37 */
    WAIT_FOR(g.s.bars >= 14, 3000);
    spin(300);
    CHECK_INT(g.s.bars, 14); /* 09:37 is still forming: not a closed bar yet */
    tb_clock_set_fake_ns(OPEN_NS + 8 * MIN_NS + TB_NS_PER_SEC);
    WAIT_FOR(g.s.bars >= 16, 3000);
    spin(300);
    CHECK_INT(g.s.bars, 16);
    CHECK_INT(g.s.dup, 0);
    finish(&g);
}

TEST(polygon_not_authorized_is_a_configuration_error_and_not_retried)
{
    rig g;
    static const char *const syms[] = {"AAPL"};
    start_polygon(&g, "unentitled", syms, 1, 0);
    emu_ctl(&E, "advance", "{\"minutes\":5}");
    open_live(&g);
    WAIT_FOR(strcmp(status_of(&g, "entitlement"), "not authorized") == 0, 3000);
    CHECK_STR(status_of(&g, "entitlement"), "not authorized");
    spin(800); /* eight poll periods */
    CHECK_INT(emu_requests(), 1);
    CHECK(!tb_live_connected(g.l));
    CHECK_INT(g.s.bars, 0);
    finish(&g);
    emu_stop(&E);
}

TEST(polygon_bad_key_is_a_configuration_error_and_not_retried)
{
    rig g;
    static const char *const syms[] = {"AAPL"};
    start_polygon(&g, "paid", syms, 1, 0);
    g.o.polygon.api_key = "not-the-key";
    open_live(&g);
    WAIT_FOR(strcmp(status_of(&g, "entitlement"), "not authorized") == 0, 3000);
    CHECK_STR(status_of(&g, "entitlement"), "not authorized");
    CHECK_CONTAINS(status_of(&g, "last_error"), "Unknown API Key");
    spin(600);
    CHECK_INT(emu_requests(), 1);
    finish(&g);
    emu_stop(&E);
}
