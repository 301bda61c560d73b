/*
 * test_posdiff: a position difference between the engine and the broker is logged once when it
 * starts (and again only when its figures change) and once when it is resolved, not on every
 * reconciliation (issue 19: "reconcile: position differs" every 30 s).
 */
#include "tbtest.h"
#include "broker/posdiff.h"
#include "log_testutil.h"

static char logpath[256];

static int count(const char *needle)
{
    const char *s = tbt_read_file(logpath);
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++) n++;
    return n;
}

static oms *with_position(tb_qty qty)
{
    oms_config c = {16, 8, 64, 20261130};
    oms *m = oms_new(&c, NULL);
    oms_position p;
    oms_pos_init(&p, "AAPL");
    p.qty = qty;
    oms_restore_position(m, &p, NULL);
    return m;
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
