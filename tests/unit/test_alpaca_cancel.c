/*
 * test_alpaca_cancel: one cancel is one DELETE. After Alpaca accepts a cancel (204) the order
 * may still show `new` for a while (the cancel is asynchronous); the poll that follows the cancel,
 * the order watchdog and reconciliations must not take that for "the broker never got the
 * cancel", or the kill switch and the trader's cancel-all (they cancel whatever is working and
 * not pending_cancel) send a second DELETE.
 */
#include "tbtest.h"
#include "alpaca_testutil.h"

/* How many DELETE /v2/orders/{id} the emulator received for this client_order_id. */
static int deletes(const char *cid)
{
    const char *s = strstr(emu_ctl(&E, "stats", NULL), "\"deletes\":");
    char key[200];
    snprintf(key, sizeof key, "\"%s\":", cid);
    const char *p = s ? strstr(s, key) : NULL;
    return p ? atoi(p + strlen(key)) : 0;
}

/* What the kill switch's tick and tb_trader_cancel_all do with a working order: cancel it unless
 * its cancel is pending. Runs the loop for ms, doing it every 50 ms. */
static void cancel_what_works(rig *r, const char *cid, int ms)
{
    for (int t = 0; t < ms; t += 50) {
        const oms_order *o = oms_find(r->m, cid);
        tb_err e;
        if (o && !oms_status_is_terminal(o->status) && o->status != OMS_ST_PENDING_CANCEL)
            CHECK_INT(oms_cancel(r->m, cid, &e), 0);
        spin(50);
    }
}

/* A resting limit order cid at a broker polled by everything that polls: the cancel's own poll
 * (200 ms), the watchdog (300 ms) and reconciliations every 200 ms. */
static void rig_with_resting_order(rig *r, const char *cid)
{
    start_emu((const char *const[]){"--fill", "manual", NULL});
    poll_after_ms = 300;
    rig_open(r, NULL, 200);
    poll_after_ms = 0;
    WAIT_FOR(ready(r), 3000);
    buy(r, cid, OMS_LIMIT, 5, TB_USD(90, 0));
    EXPECT_STATUS(r, cid, OMS_ST_ACCEPTED, 2000);
}

/* Cancels cid through the order manager; fault (JSON, or NULL) is what the emulator does with
 * its DELETE. */
static void cancel_with(rig *r, const char *cid, const char *fault)
{
    if (fault) emu_ctl(&E, "fault", fault);
    tb_err e;
    CHECK_INT(oms_cancel(r->m, cid, &e), 0);
}

/* A fresh rig with cid resting (rig_with_resting_order), and cid's cancel with fault. */
static void cancel_resting(rig *r, const char *cid, const char *fault)
{
    rig_with_resting_order(r, cid);
    cancel_with(r, cid, fault);
}

TEST(a_cancel_is_one_delete_through_its_poll_the_watchdog_and_reconciliations)
{
    rig r;
    cancel_resting(&r, "tb-t-AAPL-60", NULL);
    EXPECT_STATUS(&r, "tb-t-AAPL-60", OMS_ST_CANCELED, 2000);
    WAIT_FOR(0, 1000); /* the cancel's poll (200 ms), watchdog ticks, five reconciliations */
    CHECK_INT(deletes("tb-t-AAPL-60"), 1);
    rig_close(&r);
}

TEST(a_poll_that_finds_the_order_still_new_after_an_accepted_cancel_sends_no_second_cancel)
{
    rig r;
    /* Alpaca answers 204 at once and cancels 3 s later; meanwhile the order shows `new` to the
     * cancel's poll (200 ms), the watchdog and the reconciliations. */
    cancel_resting(&r, "tb-t-AAPL-61", "{\"kind\":\"cancel_slow\",\"ms\":3000}");
    cancel_what_works(&r, "tb-t-AAPL-61", 1200);
    CHECK_INT(deletes("tb-t-AAPL-61"), 1);
    CHECK_STR(oms_status_name(status_of(&r, "tb-t-AAPL-61")), "pending_cancel");
    EXPECT_STATUS(&r, "tb-t-AAPL-61", OMS_ST_CANCELED, 6000);
    CHECK_INT(deletes("tb-t-AAPL-61"), 1);
    rig_close(&r);
}

TEST(a_cancel_the_venue_rejects_leaves_the_order_working_and_cancelable_again)
{
    rig r;
    cancel_resting(&r, "tb-t-AAPL-62", "{\"kind\":\"cancel_slow\",\"ms\":2500,\"reject\":true}");
    WAIT_FOR(0, 400); /* its poll, the watchdog, reconciliations find it new: still pending */
    CHECK_STR(oms_status_name(status_of(&r, "tb-t-AAPL-62")), "pending_cancel");
    EXPECT_STATUS(&r, "tb-t-AAPL-62", OMS_ST_ACCEPTED, 6000);
    /* Working again: a new cancel is a new DELETE, and this one takes. */
    cancel_with(&r, "tb-t-AAPL-62", NULL);
    EXPECT_STATUS(&r, "tb-t-AAPL-62", OMS_ST_CANCELED, 3000);
    CHECK_INT(deletes("tb-t-AAPL-62"), 2);
    rig_close(&r);
}
