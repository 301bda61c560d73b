/* Helpers shared by the order-manager tests. */
#ifndef TB_TEST_OMS_TESTUTIL_H
#define TB_TEST_OMS_TESTUTIL_H

#include "intent_testutil.h"
#include "oms/oms.h"
#include "tbtest.h"

/* The broker's report of an execution x of q shares of order id at px. */
static inline broker_update oms_test_exec(const char *id, const char *x, tb_qty q, tb_money px)
{
    return (broker_update){.client_id = id,
                           .status = OMS_ST_PARTIALLY_FILLED,
                           .has_exec = 1,
                           .exec_id = x,
                           .exec_qty = q,
                           .exec_price = px,
                           .t_ns = 5};
}

/* An execution; oms_on_update's result (e filled on failure). */
static inline int oms_test_try_fill(oms *m, const char *id, const char *x, tb_qty q, tb_money px,
                                    tb_err *e)
{
    broker_update u = oms_test_exec(id, x, q, px);
    return oms_on_update(m, &u, e);
}

/* Submits in; the order, or NULL with the test failed (a duplicate fails too). */
static inline const oms_order *oms_test_submit(oms *m, const oms_intent *in)
{
    const oms_order *o = NULL;
    tb_err e = {{0}};
    if (oms_submit(m, in, &o, &e) != 0)
        TBT_FAIL("submit %s: %s", in->client_id ? in->client_id : in->symbol, e.msg);
    return o;
}

/* Replaces order cid's limit price with limit; the new order (its client id copied into ncid, ""
 * when there is none), or NULL with the test failed. */
static inline const oms_order *oms_test_replace_limit(oms *m, const char *cid, tb_money limit,
                                                      char ncid[OMS_CLIENT_ID_MAX + 1])
{
    const oms_order *n = NULL;
    oms_changes c = {.limit_price = limit};
    tb_err e = {{0}};
    if (oms_replace(m, cid, &c, &n, &e) != 0) TBT_FAIL("replace %s: %s", cid, e.msg);
    snprintf(ncid, OMS_CLIENT_ID_MAX + 1, "%s", n ? n->client_id : "");
    return n;
}

/* Another market buy of q AAPL by strategy "t" (the broker rigs' strategy and symbol), as the
 * strategy would send it while its last order's outcome is unknown: oms_submit's result. */
static inline int oms_test_buy_again(oms *m, tb_qty q, tb_err *e)
{
    oms_intent again = oms_test_order("t", "AAPL", OMS_BUY, q);
    again.reason = "again";
    return oms_submit(m, &again, NULL, e);
}

/* A market day order of q sym from strategy "rsi", reason "rsi oversold". */
static inline oms_intent oms_test_intent(const char *sym, oms_side side, tb_qty q)
{
    oms_intent in = oms_test_order("rsi", sym, side, q);
    in.reason = "rsi oversold";
    return in;
}

static inline void oms_test_fill(oms *m, const char *id, const char *x, tb_qty q, tb_money px)
{
    tb_err e = {{0}};
    if (oms_test_try_fill(m, id, x, q, px, &e) != 0) TBT_FAIL("fill: %s", e.msg);
}

/* A small order manager (session 2026-11-30) holding qty of sym, as restored from its journal. */
static inline oms *oms_test_with_position(const char *sym, tb_qty qty)
{
    oms_config c = {.max_orders = 16, .max_symbols = 8, .max_execs = 64, .session_day = 20261130};
    oms *m = oms_new(&c, NULL);
    oms_position p;
    oms_pos_init(&p, sym);
    p.qty = qty;
    oms_restore_position(m, &p, NULL);
    return m;
}

#endif
