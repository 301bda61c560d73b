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

#endif
