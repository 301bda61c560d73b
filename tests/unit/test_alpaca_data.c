/*
 * test_alpaca_data: Alpaca market data v2 against tests/emu/alpaca_emu.js: bars REST across
 * page_token pages (one and many symbols), the bars stream (auth, subscribe, closed bars, gaps
 * kept as gaps), bad keys (stopped, no tight retry), 406 connection limit (backed off), a
 * dropped socket (reconnect, resubscribe, REST backfill: nothing repeated, nothing invented)
 * and an updated bar replacing by (symbol, start).
 */
#include "tbtest.h"
#include "emu_loop.h"

#include "feed/alpaca_data.h"
#include "util/clock.h"

#define OPEN_NS (1796049000LL * TB_NS_PER_SEC) /* 2026-11-30 14:30Z: 09:30 ET */

static void start_emu(const char *const *args)
{
    emu_loop_open("test_alpaca_data");
    emu_restart("alpaca_emu.js", args);
    tb_clock_set_fake_ns(OPEN_NS + 60LL * 60 * TB_NS_PER_SEC); /* 10:30 ET that day */
}

typedef struct rec {
    tb_symtab syms;
    tb_bar bars[256];
    int corrected[256];
    int n;
} rec;

static void on_bar(void *ud, const tb_bar *b, int corrected)
{
    rec *r = ud;
    if (r->n < 256) r->bars[r->n] = *b, r->corrected[r->n++] = corrected;
}

typedef struct rig {
    tb_http *http;
    alpaca_data *ad;
    rec r;
} rig;

static void rig_open(rig *g, const char *secret, long limit_backoff_ms)
{
    memset(g, 0, sizeof *g);
    tb_symtab_init(&g->r.syms);
    tb_httpc_opts ho = {.base = base, .backoff_base_ms = 20};
    tb_err e;
    g->http = tb_httpc_new(&ho, &e);
    char url[64], wurl[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", E.port);
    snprintf(wurl, sizeof wurl, "ws://127.0.0.1:%d/v2", E.port);
    alpaca_data_opts o = {.base = base,
                          .http = g->http,
                          .data_url = url,
                          .stream_url = wurl,
                          .feed = "iex",
                          .key_id = "PKEMULATOR",
                          .secret_key = secret,
                          .syms = &g->r.syms,
                          .limit_backoff_ms = limit_backoff_ms,
                          .reconnect_min_ms = 150,
                          .reconnect_max_ms = 400,
                          .on_bar = on_bar,
                          .ud = &g->r};
    g->ad = alpaca_data_new(&o, &e);
    if (!g->ad) TBT_FAIL("alpaca_data_new: %s", e.msg);
}

/* The feed's counters now. */
static alpaca_data_stats stats_of(rig *g)
{
    alpaca_data_stats st;
    alpaca_data_stats_get(g->ad, &st);
    return st;
}

/* Checks that the emulator's data-side counters hold text (e.g. "\"auths\":1,"). */
#define CHECK_EMU_DATA_STATS(text) CHECK_CONTAINS(emu_ctl(&E, "data_stats", NULL), text)

static void rig_close(rig *g)
{
    tb_httpc_free(g->http); /* first: nothing in flight calls back into a freed client */
    alpaca_data_free(g->ad);
    tb_symtab_free(&g->r.syms);
}

static void subscribe(rig *g, const char *const *syms, int n)
{
    tb_err e;
    if (alpaca_data_subscribe(g->ad, syms, n, &e) != 0) TBT_FAIL("subscribe: %s", e.msg);
}

static int64_t minute(int i)
{
    return OPEN_NS + (int64_t)i * 60 * TB_NS_PER_SEC;
}

typedef struct got {
    int done, ok, pages;
    size_t n;
    tb_bar v[128];
} got;

static void on_done(void *ud, alpaca_data_result *r)
{
    got *g = ud;
    g->done = 1, g->ok = r->ok, g->pages = r->pages, g->n = r->bars.n;
    for (size_t i = 0; i < r->bars.n && i < 128; i++) g->v[i] = r->bars.v[i];
}

/* The rig subscribed to syms with secret, its stream live (the test fails when it is not). */
static void rig_live(rig *g, const char *secret, const char *const *syms, int n)
{
    rig_open(g, secret, 0);
    subscribe(g, syms, n);
    WAIT_FOR(alpaca_data_state(g->ad) == AD_LIVE, 3000);
    if (alpaca_data_state(g->ad) != AD_LIVE)
        TBT_FAIL("stream %s, not live", alpaca_data_state_name(alpaca_data_state(g->ad)));
}

TEST(bars_rest_follows_every_page_token_page_for_one_and_many_symbols)
{
    const char *args[] = {"--data-page", "7", NULL};
    start_emu(args);
    emu_ctl(&E, "data_advance", "{\"minutes\":20}");
    rig g;
    rig_open(&g, "emulator-secret", 0);
    got one = {0}, many = {0};
    tb_err e;
    const char *aapl[] = {"AAPL"}, *both[] = {"AAPL", "MSFT"};
    CHECK_INT(alpaca_data_bars(g.ad, aapl, 1, minute(0), minute(60), on_done, &one, &e), 0);
    CHECK_INT(alpaca_data_bars(g.ad, both, 2, minute(0), minute(60), on_done, &many, &e), 0);
    WAIT_FOR(one.done && many.done, 5000);
    CHECK(one.ok && many.ok);
    CHECK_INT(one.n, 19); /* minute 3 had no trade: no bar, and none invented */
    CHECK_INT(one.pages, 3);
    CHECK_INT(many.n, 38);
    CHECK_INT(many.pages, 6);
    for (size_t i = 0; i < one.n; i++) CHECK(one.v[i].start_ns != minute(3));
    for (size_t i = 1; i < many.n; i++) CHECK(many.v[i].start_ns >= many.v[i - 1].start_ns);
    CHECK_INT(one.v[0].start_ns, minute(0));
    CHECK_INT(one.v[0].tf_sec, 60);
    rig_close(&g);
}

TEST(stream_authenticates_subscribes_and_delivers_closed_bars_keeping_gaps)
{
    start_emu(NULL);
    rig g;
    const char *both[] = {"AAPL", "MSFT"};
    rig_live(&g, "emulator-secret", both, 2);
    emu_ctl(&E, "data_advance", "{\"minutes\":5}");
    WAIT_FOR(g.r.n >= 8, 3000);
    spin(100);
    CHECK_INT(g.r.n, 8);
    alpaca_data_stats st = stats_of(&g);
    CHECK_INT(st.gap_minutes, 2); /* minute 3 of both symbols */
    CHECK_INT(g.r.bars[0].start_ns, minute(0));
    CHECK_STR(tb_symtab_name(&g.r.syms, g.r.bars[0].sym), "AAPL");
    rig_close(&g);
}

TEST(stream_auth_sends_keys_with_quotes_and_backslashes_as_json_strings)
{
    /* A secret with JSON's special characters must arrive as itself, not break the message or
     * add fields to it. */
    const char *secret = "emu\"sec\\ret\",\"key\":\"x";
    const char *args[] = {"--secret", secret, NULL};
    start_emu(args);
    rig g;
    const char *aapl[] = {"AAPL"};
    rig_live(&g, secret, aapl, 1);
    CHECK_EMU_DATA_STATS("\"auths\":1,");
    CHECK_EMU_DATA_STATS("\"auth_failures\":0,");
    rig_close(&g);
}

TEST(bad_keys_disconnect_the_stream_and_are_not_retried)
{
    start_emu(NULL);
    rig g;
    rig_open(&g, "wrong-secret", 0);
    const char *aapl[] = {"AAPL"};
    subscribe(&g, aapl, 1);
    WAIT_FOR(alpaca_data_state(g.ad) == AD_AUTH_FAILED, 3000);
    CHECK_STR(alpaca_data_state_name(alpaca_data_state(g.ad)), "auth_failed");
    spin(1500); /* ten reconnect periods */
    CHECK_EMU_DATA_STATS("\"opens\":1,");
    CHECK_EMU_DATA_STATS("\"auth_failures\":1,");
    alpaca_data_stats st = stats_of(&g);
    CHECK_INT(st.auth_failures, 1);
    rig_close(&g);
}

TEST(connection_limit_406_backs_off_instead_of_retrying_tightly)
{
    start_emu(NULL);
    rig a, b;
    rig_open(&a, "emulator-secret", 0);
    rig_open(&b, "emulator-secret", 1500);
    const char *aapl[] = {"AAPL"};
    subscribe(&a, aapl, 1);
    WAIT_FOR(alpaca_data_state(a.ad) == AD_LIVE, 3000);
    subscribe(&b, aapl, 1);
    spin(1000); /* b's own reconnect period is 150..400 ms: a tight retry would show here */
    CHECK_EMU_DATA_STATS("\"rejected_406\":1,");
    alpaca_data_stats st = stats_of(&b);
    CHECK_INT(st.limit_406, 1);
    CHECK(alpaca_data_state(b.ad) != AD_LIVE);
    rig_close(&a); /* the first connection goes away: after its back-off b gets in */
    WAIT_FOR(alpaca_data_state(b.ad) == AD_LIVE, 3000);
    CHECK_STR(alpaca_data_state_name(alpaca_data_state(b.ad)), "live");
    rig_close(&b);
}

TEST(reconnect_resubscribes_and_backfills_the_gap_without_duplicates_or_invented_bars)
{
    start_emu(NULL);
    rig g;
    const char *aapl[] = {"AAPL"};
    rig_live(&g, "emulator-secret", aapl, 1);
    emu_ctl(&E, "data_advance", "{\"minutes\":5}"); /* 0..4, no 3 */
    WAIT_FOR(g.r.n >= 4, 3000);
    emu_ctl(&E, "data_drop", "{}");
    WAIT_FOR(alpaca_data_state(g.ad) == AD_WAITING, 2000);
    emu_ctl(&E, "data_advance", "{\"minutes\":4}"); /* 5..8 while we are away */
    WAIT_FOR(alpaca_data_state(g.ad) == AD_LIVE && g.r.n >= 8, 5000);
    emu_ctl(&E, "data_advance", "{\"minutes\":2}"); /* 9, 10 on the stream again */
    WAIT_FOR(g.r.n >= 10, 3000);
    spin(200);
    CHECK_INT(g.r.n, 10);
    static const int want[] = {0, 1, 2, 4, 5, 6, 7, 8, 9, 10};
    for (int i = 0; i < 10 && i < g.r.n; i++) CHECK_INT(g.r.bars[i].start_ns, minute(want[i]));
    alpaca_data_stats st = stats_of(&g);
    CHECK_INT(st.backfills, 1);
    CHECK_INT(st.backfilled_bars, 4);
    CHECK(st.duplicates >= 2); /* minute 4 from REST and minute 8 resent on subscribe */
    CHECK_EMU_DATA_STATS("\"subscribes\":2,");
    rig_close(&g);
}

TEST(watchdog_reconnect_of_a_stream_silent_from_the_start_backfills_from_the_open)
{
    start_emu(NULL);
    rig g;
    rig_open(&g, "emulator-secret", 0);
    alpaca_data_reconnect(g.ad, "not connected yet", minute(0)); /* nothing to drop */
    const char *syms[] = {"AAPL", "MSFT"};
    subscribe(&g, syms, 2);
    WAIT_FOR(alpaca_data_state(g.ad) == AD_LIVE, 3000);
    emu_ctl(&E, "data_silent", "{\"on\":true}");
    emu_ctl(&E, "data_advance", "{\"minutes\":3}"); /* 0..2: never sent */
    spin(200);
    CHECK_INT(g.r.n, 0);
    alpaca_data_reconnect(g.ad, "silent (test)", minute(0));
    WAIT_FOR(alpaca_data_state(g.ad) == AD_LIVE && g.r.n >= 6, 5000);
    spin(200);
    CHECK_INT(g.r.n, 6);
    alpaca_data_stats st = stats_of(&g);
    CHECK_INT(st.stale_reconnects, 1);
    CHECK_INT(st.backfills, 1);
    CHECK_INT(st.backfilled_bars, 6);
    CHECK_EMU_DATA_STATS("\"opens\":2,");
    rig_close(&g);
}

TEST(an_updated_bar_replaces_the_bar_of_the_same_symbol_and_start)
{
    start_emu(NULL);
    rig g;
    const char *aapl[] = {"AAPL"};
    rig_live(&g, "emulator-secret", aapl, 1);
    emu_ctl(&E, "data_advance", "{\"minutes\":3}");
    WAIT_FOR(g.r.n >= 3, 3000);
    emu_ctl(&E, "data_correct", "{\"symbol\":\"AAPL\",\"minute\":1,\"close\":150.25}");
    WAIT_FOR(g.r.n >= 4, 3000);
    CHECK_INT(g.r.n, 4);
    CHECK_INT(g.r.corrected[3], 1);
    CHECK_INT(g.r.bars[3].start_ns, minute(1));
    CHECK_NEAR(g.r.bars[3].close, 150.25, 1e-9);
    alpaca_data_stats st = stats_of(&g);
    CHECK_INT(st.corrected, 1);
    CHECK_INT(st.bars, 3);
    rig_close(&g);
    emu_stop(&E);
}
