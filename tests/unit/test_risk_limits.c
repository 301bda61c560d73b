#include "tbtest.h"
#include "risk_fixture.h"

TEST(limits_pass_an_ordinary_entry)
{
    fx f;
    fx_init_default(&f);
    CHECK_STR(fx_verdict_for(&f, "AAA", OMS_BUY, 100), "pass");
    fx_free(&f);
}

TEST(limits_block_a_fat_finger_limit_price)
{
    fx f;
    fx_init_default(&f);
    oms_intent in = fx_limit_intent("AAA", OMS_BUY, 10, 1000);
    CHECK_STR(fx_blocked_by(&f, &in), "limits");
    CHECK_STR(f.why, "price $1000.00 is 900.0% from the last trade $100.00 (band 10%)");
    in.limit_price = 105 * 1000000LL;
    CHECK_STR(fx_verdict(&f, &in), "pass");
    fx_free(&f);
}

TEST(limits_block_per_symbol_notional_and_shares)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.limits.max_position_shares = 300;
    fx_init(&f, &c);
    oms_intent in = fx_intent("AAA", OMS_BUY, 501); /* $50,100 > $50,000 */
    CHECK_STR(fx_verdict(&f, &in), "position would be 501 shares of AAA (limit 300)");
    c.limits.max_position_shares = 0;
    tb_risk_configure(f.r, &c);
    CHECK_STR(fx_verdict(&f, &in), "position would be $50100.00 of AAA (limit $50000.00)");
    fx_free(&f);
}

TEST(limits_count_working_orders_in_the_position)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.limits.max_position_shares = 300;
    fx_init(&f, &c);
    oms_intent a = fx_intent("AAA", OMS_BUY, 200);
    CHECK(fx_submit(&f, &a) != NULL); /* working, not filled */
    CHECK_STR(fx_verdict(&f, &a), "position would be 400 shares of AAA (limit 300)");
    fx_free(&f);
}

TEST(limits_block_too_many_open_positions_and_total_notional)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.limits.max_open_positions = 2;
    fx_init(&f, &c);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "BBB", OMS_BUY, 10), 0);
    oms_intent in = fx_intent("CCC", OMS_BUY, 10);
    CHECK_STR(fx_verdict(&f, &in), "2 positions open (limit 2)");
    c.limits.max_open_positions = 0;
    c.limits.max_total_notional = 1600 * 1000000LL;
    tb_risk_configure(f.r, &c);
    CHECK_STR(fx_verdict(&f, &in),
              "total exposure would be $1700.00 (limit $1600.00)"); /* 1000 + 500 + 200 */
    fx_free(&f);
}

TEST(limits_block_orders_beyond_the_rate_per_minute)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.limits.max_orders_per_minute = 3;
    fx_init(&f, &c);
    oms_intent in = fx_intent("AAA", OMS_BUY, 1);
    for (int i = 0; i < 3; i++) CHECK_STR(fx_verdict(&f, &in), "pass");
    CHECK_STR(fx_verdict(&f, &in), "3 orders in the last minute (limit 3)");
    fx_at(&f, 20260107, 10, 1);
    CHECK_STR(fx_verdict(&f, &in), "pass");
    fx_free(&f);
}

/* Issue 17: 10,000 orders in one bar passed the limits because exits skipped them. Every order
 * counts against the rate, exits included, and an "exit" beyond the position is not an exit. */
TEST(limits_count_exits_against_the_rate)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.limits.max_orders_per_minute = 5;
    fx_init(&f, &c);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 400), 0);
    int admitted = 0;
    for (int i = 0; i < 10000; i++) {
        oms_intent out = fx_intent("AAA", OMS_SELL, 1);
        if (fx_submit(&f, &out)) admitted++;
    }
    CHECK_INT(admitted, 4); /* 5 a minute, the buy included */
    CHECK_STR(f.why, "5 orders in the last minute (limit 5)");
    fx_free(&f);
}

TEST(limits_block_cheap_and_illiquid_entries_but_not_exits)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    fx_init(&f, &c);
    fx_set_price(&f, "PNY", 0.5);
    oms_intent in = fx_intent("PNY", OMS_BUY, 100);
    CHECK_STR(fx_verdict(&f, &in), "price $0.5000 below the minimum $1.00");
    c.limits.min_price = 0;
    c.limits.min_volume = 1e6;
    tb_risk_configure(f.r, &c);
    CHECK_STR(fx_verdict(&f, &in), "last bar volume 100000 below the minimum 1000000");
    c.limits.min_volume = 0;
    tb_risk_configure(f.r, &c);
    CHECK_INT(fx_trade(&f, "PNY", OMS_BUY, 100), 0);
    c.limits.min_price = 1000000;
    c.limits.max_orders_per_minute = 1;
    tb_risk_configure(f.r, &c);
    oms_intent out = fx_intent("PNY", OMS_SELL, 100);
    c.limits.max_orders_per_minute = 0; /* the exit passes the price and volume limits */
    tb_risk_configure(f.r, &c);
    CHECK_STR(fx_verdict(&f, &out), "pass");
    fx_free(&f);
}
