/* The stream watchdogs' decisions: market hours, thresholds, the bound on polls, and when the
 * order stream is reconnected (core/net/watchdog.h). */
#include "net/watchdog.h"
#include "tbtest.h"

#define S(x) ((int64_t)(x)*1000000000LL)

static tb_cal cal;

/* Monday 2026-11-30 at hh:mm ET. */
static int64_t at(int hh, int mm)
{
    return tb_cal_local_to_ns(tb_date_from_ymd(2026, 11, 30), hh * 3600 + mm * 60);
}

TEST(silent_data_stream_during_market_hours_is_reconnected)
{
    tb_cal_init(&cal);
    double s;
    CHECK_INT(tb_wd_stream(&cal, at(11, 0), 1, at(10, 56), S(180), &s), TB_WD_SILENT);
    CHECK_NEAR(s, 240, 1e-9);
    CHECK_INT(tb_wd_stream(&cal, at(11, 0), 1, at(10, 58), S(180), &s), TB_WD_OK);
    CHECK_NEAR(s, 120, 1e-9);
}

TEST(silence_exactly_at_the_threshold_counts_as_stale)
{
    tb_cal_init(&cal);
    CHECK_INT(tb_wd_stream(&cal, at(11, 3), 1, at(11, 0), S(180), NULL), TB_WD_SILENT);
    CHECK_INT(tb_wd_stream(&cal, at(11, 3) - 1, 1, at(11, 0), S(180), NULL), TB_WD_OK);
}

TEST(closed_market_is_never_acted_on)
{
    tb_cal_init(&cal);
    double s = -1;
    /* Before the open, after the close, a weekend, Thanksgiving 2026-11-26. */
    CHECK_INT(tb_wd_stream(&cal, at(9, 0), 1, 0, S(180), &s), TB_WD_CLOSED);
    CHECK_NEAR(s, 0, 1e-9);
    CHECK_INT(tb_wd_stream(&cal, at(16, 30), 1, at(15, 0), S(180), NULL), TB_WD_CLOSED);
    int64_t sat = tb_cal_local_to_ns(tb_date_from_ymd(2026, 11, 28), 12 * 3600);
    CHECK_INT(tb_wd_stream(&cal, sat, 1, 0, S(180), NULL), TB_WD_CLOSED);
    int64_t thanksgiving = tb_cal_local_to_ns(tb_date_from_ymd(2026, 11, 26), 12 * 3600);
    CHECK_INT(tb_wd_stream(&cal, thanksgiving, 1, 0, S(180), NULL), TB_WD_CLOSED);
}

TEST(early_close_day_ends_the_watch_at_13_00)
{
    tb_cal_init(&cal);
    int64_t fri = tb_cal_local_to_ns(tb_date_from_ymd(2026, 11, 27), 13 * 3600 + 30 * 60);
    int64_t noon = tb_cal_local_to_ns(tb_date_from_ymd(2026, 11, 27), 12 * 3600);
    CHECK_INT(tb_wd_stream(&cal, fri, 1, noon, S(180), NULL), TB_WD_CLOSED);
    CHECK_INT(tb_wd_stream(&cal, noon + S(600), 1, noon, S(180), NULL), TB_WD_SILENT);
}

TEST(overnight_quiet_does_not_count_silence_starts_at_the_open)
{
    tb_cal_init(&cal);
    int64_t yesterday = at(15, 59) - S(86400 * 3); /* Friday's last bar */
    double s;
    CHECK_INT(tb_wd_stream(&cal, at(9, 32), 1, yesterday, S(180), &s), TB_WD_OK);
    CHECK_NEAR(s, 120, 1e-9);
    CHECK_INT(tb_wd_stream(&cal, at(9, 33), 1, yesterday, S(180), NULL), TB_WD_SILENT);
}

TEST(disconnected_stream_is_left_to_its_own_reconnects_and_zero_disables)
{
    tb_cal_init(&cal);
    CHECK_INT(tb_wd_stream(&cal, at(11, 0), 0, at(10, 0), S(180), NULL), TB_WD_DOWN);
    CHECK_INT(tb_wd_stream(&cal, at(11, 0), 1, at(10, 0), 0, NULL), TB_WD_OFF);
    CHECK_STR(tb_wd_verdict_name(TB_WD_SILENT), "silent");
}

TEST(order_is_due_for_a_poll_after_the_threshold_only)
{
    CHECK_INT(tb_wd_order_due(S(100), S(70), S(30)), 1);
    CHECK_INT(tb_wd_order_due(S(100), S(71), S(30)), 0);
    CHECK_INT(tb_wd_order_due(S(100), 0, 0), 0); /* 0: off */
}

TEST(polls_are_bounded_per_tick_and_the_oldest_go_first)
{
    int64_t heard[] = {S(50), S(95), S(10), S(60), S(30), S(20)};
    int out[3];
    int n = tb_wd_orders_pick(heard, 6, S(100), S(30), 3, out);
    CHECK_INT(n, 3);
    CHECK_INT(out[0], 2);
    CHECK_INT(out[1], 5);
    CHECK_INT(out[2], 4);
    CHECK_INT(tb_wd_orders_pick(heard, 6, S(100), S(30), 10, (int[10]){0}), 5);
    CHECK_INT(tb_wd_orders_pick(heard, 6, S(30), S(30), 3, out), 0);
}

TEST(order_stream_is_reconnected_only_on_evidence_and_one_at_a_time)
{
    /* Nothing missed: a quiet stream over resting orders is normal. */
    CHECK_INT(tb_wd_order_stream_reconnect(S(1000), S(0), 0, 0, S(30), S(90)), 0);
    /* A poll learned a fill, the stream silent for 40 s: reconnect. */
    CHECK_INT(tb_wd_order_stream_reconnect(S(1000), S(960), 0, 1, S(30), S(90)), 1);
    /* The stream spoke 10 s ago: not yet. */
    CHECK_INT(tb_wd_order_stream_reconnect(S(1000), S(990), 0, 1, S(30), S(90)), 0);
    /* Forced 60 s ago: the old socket may still be half alive; wait. */
    CHECK_INT(tb_wd_order_stream_reconnect(S(1000), S(900), S(940), 2, S(30), S(90)), 0);
    CHECK_INT(tb_wd_order_stream_reconnect(S(1000), S(900), S(910), 2, S(30), S(90)), 1);
}
