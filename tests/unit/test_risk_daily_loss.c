#include "tbtest.h"
#include "risk_fixture.h"

TEST(daily_loss_passes_while_above_the_limit)
{
    fx f;
    fx_init_default(&f);
    tb_risk_tick(f.r, &f.cx); /* the session's starting equity: 100,000 */
    fx_account(&f, 95001, 190000);
    CHECK_STR(fx_verdict_for(&f, "AAA", OMS_BUY, 10), "pass");
    fx_free(&f);
}

TEST(daily_loss_halts_entries_cancels_and_closes_until_next_session)
{
    fx f;
    fx_init_default(&f);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    oms_intent w = fx_intent("BBB", OMS_BUY, 10);
    CHECK(fx_submit(&f, &w) != NULL);
    fx_account(&f, 95000, 190000); /* -5,000: the limit */
    tb_risk_tick(f.r, &f.cx);
    const oms_order *open[8];
    int n = oms_open_orders_all(f.m, open, 8);
    CHECK_INT(n, 1); /* BBB cancelled; a market sell closing AAA is working */
    CHECK_STR(open[0]->symbol, "AAA");
    CHECK_INT(open[0]->side, OMS_SELL);
    CHECK_STR(open[0]->reason, "daily loss limit: close");
    oms_intent in = fx_intent("CCC", OMS_BUY, 10);
    CHECK_STR(fx_blocked_by(&f, &in), "daily_loss");
    CHECK_STR(f.why, "daily loss limit 5000.00 reached: entries halted until the next session");
    fx_at(&f, 20260108, 10, 0);
    CHECK_STR(fx_verdict(&f, &in), "pass");
    fx_free(&f);
}
