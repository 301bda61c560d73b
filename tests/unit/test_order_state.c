#include "tbtest.h"
#include "oms/order.h"

#include <stdio.h>

/* The legal transitions, written out independently of the table in order.c. */
static const char *const legal[] = {
    "new>held",
    "new>accepted",
    "new>partially_filled",
    "new>pending_cancel",
    "new>filled",
    "new>canceled",
    "new>rejected",
    "new>expired",
    "new>unknown",
    "unknown>accepted",
    "unknown>partially_filled",
    "unknown>filled",
    "unknown>canceled",
    "unknown>rejected",
    "unknown>expired",
    "held>accepted",
    "held>partially_filled",
    "held>pending_cancel",
    "held>filled",
    "held>canceled",
    "held>rejected",
    "held>expired",
    "accepted>partially_filled",
    "accepted>pending_cancel",
    "accepted>pending_replace",
    "accepted>filled",
    "accepted>canceled",
    "accepted>expired",
    "accepted>replaced",
    "partially_filled>pending_cancel",
    "partially_filled>pending_replace",
    "partially_filled>filled",
    "partially_filled>canceled",
    "partially_filled>expired",
    "partially_filled>replaced",
    "pending_cancel>accepted",
    "pending_cancel>partially_filled",
    "pending_cancel>filled",
    "pending_cancel>canceled",
    "pending_cancel>rejected",
    "pending_cancel>replaced",
    "pending_cancel>expired",
    "pending_replace>accepted",
    "pending_replace>partially_filled",
    "pending_replace>pending_cancel",
    "pending_replace>filled",
    "pending_replace>canceled",
    "pending_replace>expired",
    "pending_replace>replaced",
};

static int is_legal(oms_status f, oms_status t)
{
    char k[64];
    snprintf(k, sizeof k, "%s>%s", oms_status_name(f), oms_status_name(t));
    for (size_t i = 0; i < sizeof legal / sizeof legal[0]; i++)
        if (strcmp(legal[i], k) == 0) return 1;
    return 0;
}

static oms_order mk(oms_status st)
{
    oms_order o;
    memset(&o, 0, sizeof o);
    strcpy(o.client_id, "tb-t-AAPL-20260105-1");
    strcpy(o.symbol, "AAPL");
    o.qty = 100;
    o.status = st;
    return o;
}

TEST(every_pair_of_states_is_allowed_or_refused_per_the_table)
{
    int checked = 0;
    for (int f = 0; f < OMS_ST_COUNT; f++)
        for (int t = 0; t < OMS_ST_COUNT; t++) {
            oms_order o = mk((oms_status)f);
            tb_err e = {{0}};
            int rc = oms_order_set_status(&o, (oms_status)t, 5, &e);
            if (f == t) {
                if (rc != 0 || o.updated_ns != 0)
                    TBT_FAIL("%s -> itself should be a no-op", oms_status_name(f));
            } else if (is_legal(f, t)) {
                if (rc != 0 || o.status != (oms_status)t)
                    TBT_FAIL("%s -> %s refused: %s", oms_status_name(f), oms_status_name(t), e.msg);
            } else {
                if (rc != -1 || o.status != (oms_status)f || !strstr(e.msg, "not a valid"))
                    TBT_FAIL("%s -> %s should be refused", oms_status_name(f), oms_status_name(t));
            }
            checked++;
        }
    CHECK_INT(checked, OMS_ST_COUNT * OMS_ST_COUNT);
}

TEST(terminal_states_refuse_every_change)
{
    for (int f = OMS_ST_FILLED; f < OMS_ST_COUNT; f++) {
        CHECK(oms_status_is_terminal((oms_status)f));
        for (int t = 0; t < OMS_ST_COUNT; t++)
            if (t != f) CHECK(!oms_transition_allowed((oms_status)f, (oms_status)t));
    }
    CHECK(!oms_status_is_terminal(OMS_ST_PENDING_CANCEL));
}

static oms_exec ex(const char *id, tb_qty q, tb_money p, tb_qty cum)
{
    oms_exec x;
    memset(&x, 0, sizeof x);
    strcpy(x.exec_id, id);
    x.qty = q;
    x.price = p;
    x.cum_qty = cum;
    x.t_ns = 1;
    return x;
}

TEST(partial_then_full_fill_keeps_cumulative_apart_from_execution)
{
    oms_execset *s = oms_execset_new(16);
    oms_order o = mk(OMS_ST_ACCEPTED);
    oms_exec a = ex("e1", 40, TB_USD(10, 0), 40), b = ex("e2", 60, TB_USD(10, 10000), 100);
    CHECK_INT(oms_order_apply_exec(&o, &a, s, NULL), 1);
    CHECK_INT(o.status, OMS_ST_PARTIALLY_FILLED);
    CHECK_INT(o.filled_qty, 40);
    CHECK_INT(oms_order_apply_exec(&o, &b, s, NULL), 1);
    CHECK_INT(o.status, OMS_ST_FILLED);
    CHECK_INT(o.filled_qty, 100);
    CHECK_INT(o.filled_notional, 40 * TB_USD(10, 0) + 60 * TB_USD(10, 10000));
    CHECK_INT(o.filled_avg_price, TB_USD(10, 6000));
    CHECK_INT(a.qty, 40); /* the execution itself is untouched */
    oms_execset_free(s);
}

TEST(same_execution_id_applied_twice_changes_nothing)
{
    oms_execset *s = oms_execset_new(16);
    oms_order o = mk(OMS_ST_ACCEPTED);
    oms_exec a = ex("e1", 40, TB_USD(10, 0), 40);
    CHECK_INT(oms_order_apply_exec(&o, &a, s, NULL), 1);
    oms_order before = o;
    CHECK_INT(oms_order_apply_exec(&o, &a, s, NULL), 0);
    CHECK(memcmp(&before, &o, sizeof o) == 0);
    oms_execset_free(s);
}

TEST(overfill_and_bad_executions_are_refused_without_change)
{
    oms_order o = mk(OMS_ST_ACCEPTED);
    oms_exec big = ex("e1", 101, TB_USD(10, 0), 0), zero = ex("e2", 0, TB_USD(10, 0), 0);
    oms_exec noid = ex("", 1, TB_USD(10, 0), 0);
    tb_err e = {{0}};
    CHECK_INT(oms_order_apply_exec(&o, &big, NULL, &e), -1);
    CHECK_CONTAINS(e.msg, "overfills");
    CHECK_INT(oms_order_apply_exec(&o, &zero, NULL, &e), -1);
    CHECK_INT(oms_order_apply_exec(&o, &noid, NULL, &e), -1);
    CHECK_INT(o.filled_qty, 0);
    CHECK_INT(o.status, OMS_ST_ACCEPTED);
    oms_order r = mk(OMS_ST_REJECTED);
    oms_exec one = ex("e3", 1, TB_USD(10, 0), 0);
    CHECK_INT(oms_order_apply_exec(&r, &one, NULL, &e), -1);
}

TEST(late_fill_on_canceled_order_counts_quantity_but_keeps_status)
{
    oms_order o = mk(OMS_ST_CANCELED);
    oms_exec a = ex("e1", 10, TB_USD(5, 0), 10);
    CHECK_INT(oms_order_apply_exec(&o, &a, NULL, NULL), 1);
    CHECK_INT(o.status, OMS_ST_CANCELED);
    CHECK_INT(o.filled_qty, 10);
}

TEST(partial_fill_while_cancel_pending_stays_pending)
{
    oms_order o = mk(OMS_ST_PENDING_CANCEL);
    oms_exec a = ex("e1", 10, TB_USD(5, 0), 10), b = ex("e2", 90, TB_USD(5, 0), 100);
    CHECK_INT(oms_order_apply_exec(&o, &a, NULL, NULL), 1);
    CHECK_INT(o.status, OMS_ST_PENDING_CANCEL);
    CHECK_INT(oms_order_apply_exec(&o, &b, NULL, NULL), 1);
    CHECK_INT(o.status, OMS_ST_FILLED);
}

TEST(execset_forgets_the_oldest_when_full_and_keeps_the_rest)
{
    oms_execset *s = oms_execset_new(100);
    char id[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "x-%d", i);
        CHECK_INT(oms_execset_add(s, id), 0);
        CHECK_INT(oms_execset_add(s, id), 1);
    }
    CHECK_INT(oms_execset_count(s), 100);
    int present = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "x-%d", i);
        int has = oms_execset_has(s, id);
        if (has && i < 900) TBT_FAIL("%s should have been evicted", id);
        present += has;
    }
    CHECK_INT(present, 100);
    oms_execset_free(s);
}

/* The set against a plain FIFO of the last cap distinct ids: ids repeat at random, so the
 * evictions cut clusters of the set's table at every place. */
TEST(execset_holds_exactly_the_last_cap_distinct_ids_under_random_repeats)
{
    static const uint32_t caps[] = {1, 3, 17};
    for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
        uint32_t cap = caps[c];
        oms_execset *s = oms_execset_new(cap);
        int fifo[17], n = 0; /* ids held, oldest first */
        uint64_t rng = 99 + cap;
        char id[32];
        for (int step = 0; step < 3000; step++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            int k = (int)((rng >> 33) % 40), held = 0;
            for (int i = 0; i < n; i++) held |= fifo[i] == k;
            snprintf(id, sizeof id, "exec-%d", k);
            int rc = oms_execset_add(s, id);
            if (rc != (held ? 1 : 0))
                TBT_FAIL("cap %u step %d: add %s returned %d", cap, step, id, rc);
            if (!held) {
                if ((uint32_t)n == cap) memmove(fifo, fifo + 1, (size_t)--n * sizeof *fifo);
                fifo[n++] = k;
            }
            for (int j = 0; j < 40; j++) {
                int want = 0;
                for (int i = 0; i < n; i++) want |= fifo[i] == j;
                snprintf(id, sizeof id, "exec-%d", j);
                if (oms_execset_has(s, id) != want) {
                    TBT_FAIL("cap %u step %d: has %s != %d", cap, step, id, want);
                    step = 3000;
                    break;
                }
            }
        }
        CHECK_INT(oms_execset_count(s), n);
        oms_execset_free(s);
    }
}

TEST(validate_rejects_zero_qty_missing_prices_and_crossed_brackets)
{
    oms_order o = mk(OMS_ST_NEW);
    o.type = OMS_MARKET;
    CHECK_INT(oms_order_validate(&o, NULL), 0);
    o.qty = 0;
    CHECK_INT(oms_order_validate(&o, NULL), -1);
    o.qty = 5;
    o.type = OMS_LIMIT;
    CHECK_INT(oms_order_validate(&o, NULL), -1);
    o.limit_price = TB_USD(100, 0);
    CHECK_INT(oms_order_validate(&o, NULL), 0);
    o.order_class = OMS_CLASS_BRACKET;
    o.take_profit_limit = TB_USD(95, 0);
    o.stop_loss_stop = TB_USD(105, 0);
    CHECK_INT(oms_order_validate(&o, NULL), -1);
    o.take_profit_limit = TB_USD(105, 0);
    o.stop_loss_stop = TB_USD(95, 0);
    CHECK_INT(oms_order_validate(&o, NULL), 0);
    o.type = OMS_STOP;
    CHECK_INT(oms_order_validate(&o, NULL), -1); /* limit price on a stop order */
}

TEST(names_parse_back)
{
    for (int i = 0; i < OMS_ST_COUNT; i++) {
        oms_status s;
        CHECK_INT(oms_status_parse(oms_status_name((oms_status)i), &s, NULL), 0);
        CHECK_INT(s, i);
    }
    oms_tif t;
    CHECK_INT(oms_tif_parse("gtc", &t, NULL), 0);
    CHECK_INT(t, OMS_TIF_GTC);
    CHECK_INT(oms_tif_parse("fok", &t, NULL), -1);
}
