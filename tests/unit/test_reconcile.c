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

/* What the settle callbacks were given, in order ("u:<id>" unacknowledged, "m:<id>" missing). */
static char calls[512];

static int skip_d(void *ud, const oms_order *o)
{
    return strcmp(o->client_id, "tb-t-AAPL-4") == 0;
}

static void note(const char *what, const oms_order *o)
{
    size_t n = strlen(calls);
    snprintf(calls + n, sizeof calls - n, "%s:%s ", what, o->client_id);
}

static void on_unacknowledged(void *ud, const oms_order *o)
{
    note("u", o);
}

static void on_missing(void *ud, const oms_order *o)
{
    note("m", o);
}

static void restore(oms *m, const char *id, oms_status st, int seq)
{
    oms_order o = {.seq = seq, .status = st, .side = OMS_BUY, .type = OMS_MARKET, .qty = 5};
    snprintf(o.client_id, sizeof o.client_id, "%s", id);
    snprintf(o.symbol, sizeof o.symbol, "AAPL");
    snprintf(o.strategy, sizeof o.strategy, "t");
    tb_err e;
    if (oms_restore_order(m, &o, &e) != 0) TBT_FAIL("restore %s: %s", id, e.msg);
}

/* What an adapter keeps for its rounds, on the heap like an adapter's (the storage is large). */
typedef struct adapter {
    posdiff pd;
    uint64_t diffs, rounds;
    reconcile_seen seen;
    reconcile_round r;
} adapter;

static adapter *adapter_new(oms *m, const char *who)
{
    adapter *a = calloc(1, sizeof *a);
    a->r = (reconcile_round){.who = who,
                             .orders = "orders",
                             .oms = m,
                             .posdiff = &a->pd,
                             .differences = &a->diffs,
                             .reconciles = &a->rounds,
                             .seen = &a->seen};
    return a;
}

static void adapter_free(adapter *a)
{
    reconcile_seen_free(&a->seen);
    free(a);
}

TEST(orders_the_lists_did_not_show_are_settled_by_the_adapter_and_the_unacknowledged_counted)
{
    CHECK_INT(tbt_open_tmp_log(logpath, sizeof logpath), 0);
    oms *m = oms_test_with_position("AAPL", 0);
    restore(m, "tb-t-AAPL-1", OMS_ST_NEW, 1);      /* never acknowledged, not listed */
    restore(m, "tb-t-AAPL-2", OMS_ST_ACCEPTED, 2); /* acknowledged, not listed */
    restore(m, "tb-t-AAPL-3", OMS_ST_ACCEPTED, 3); /* listed: settled by the list */
    restore(m, "tb-t-AAPL-4", OMS_ST_ACCEPTED, 4); /* the adapter's own business */
    restore(m, "tb-t-AAPL-5", OMS_ST_FILLED, 5);   /* ended: not open */
    adapter *ad = adapter_new(m, "alpaca");
    reconcile_round *r = &ad->r;
    reconcile_settle s = {
        .skip = skip_d, .unacknowledged = on_unacknowledged, .missing = on_missing};
    reconcile_begin(r);
    reconcile_saw(r, "tb-t-AAPL-3");
    reconcile_saw(r, "tb-t-AAPL-3"); /* shown twice (a list and its legs): once */
    CHECK_INT(ad->seen.n, 1);
    calls[0] = '\0';
    reconcile_settle_missing(r, &s);
    CHECK_CONTAINS(calls, "u:tb-t-AAPL-1 "); /* in the order manager's order */
    CHECK_CONTAINS(calls, "m:tb-t-AAPL-2 ");
    CHECK_INT(strlen(calls), 28);
    CHECK_INT(reconcile_end(r, 1, 0, 0), 1); /* the unacknowledged order */
    /* The next round forgets what the last one's lists showed. */
    reconcile_begin(r);
    CHECK_INT(reconcile_listed(r, "tb-t-AAPL-3"), 0);
    /* A list longer than the round can hold: every order counts as shown, none is settled. */
    char id[32];
    for (int i = 0; i < RECONCILE_SEEN; i++) {
        snprintf(id, sizeof id, "tb-x-%d", i);
        reconcile_saw(r, id);
    }
    calls[0] = '\0';
    reconcile_settle_missing(r, &s);
    CHECK_STR(calls, "");
    adapter_free(ad);
    oms_free(m);
}

/* A round over many orders: the lists show most, the rest are settled, none twice. */
TEST(a_round_with_a_thousand_orders_settles_exactly_those_the_lists_did_not_show)
{
    CHECK_INT(tbt_open_tmp_log(logpath, sizeof logpath), 0);
    oms_config c = {.max_orders = 1200, .max_symbols = 8, .max_execs = 64, .session_day = 20261130};
    oms *m = oms_new(&c, NULL);
    char id[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "tb-t-AAPL-%d", i);
        restore(m, id, OMS_ST_ACCEPTED, i + 1);
    }
    adapter *ad = adapter_new(m, "alpaca");
    reconcile_round *r = &ad->r;
    reconcile_settle s = {.unacknowledged = on_unacknowledged, .missing = on_missing};
    for (int round = 0; round < 2; round++) { /* the second reuses the first's table */
        reconcile_begin(r);
        for (int i = 0; i < 1000; i++) {
            if (i % 100 == 7 + round) continue; /* 10 orders the lists do not show */
            snprintf(id, sizeof id, "tb-t-AAPL-%d", i);
            reconcile_saw(r, id);
            reconcile_saw(r, id); /* a leg shows it again: once */
        }
        CHECK_INT(ad->seen.n, 990);
        calls[0] = '\0';
        reconcile_settle_missing(r, &s);
        for (int i = 0; i < 1000; i++) {
            snprintf(id, sizeof id, "m:tb-t-AAPL-%d ", i);
            int unlisted = i % 100 == 7 + round;
            CHECK_INT(strstr(calls, id) != NULL, unlisted);
        }
        CHECK_INT(reconcile_listed(r, "tb-t-AAPL-8"), round == 0);
        CHECK_INT(reconcile_listed(r, "tb-t-AAPL-999"), 1);
        CHECK_INT(reconcile_listed(r, "tb-t-AAPL-1000"), 0); /* never listed, never an order */
    }
    adapter_free(ad);
    oms_free(m);
}

/* A settle callback that starts another adapter's round (each adapter its own storage) does not
 * change what the first round settles. */
static reconcile_round *inner_round;
static reconcile_settle inner_settle;
static char outer_calls[256];

static void on_missing_nested(void *ud, const oms_order *o)
{
    size_t n = strlen(outer_calls);
    snprintf(outer_calls + n, sizeof outer_calls - n, "m:%s ", o->client_id);
    if (inner_round) {
        reconcile_round *in = inner_round;
        inner_round = NULL;
        reconcile_begin(in);
        reconcile_settle_missing(in, &inner_settle);
    }
}

TEST(a_settle_callback_that_runs_another_round_leaves_this_round_s_list_alone)
{
    CHECK_INT(tbt_open_tmp_log(logpath, sizeof logpath), 0);
    oms *a = oms_test_with_position("AAPL", 0), *b = oms_test_with_position("AAPL", 0);
    restore(a, "tb-a-AAPL-1", OMS_ST_ACCEPTED, 1);
    restore(a, "tb-a-AAPL-2", OMS_ST_ACCEPTED, 2);
    restore(a, "tb-a-AAPL-3", OMS_ST_ACCEPTED, 3);
    restore(b, "tb-b-AAPL-1", OMS_ST_ACCEPTED, 1);
    restore(b, "tb-b-AAPL-2", OMS_ST_ACCEPTED, 2);
    adapter *aa = adapter_new(a, "alpaca"), *ab = adapter_new(b, "ibkr");
    inner_settle = (reconcile_settle){.unacknowledged = on_unacknowledged, .missing = on_missing};
    reconcile_settle s = {.unacknowledged = on_unacknowledged, .missing = on_missing_nested};
    inner_round = &ab->r;
    outer_calls[0] = calls[0] = '\0';
    reconcile_begin(&aa->r);
    reconcile_settle_missing(&aa->r, &s);
    CHECK_CONTAINS(outer_calls, "m:tb-a-AAPL-1 ");
    CHECK_CONTAINS(outer_calls, "m:tb-a-AAPL-2 ");
    CHECK_CONTAINS(outer_calls, "m:tb-a-AAPL-3 ");
    CHECK_INT(strlen(outer_calls), 42); /* those three, nothing of the other round's */
    CHECK_CONTAINS(calls, "m:tb-b-AAPL-1 ");
    CHECK_CONTAINS(calls, "m:tb-b-AAPL-2 ");
    adapter_free(aa), adapter_free(ab);
    oms_free(a), oms_free(b);
}
