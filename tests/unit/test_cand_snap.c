/*
 * test_cand_snap: the candidate screen's prices from a Polygon snapshot: day.o once the session
 * is open, min.c before it, the last trade when neither exists, always against prevDay.c; a
 * snapshot without a price or a previous day changes nothing; a mover without history is
 * screened from its previous day alone.
 */
#include "tbtest.h"

#include "cand/snapshot.h"

#include <string.h>

static pg_snap snap(double day_o, double min_c, double trade, double prev_c)
{
    pg_snap s;
    memset(&s, 0, sizeof s);
    snprintf(s.ticker, sizeof s.ticker, "XYZ");
    if (day_o > 0) s.day = (pg_snap_bar){1, day_o, day_o + 1, day_o - 1, day_o, 1000, day_o};
    if (min_c > 0) s.min = (pg_snap_bar){1, min_c, min_c, min_c, min_c, 10, min_c};
    if (trade > 0) s.has_trade = 1, s.trade_p = trade;
    if (prev_c > 0) s.prev_day = (pg_snap_bar){1, 95, 104, 94, prev_c, 2e6, 99};
    return s;
}

TEST(price_is_day_open_once_open_else_minute_close_else_last_trade)
{
    const char *w;
    pg_snap s = snap(105, 106, 107, 100);
    CHECK_NEAR(tb_cand_snap_price(&s, 1, &w), 105, 0);
    CHECK_STR(w, "day.o");
    /* before the open the day may already hold pre-market trades: the latest minute wins */
    CHECK_NEAR(tb_cand_snap_price(&s, 0, &w), 106, 0);
    CHECK_STR(w, "min.c");
    s = snap(0, 0, 107, 100);
    CHECK_NEAR(tb_cand_snap_price(&s, 1, &w), 107, 0);
    CHECK_STR(w, "lastTrade.p");
    s = snap(0, 0, 0, 100);
    CHECK_NEAR(tb_cand_snap_price(&s, 0, &w), 0, 0);
    CHECK(w == NULL);
}

TEST(gap_is_against_prev_day_close_and_history_features_are_kept)
{
    tb_cand c = {.price = 50,
                 .prev_close = 49,
                 .gap_pct = 2,
                 .rel_volume = 3.5,
                 .atr_pct = 4,
                 .dollar_volume = 9e6,
                 .sessions = 10};
    pg_snap s = snap(0, 104, 0, 100);
    CHECK_INT(tb_cand_apply_snap(&c, &s, 0), 0);
    CHECK_NEAR(c.price, 104, 0);
    CHECK_NEAR(c.prev_close, 100, 0);
    CHECK_NEAR(c.gap_pct, 4, 1e-12);
    CHECK_NEAR(c.rel_volume, 3.5, 0);
    CHECK_NEAR(c.atr_pct, 4, 0);
    CHECK_INT(c.sessions, 10);
}

TEST(a_snapshot_without_price_or_previous_day_changes_nothing)
{
    tb_cand c = {.price = 50, .prev_close = 49, .gap_pct = 2};
    pg_snap s = snap(0, 0, 0, 100);
    CHECK_INT(tb_cand_apply_snap(&c, &s, 1), -1);
    s = snap(105, 0, 0, 0);
    CHECK_INT(tb_cand_apply_snap(&c, &s, 1), -1);
    CHECK_NEAR(c.price, 50, 0);
    CHECK_NEAR(c.gap_pct, 2, 0);
}

TEST(a_mover_without_history_is_screened_from_its_previous_day)
{
    tb_cand c;
    pg_snap s = snap(110, 0, 0, 100);
    CHECK_INT(tb_cand_from_snap(&c, &s, 1), 0);
    CHECK_STR(c.symbol, "XYZ");
    CHECK_NEAR(c.gap_pct, 10, 1e-9);
    CHECK_INT(c.sessions, 1);
    CHECK_NEAR(c.atr_pct, 10, 1e-9); /* (104 - 94) / 100 */
    CHECK_NEAR(c.dollar_volume, 2e8, 1e-3);
    CHECK_NEAR(c.rel_volume, 1, 0);
    s = snap(0, 0, 0, 100);
    CHECK_INT(tb_cand_from_snap(&c, &s, 1), -1);
}
