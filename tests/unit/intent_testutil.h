/*
 * intent_testutil.h - order intents for tests and benches. Plain builders, no test harness
 * (bench/ includes it through risk_fixture.h, without tbtest.h).
 */
#ifndef TB_TEST_INTENT_TESTUTIL_H
#define TB_TEST_INTENT_TESTUTIL_H

#include "oms/oms.h"

/* A market day order of q sym from strategy, reason "test". */
static inline oms_intent oms_test_order(const char *strategy, const char *sym, oms_side side,
                                        tb_qty q)
{
    static const oms_intent market_day = {.type = OMS_MARKET, .tif = OMS_TIF_DAY, .reason = "test"};
    oms_intent in = market_day;
    in.strategy = strategy, in.symbol = sym, in.side = side, in.qty = q;
    return in;
}

/* A bracket buy of q sym from strategy "t" as client id `id`: the entry at the market (or a limit
 * at limit when not 0), a take-profit limit at tp and a stop loss at sl. */
static inline oms_intent oms_test_bracket(const char *id, const char *sym, tb_qty q, tb_money limit,
                                          tb_money tp, tb_money sl)
{
    oms_intent in = oms_test_order("t", sym, OMS_BUY, q);
    in.client_id = id, in.order_class = OMS_CLASS_BRACKET;
    if (limit) in.type = OMS_LIMIT, in.limit_price = limit;
    in.take_profit_limit = tp, in.stop_loss_stop = sl;
    return in;
}

#endif
