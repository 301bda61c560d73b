/*
 * test_posdiff: a position difference between the engine and the broker is logged once when it
 * starts (and again only when its figures change) and once when it is resolved, not on every
 * reconciliation (issue 19: "reconcile: position differs" every 30 s).
 */
#include "tbtest.h"
#include "broker/posdiff.h"
#include "log_testutil.h"
#include "oms_testutil.h"
#include "util/clock.h"

static char logpath[256];

static int count(const char *needle)
{
    return tbt_log_count(logpath, needle);
}

static oms *with_position(tb_qty qty)
{
    return oms_test_with_position("AAPL", qty);
}

TEST(a_lasting_difference_is_logged_once_and_its_resolution_once)
{
    CHECK_INT(tbt_open_tmp_log(logpath, sizeof logpath), 0);
    posdiff pd;
    memset(&pd, 0, sizeof pd);
    oms *m = with_position(10);
    broker_position b = {.symbol = "AAPL", .qty = 5};
    uint64_t diffs = 0;
    for (int round = 0; round < 5; round++) posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    CHECK_INT(diffs, 5); /* counted every round */
    CHECK_INT(count("reconcile: position differs: AAPL local=10 broker=5"), 1);
    b.qty = 7; /* it changed: said again */
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    CHECK_INT(count("reconcile: position differs: AAPL local=10 broker=7"), 1);
    b.qty = 10; /* resolved */
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    CHECK_INT(count("reconcile: position difference resolved: AAPL local=10 broker=10"), 1);
    CHECK_INT(diffs, 6);
    oms_free(m);
    oms *flat = with_position(0); /* the engine flat, the broker long: a difference too */
    posdiff_compare(&pd, "ibkr", flat, &b, 1, &diffs);
    posdiff_compare(&pd, "ibkr", flat, &b, 1, &diffs);
    CHECK_INT(count("reconcile: position differs: AAPL local=0 broker=10"), 1);
    posdiff_compare(&pd, "ibkr", flat, NULL, 0, &diffs);
    CHECK_INT(count("reconcile: position difference resolved: AAPL local=0 broker=0"), 1);
    oms_free(flat);
}

TEST(a_difference_persists_after_two_rounds_with_the_same_gap_and_a_lagging_list_does_not)
{
    CHECK_INT(tbt_open_tmp_log(logpath, sizeof logpath), 0);
    posdiff pd;
    memset(&pd, 0, sizeof pd);
    uint64_t diffs = 0;
    oms *m = with_position(10);
    broker_position b = {.symbol = "AAPL", .qty = 0}; /* the list lags the engine's fills */
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    CHECK(posdiff_persistent(&pd, "AAPL") == NULL);
    oms_free(m);
    m = with_position(15); /* more fills; the list shows the first ones: the gap moved */
    b.qty = 10;
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    CHECK(posdiff_persistent(&pd, "AAPL") == NULL);
    CHECK_INT(posdiff_persistent_count(&pd), 0);
    b.qty = 15; /* caught up: resolved, never persistent */
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    CHECK_INT(pd.n, 0);
    CHECK_INT(count("position difference persists"), 0);
    b.qty = 12; /* 3 shares gone behind the engine's back: the same gap twice */
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    const posdiff_entry *d = posdiff_persistent(&pd, "AAPL");
    CHECK(d != NULL);
    CHECK_INT(d->local, 15);
    CHECK_INT(d->broker, 12);
    CHECK(d->since_ns > 0);
    CHECK_INT(posdiff_persistent_count(&pd), 1);
    CHECK_INT(count("reconcile: position difference persists: AAPL local=15 broker=12"), 1);
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs); /* said once */
    CHECK_INT(count("position difference persists"), 1);
    oms_free(m);
    m = with_position(20); /* the engine trades on: the gap stays, so does the difference */
    b.qty = 17;
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    CHECK(posdiff_persistent(&pd, "AAPL") != NULL);
    b.qty = 20;
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    CHECK(posdiff_persistent(&pd, "AAPL") == NULL);
    CHECK_INT(count("position difference resolved: AAPL local=20 broker=20: entries allowed again"),
              1);
    pd.persist_rounds = 1; /* configured: the first round already */
    b.qty = 1;
    posdiff_compare(&pd, "ibkr", m, &b, 1, &diffs);
    CHECK(posdiff_persistent(&pd, "AAPL") != NULL);
    oms_free(m);
}

TEST(with_a_least_age_a_difference_persists_only_once_it_is_that_old)
{
    CHECK_INT(tbt_open_tmp_log(logpath, sizeof logpath), 0);
    const int64_t s = 1000000000LL, t0 = 1796049000LL * s;
    posdiff pd;
    memset(&pd, 0, sizeof pd);
    pd.persist_min_ns = 90 * s; /* a list lagging 60 s (the emulator's list_lag) is forgiven */
    uint64_t diffs = 0;
    oms *m = with_position(0); /* sold; the lagging list still shows the shares */
    broker_position b = {.symbol = "AAPL", .qty = 5};
    for (int k = 0; k <= 60; k += 30) {
        tb_clock_set_fake_ns(t0 + k * s);
        posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
        CHECK(posdiff_persistent(&pd, "AAPL") == NULL);
    }
    tb_clock_set_fake_ns(t0 + 90 * s); /* still there 90 s on: not a lag */
    posdiff_compare(&pd, "alpaca", m, &b, 1, &diffs);
    CHECK(posdiff_persistent(&pd, "AAPL") != NULL);
    CHECK_INT(posdiff_persistent(&pd, "AAPL")->since_ns, t0);
    tb_clock_set_fake_ns(0);
    oms_free(m);
}
