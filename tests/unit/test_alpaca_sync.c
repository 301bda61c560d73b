/*
 * test_alpaca_sync: the Alpaca adapter's reconciliation against the emulator, where it must
 * behave as IB's does (broker/reconcile.c, issue 24): an order working at Alpaca with our id
 * prefix that the engine does not hold is flagged (a WARN line and a difference), a trader's
 * manual order is left alone in silence, the rounds the interval timer starts are counted
 * apart, and a working order of ours that the list (the latest 500 orders) no longer shows is
 * looked up.
 */
#include "tbtest.h"
#include "alpaca_testutil.h"

/* How many times needle occurs in the test log. */
static int log_count(const char *needle)
{
    int n = 0;
    for (const char *p = read_log(); (p = strstr(p, needle)); p++) n++;
    return n;
}

static alpaca_stats stats(rig *r)
{
    alpaca_stats st;
    alpaca_stats_get(r->a, &st);
    return st;
}

/* Places an order at the emulator as someone else would (never through the engine). */
static void place_elsewhere(const char *cid, const char *type, const char *px)
{
    char body[300];
    snprintf(body, sizeof body,
             "{\"client_order_id\":\"%s\",\"symbol\":\"TSLA\",\"qty\":5,\"side\":\"buy\","
             "\"type\":\"%s\",\"time_in_force\":\"day\",\"limit_price\":%s}",
             cid, type, px);
    CHECK_CONTAINS(emu_ctl(&E, "place", body), cid);
}

/* Runs one reconciliation now and waits for its end. */
static void reconcile_now(rig *r)
{
    uint64_t before = stats(r).reconciles;
    alpaca_reconcile(r->a);
    WAIT_FOR(stats(r).reconciles > before, 3000);
    CHECK(stats(r).reconciles > before);
}

TEST(an_open_order_with_our_prefix_the_engine_does_not_hold_is_flagged_as_on_ibkr)
{
    rig r;
    rig_start(&r, (const char *const[]){"--fill", "manual", NULL});
    /* Another engine on the account (or ours before a lost journal); a trader by hand; and an
     * order of ours from an older session, long rejected. */
    place_elsewhere("tb-other-TSLA-20261127-1", "limit", "90");
    place_elsewhere("manual-trader-1", "limit", "91");
    place_elsewhere("tb-old-TSLA-20261126-7", "limit", "92");
    emu_ctl(&E, "reject", "{\"client_order_id\":\"tb-old-TSLA-20261126-7\"}");
    WAIT_FOR(strstr(emu_ctl(&E, "stats", NULL), "tb-other-TSLA-20261127-1\",\"manual"), 2000);
    uint64_t d0 = stats(&r).differences;
    reconcile_now(&r);
    CHECK_INT(stats(&r).differences, d0 + 1);
    CHECK_INT(log_count("reconcile: open order tb-other-TSLA-20261127-1 (id "), 1);
    CHECK_INT(log_count("at the broker is unknown here: left alone"), 1);
    CHECK_INT(log_count("reconcile: open order manual-trader-1"), 0);
    CHECK_INT(log_count("reconcile: open order tb-old-TSLA"), 0);
    CHECK_CONTAINS(read_log(), "reconciled: 3 orders listed by the broker, 0 positions, "
                               "1 differences: broker ready");
    /* Left alone: not adopted, not canceled, never sent by us. */
    CHECK(oms_find(r.m, "tb-other-TSLA-20261127-1") == NULL);
    CHECK_CONTAINS(emu_ctl(&E, "stats", NULL), "\"open\":[\"tb-other-TSLA-20261127-1\"");
    CHECK_INT(post_requests("tb-other-TSLA-20261127-1"), 0);
    /* Every round says it again while it works there (IB's rounds do too). */
    reconcile_now(&r);
    CHECK_INT(stats(&r).differences, d0 + 2);
    CHECK_INT(log_count("reconcile: open order tb-other-TSLA-20261127-1 (id "), 2);
    rig_close(&r);
}

TEST(periodic_reconciles_count_the_interval_timers_rounds_only)
{
    rig r;
    rig_start(&r, NULL); /* no interval: connect, stream (re)connects and the ones asked for */
    reconcile_now(&r);
    CHECK(stats(&r).reconciles >= 2);
    CHECK_INT(stats(&r).periodic_reconciles, 0);
    rig_close(&r);
    int lines = log_count("[alpaca] periodic reconcile: ");
    rig_open(&r, NULL, 200);
    WAIT_FOR(stats(&r).periodic_reconciles >= 2, 5000);
    alpaca_stats st = stats(&r);
    CHECK(st.periodic_reconciles >= 2);
    CHECK(st.reconciles >= st.periodic_reconciles + 1); /* + the connect round */
    CHECK(log_count("[alpaca] periodic reconcile: ") - lines >= (int)st.periodic_reconciles);
    rig_close(&r);
}

/* Alpaca's list is the latest 500 orders of every status, not the working ones: a working order
 * of ours can fall out of it (a busy account, a GTC order from days ago). Before, only orders with
 * a cancel or replace pending were looked up, so with the watchdog off and the stream silent its
 * fill was never learned; now every order the list does not settle is looked up, as on IB every
 * order its open-order list does not show is settled. */
TEST(a_working_order_that_fell_out_of_the_list_is_looked_up_and_its_fill_learned)
{
    start_emu((const char *const[]){"--fill", "manual", NULL});
    rig r;
    rig_open(&r, NULL, 300); /* the watchdog is off: reconciliation is the only net */
    WAIT_FOR(ready(&r), 3000);
    buy(&r, "tb-t-AAPL-70", OMS_LIMIT, 5, TB_USD(99, 0));
    EXPECT_STATUS(&r, "tb-t-AAPL-70", OMS_ST_ACCEPTED, 2000);
    emu_ctl(&E, "silent", "{\"on\":true}");
    CHECK_CONTAINS(emu_ctl(&E, "place",
                           "{\"client_order_id\":\"manual-bulk\",\"count\":500,\"symbol\":"
                           "\"TSLA\",\"qty\":1,\"side\":\"buy\",\"type\":\"limit\","
                           "\"time_in_force\":\"day\",\"limit_price\":50}"),
                   "\"placed\":500");
    emu_ctl(&E, "fill", "{\"client_order_id\":\"tb-t-AAPL-70\",\"qty\":5,\"price\":98}");
    EXPECT_STATUS(&r, "tb-t-AAPL-70", OMS_ST_FILLED, 5000);
    CHECK_INT(oms_position_get(r.m, "AAPL") ? oms_position_get(r.m, "AAPL")->qty : 0, 5);
    CHECK_INT(r.fills, 1);
    rig_close(&r);
}
