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

/* Which shares a sell closes: the day's own first (a day trade), then those held overnight. */
static const struct {
    const char *what;
    struct {
        oms_side side;
        tb_qty qty;
        tb_money px;
        int32_t day;
    } fills[3];
    tb_qty closed, closed_today, opened_today; /* after the last fill */
} day_cases[] = {
    {.what = "closing shares opened the same day reports closed today",
     .fills = {{OMS_BUY, 100, TB_USD(10, 0), 20260105}, {OMS_SELL, 40, TB_USD(10, 0), 20260105}},
     .closed = 40,
     .closed_today = 40,
     .opened_today = 60},
    {.what = "closing yesterday's shares is not a day trade",
     .fills = {{OMS_BUY, 100, TB_USD(10, 0), 20260105}, {OMS_SELL, 100, TB_USD(10, 0), 20260106}},
     .closed = 100,
     .closed_today = 0,
     .opened_today = 0},
    {.what = "held overnight plus a same-day buy closes today's shares first",
     .fills = {{OMS_BUY, 100, TB_USD(10, 0), 20260105},
               {OMS_BUY, 50, TB_USD(11, 0), 20260106},
               {OMS_SELL, 80, TB_USD(12, 0), 20260106}},
     .closed = 80,
     .closed_today = 50,
     .opened_today = 0},
};

TEST(a_close_counts_the_days_own_shares_first_and_yesterdays_are_not_day_trades)
{
    for (size_t i = 0; i < sizeof day_cases / sizeof day_cases[0]; i++) {
        oms_pos_init(&P, "AAPL");
        for (int k = 0; k < 3 && day_cases[i].fills[k].qty; k++)
            fill(day_cases[i].fills[k].side, day_cases[i].fills[k].qty, day_cases[i].fills[k].px,
                 day_cases[i].fills[k].day);
        if (C.closed != day_cases[i].closed || C.closed_today != day_cases[i].closed_today ||
            P.opened_today != day_cases[i].opened_today)
            TBT_FAIL("%s: closed %lld, closed today %lld, opened today %lld; expected %lld, %lld, "
                     "%lld",
                     day_cases[i].what, (long long)C.closed, (long long)C.closed_today,
                     (long long)P.opened_today, (long long)day_cases[i].closed,
                     (long long)day_cases[i].closed_today, (long long)day_cases[i].opened_today);
    }
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
