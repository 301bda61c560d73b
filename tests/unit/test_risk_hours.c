#include "tbtest.h"
#include "risk_fixture.h"

TEST(hours_pass_in_the_regular_session)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    fx_init(&f, &c);
    oms_intent in = fx_intent("AAA", OMS_BUY, 10);
    fx_at(&f, 20260107, 9, 30);
    CHECK_INT(fx_gate(&f, &in), 0);
    fx_at(&f, 20260107, 15, 59);
    CHECK_INT(fx_gate(&f, &in), 0);
    fx_free(&f);
}

TEST(hours_block_pre_market_by_default)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    fx_init(&f, &c);
    oms_intent in = fx_intent("AAA", OMS_BUY, 10);
    fx_at(&f, 20260107, 8, 0);
    CHECK_INT(fx_gate(&f, &in), 1);
    CHECK_STR(f.gate, "hours");
    CHECK_STR(f.why, "outside the regular session (extended hours are off)");
    fx_at(&f, 20260107, 16, 0); /* the close itself is outside [open, close) */
    CHECK_INT(fx_gate(&f, &in), 1);
    fx_free(&f);
}

TEST(hours_extended_take_limit_orders_only)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.extended_hours = 1;
    fx_init(&f, &c);
    fx_at(&f, 20260107, 17, 0);
    oms_intent mkt = fx_intent("AAA", OMS_BUY, 10);
    CHECK_INT(fx_gate(&f, &mkt), 1);
    CHECK_STR(f.why, "extended hours take limit orders only");
    oms_intent lim = mkt;
    lim.type = OMS_LIMIT;
    lim.limit_price = 100 * 1000000LL;
    CHECK_INT(fx_gate(&f, &lim), 0);
    fx_free(&f);
}

TEST(hours_block_everything_when_the_market_is_closed)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.extended_hours = 1;
    fx_init(&f, &c);
    oms_intent lim = fx_intent("AAA", OMS_SELL, 10);
    lim.type = OMS_LIMIT;
    lim.limit_price = 100 * 1000000LL;
    fx_at(&f, 20260107, 21, 0);
    CHECK_INT(fx_gate(&f, &lim), 1);
    CHECK_STR(f.why, "market closed");
    fx_at(&f, 20260110, 11, 0); /* a Saturday */
    CHECK_INT(fx_gate(&f, &lim), 1);
    CHECK_STR(f.why, "market closed");
    fx_free(&f);
}
