#include "tbtest.h"
#include "oms/position.h"

static oms_position P;
static oms_pos_change C;

static void fill(oms_side s, tb_qty q, tb_money px, int32_t day)
{
    tb_err e = {{0}};
    if (oms_pos_apply(&P, s, q, px, 0, day, &C, &e) != 0) TBT_FAIL("apply: %s", e.msg);
}

TEST(long_round_trip_realises_exact_pnl_and_leaves_zero_basis)
{
    oms_pos_init(&P, "AAPL");
    fill(OMS_BUY, 100, TB_USD(187, 230000), 20260105);
    fill(OMS_BUY, 50, TB_USD(187, 240000), 20260105);
    CHECK_INT(P.qty, 150);
    CHECK_INT(P.cost_basis, 100 * TB_USD(187, 230000) + 50 * TB_USD(187, 240000));
    CHECK_INT(P.avg_price, TB_USD(187, 233333));
    fill(OMS_SELL, 150, TB_USD(188, 0), 20260105);
    CHECK_INT(P.qty, 0);
    CHECK_INT(P.cost_basis, 0);
    CHECK_INT(P.avg_price, 0);
    CHECK_INT(P.realized_pnl,
              150 * TB_USD(188, 0) - 100 * TB_USD(187, 230000) - 50 * TB_USD(187, 240000));
}

TEST(partial_closes_lose_no_micro_dollar)
{
    /* Three buys whose average is not a whole micro, closed in uneven pieces. */
    oms_pos_init(&P, "X");
    fill(OMS_BUY, 1, TB_USD(10, 1), 1);
    fill(OMS_BUY, 1, TB_USD(10, 2), 1);
    fill(OMS_BUY, 1, TB_USD(10, 2), 1);
    tb_money cost = TB_USD(30, 5);
    tb_money proceeds = 0;
    tb_qty pieces[] = {1, 1, 1};
    tb_money px[] = {TB_USD(11, 0), TB_USD(9, 7), TB_USD(10, 3)};
    for (int i = 0; i < 3; i++) {
        fill(OMS_SELL, pieces[i], px[i], 1);
        proceeds += px[i];
    }
    CHECK_INT(P.cost_basis, 0);
    CHECK_INT(P.realized_pnl, proceeds - cost);
}

TEST(short_sale_and_cover_realises_pnl_with_sign)
{
    oms_pos_init(&P, "TSLA");
    fill(OMS_SELL, 10, TB_USD(250, 0), 1);
    CHECK_INT(P.qty, -10);
    CHECK_INT(P.cost_basis, 10 * TB_USD(250, 0));
    tb_money u = 0;
    CHECK_INT(oms_pos_unrealized(&P, TB_USD(240, 0), &u, NULL), 0);
    CHECK_INT(u, TB_USD(100, 0));
    fill(OMS_BUY, 10, TB_USD(245, 500000), 1);
    CHECK_INT(P.qty, 0);
    CHECK_INT(P.realized_pnl, TB_USD(45, 0));
}

TEST(fill_through_zero_flips_long_to_short_at_the_fill_price)
{
    oms_pos_init(&P, "MSFT");
    fill(OMS_BUY, 100, TB_USD(400, 0), 1);
    fill(OMS_SELL, 150, TB_USD(410, 0), 1);
    CHECK_INT(C.closed, 100);
    CHECK_INT(C.opened, 50);
    CHECK_INT(P.qty, -50);
    CHECK_INT(P.realized_pnl, TB_USD(1000, 0));
    CHECK_INT(P.cost_basis, 50 * TB_USD(410, 0));
    CHECK_INT(P.avg_price, TB_USD(410, 0));
    tb_money u = 0, mv = 0;
    CHECK_INT(oms_pos_unrealized(&P, TB_USD(400, 0), &u, NULL), 0);
    CHECK_INT(u, TB_USD(500, 0));
    CHECK_INT(oms_pos_market_value(&P, TB_USD(400, 0), &mv, NULL), 0);
    CHECK_INT(mv, -TB_USD(20000, 0));
}

TEST(closing_shares_opened_the_same_day_reports_closed_today)
{
    oms_pos_init(&P, "AAPL");
    fill(OMS_BUY, 100, TB_USD(10, 0), 20260105);
    fill(OMS_SELL, 40, TB_USD(10, 0), 20260105);
    CHECK_INT(C.closed_today, 40);
    CHECK_INT(P.opened_today, 60);
}

TEST(closing_yesterdays_shares_is_not_a_day_trade)
{
    oms_pos_init(&P, "AAPL");
    fill(OMS_BUY, 100, TB_USD(10, 0), 20260105);
    fill(OMS_SELL, 100, TB_USD(10, 0), 20260106);
    CHECK_INT(C.closed, 100);
    CHECK_INT(C.closed_today, 0);
}

TEST(held_overnight_plus_same_day_buy_closes_todays_shares_first)
{
    oms_pos_init(&P, "AAPL");
    fill(OMS_BUY, 100, TB_USD(10, 0), 20260105);
    fill(OMS_BUY, 50, TB_USD(11, 0), 20260106);
    fill(OMS_SELL, 80, TB_USD(12, 0), 20260106);
    CHECK_INT(C.closed_today, 50);
    CHECK_INT(P.opened_today, 0);
}

TEST(bad_fill_leaves_position_unchanged)
{
    oms_pos_init(&P, "AAPL");
    fill(OMS_BUY, 10, TB_USD(10, 0), 1);
    oms_position before = P;
    CHECK_INT(oms_pos_apply(&P, OMS_SELL, 0, TB_USD(10, 0), 0, 1, NULL, NULL), -1);
    CHECK_INT(oms_pos_apply(&P, OMS_BUY, INT64_MAX / 2, TB_USD(10, 0), 0, 1, NULL, NULL), -1);
    CHECK(memcmp(&before, &P, sizeof P) == 0);
}

TEST(daytrade_ledger_counts_within_the_callers_window_once_per_order)
{
    static oms_daytrades d;
    oms_daytrades_init(&d);
    oms_daytrade t = {.day = 20260105, .symbol = "AAPL", .client_id = "a"};
    CHECK_INT(oms_daytrades_record(&d, &t), 0);
    CHECK_INT(oms_daytrades_record(&d, &t), 1);
    strcpy(t.client_id, "b");
    t.day = 20260107;
    oms_daytrades_record(&d, &t);
    strcpy(t.client_id, "c");
    t.day = 20260112;
    oms_daytrades_record(&d, &t);
    CHECK_INT(oms_daytrades_count(&d, 20260105, 20260109), 2);
    CHECK_INT(oms_daytrades_count(&d, 20260106, 20260112), 2);
    CHECK_INT(oms_daytrades_count(&d, 20260101, 20261231), 3);
    CHECK_STR(oms_daytrades_get(&d, 0)->client_id, "c");
}
