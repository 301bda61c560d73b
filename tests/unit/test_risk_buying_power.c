#include "tbtest.h"
#include "risk_fixture.h"

TEST(buying_power_passes_an_entry_it_covers)
{
    fx f;
    fx_init_default(&f);
    fx_account(&f, 100000, 20000);
    CHECK_STR(fx_verdict_for(&f, "AAA", OMS_BUY, 200), "pass");
    fx_free(&f);
}

TEST(buying_power_reserves_our_working_orders)
{
    fx f;
    fx_init_default(&f);
    fx_account(&f, 100000, 20000);
    oms_intent a = fx_intent("AAA", OMS_BUY, 150);
    CHECK(fx_submit(&f, &a) != NULL); /* $15,000 working */
    CHECK_STR(fx_blocked_by_for(&f, "BBB", OMS_BUY, 150), "buying_power");
    CHECK_STR(f.why, "insufficient buying power: order $7500.00, available $5000.00 ($15000.00 "
                     "held by open orders)");
    fx_free(&f);
}

TEST(buying_power_never_blocks_an_exit)
{
    fx f;
    fx_init_default(&f);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 100), 0);
    fx_account(&f, 100000, 0);
    CHECK_STR(fx_verdict_for(&f, "AAA", OMS_SELL, 100), "pass");
    fx_free(&f);
}
