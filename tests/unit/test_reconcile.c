/*
 * test_reconcile: one reconciliation round, shared by the Alpaca and IB adapters (issue 24: the
 * two had drifted). Every difference of a round is counted in the adapter's metric and in the
 * round's summary line; an unacknowledged order of ours is a difference; an open order with our
 * id prefix the engine does not hold is a loud line and a difference.
 */
#include "tbtest.h"
#include "broker/reconcile.h"
#include "log_testutil.h"
#include "oms_testutil.h"

static char logpath[256];

static int count(const char *needle)
{
    return tbt_log_count(logpath, needle);
}

TEST(every_difference_of_a_round_is_counted_and_summarised)
{
    CHECK_INT(tbt_open_tmp_log(logpath, sizeof logpath), 0);
    oms *m = oms_test_with_position("AAPL", 10);
    posdiff pd;
    memset(&pd, 0, sizeof pd);
    uint64_t diffs = 7, rounds = 0; /* earlier rounds' differences are not this round's */
    reconcile_round r = {.who = "alpaca",
                         .orders = "orders listed by the broker",
                         .oms = m,
                         .posdiff = &pd,
                         .differences = &diffs,
                         .reconciles = &rounds};
    reconcile_begin(&r);
    broker_position b[] = {{.symbol = "AAPL", .qty = 5}, {.symbol = "MSFT", .qty = 0}};
    reconcile_positions(&r, b, 2);
    oms_order fresh = {.client_id = "tb-t-AAPL-1", .status = OMS_ST_NEW};
    oms_order acked = {.client_id = "tb-t-AAPL-2", .status = OMS_ST_ACCEPTED};
    reconcile_unacknowledged(&r, &fresh);
    reconcile_unacknowledged(&r, &acked); /* acknowledged meanwhile: no difference */
    reconcile_unacknowledged(&r, NULL);   /* gone meanwhile: no difference, no crash */
    CHECK_INT(reconcile_foreign_open(&r, "tb-t-TSLA-9", "12345"), 1);
    /* A trader's manual order: not ours, not a difference; the adapter keeps its treatment. */
    CHECK_INT(reconcile_foreign_open(&r, "manual-1", "12346"), 0);
    CHECK_INT(reconcile_foreign_open(&r, "", "12347"), 0);
    CHECK_INT(reconcile_end(&r, 3, 2, 0), 3);
    CHECK_INT(diffs, 10);
    CHECK_INT(rounds, 1);
    CHECK_INT(count("reconcile: position differs: AAPL local=10 broker=5"), 1);
    CHECK_INT(count("reconcile: open order tb-t-TSLA-9 (id 12345) at the broker is unknown here"),
              1);
    CHECK_INT(count("reconcile: open order manual-1"), 0);
    CHECK_INT(count("reconciled: 3 orders listed by the broker, 2 positions, 3 differences: "
                    "broker ready"),
              1);
    oms_free(m);
}

TEST(a_periodic_round_says_so_and_is_counted_where_the_adapter_keeps_it)
{
    CHECK_INT(tbt_open_tmp_log(logpath, sizeof logpath), 0);
    oms *m = oms_test_with_position("AAPL", 5);
    posdiff pd;
    memset(&pd, 0, sizeof pd);
    uint64_t diffs = 0, rounds = 0, periodic = 0;
    reconcile_round r = {.who = "ibkr",
                         .orders = "open orders at IB",
                         .oms = m,
                         .posdiff = &pd,
                         .differences = &diffs,
                         .reconciles = &rounds,
                         .periodic = &periodic};
    broker_position b = {.symbol = "AAPL", .qty = 5};
    reconcile_begin(&r);
    reconcile_positions(&r, &b, 1);
    CHECK_INT(reconcile_end(&r, 0, 1, 1), 0);
    CHECK_INT(rounds, 1);
    CHECK_INT(periodic, 1);
    CHECK_INT(count("periodic reconcile: 0 open orders at IB, 1 positions, 0 differences"), 1);
    CHECK_INT(count("broker ready"), 0);
    r.periodic = NULL; /* an adapter without that metric: the round still counts */
    reconcile_begin(&r);
    reconcile_positions(&r, NULL, 0); /* the engine holds AAPL, the broker nothing */
    CHECK_INT(reconcile_end(&r, 0, 0, 1), 1);
    CHECK_INT(rounds, 2);
    CHECK_INT(periodic, 1);
    CHECK_INT(diffs, 1);
    oms_free(m);
}
