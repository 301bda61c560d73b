/* Helpers shared by the order-manager tests. */
#ifndef TB_TEST_OMS_TESTUTIL_H
#define TB_TEST_OMS_TESTUTIL_H

#include "oms/oms.h"
#include "tbtest.h"

/* Applies an execution of q at px with id x to order id; the test fails when it is refused. */
/* An execution; oms_on_update's result (e filled on failure). */
static inline int oms_test_try_fill(oms *m, const char *id, const char *x, tb_qty q, tb_money px,
                                    tb_err *e)
{
    broker_update u = {.client_id = id,
                       .status = OMS_ST_PARTIALLY_FILLED,
                       .has_exec = 1,
                       .exec_id = x,
                       .exec_qty = q,
                       .exec_price = px,
                       .t_ns = 5};
    return oms_on_update(m, &u, e);
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
