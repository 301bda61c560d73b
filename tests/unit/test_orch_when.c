/* When orchestrator steps fire: time specs, the session calendar, both DST change days. */
#include "orch/when.h"
#include "tbtest.h"

#define NS 1000000000LL

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return ((int64_t)tb_date_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60) * NS;
}

static int64_t fire(const char *spec, int y, int m, int d, int skip)
{
    tb_when w;
    tb_err e;
    if (tb_when_parse(spec, &w, &e) != 0) return -1;
    int64_t t = 0;
    return tb_when_fire(&w, NULL, tb_date_from_ymd(y, m, d), skip, &t) ? t : 0;
}

TEST(time_specs_parse_and_print_back)
{
    const char *ok[][2] = {
        {"22:30 UTC", "22:30 UTC"},
        {"08:00 et", "08:00 ET"},
        {"open", "open"},
        {"30 minutes before open", "30 minutes before open"},
        {"15 minutes after close", "15 minutes after close"},
        {" 2 hours after close ", "2 hours after close"},
        {"1 minute before close", "1 minute before close"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        tb_when w;
        tb_err e;
        CHECK_INT(tb_when_parse(ok[i][0], &w, &e), 0);
        char buf[64];
        CHECK_STR(tb_when_fmt(&w, buf, sizeof buf), ok[i][1]);
    }
}

TEST(bad_time_specs_say_what_is_accepted)
{
    const char *bad[] = {"25:00 UTC",
                         "22:30",
                         "22:30 PST",
                         "soon",
                         "30 minutes around open",
                         "30 parsecs before open",
                         "",
                         "13 hours before open"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tb_when w;
        tb_err e;
        CHECK_INT(tb_when_parse(bad[i], &w, &e), -1);
        CHECK_CONTAINS(e.msg, "expected \"HH:MM UTC\"");
    }
}

TEST(pre_market_step_follows_edt_on_the_spring_change)
{
    /* Friday 2026-03-06 is EST: 09:00 ET = 14:00Z; Monday 2026-03-09 is EDT: 13:00Z. */
    CHECK_INT(fire("30 minutes before open", 2026, 3, 6, 1), utc(2026, 3, 6, 14, 0));
    CHECK_INT(fire("30 minutes before open", 2026, 3, 9, 1), utc(2026, 3, 9, 13, 0));
    CHECK_INT(fire("15 minutes after close", 2026, 3, 6, 1), utc(2026, 3, 6, 21, 15));
    CHECK_INT(fire("15 minutes after close", 2026, 3, 9, 1), utc(2026, 3, 9, 20, 15));
    /* Sunday 2026-03-08, the change day itself: no session, so nothing session-relative. */
    CHECK_INT(fire("30 minutes before open", 2026, 3, 8, 1), 0);
    CHECK_INT(fire("30 minutes before open", 2026, 3, 8, 0), 0);
}

TEST(post_close_step_follows_est_on_the_autumn_change)
{
    /* Friday 2026-10-30 is EDT; Monday 2026-11-02 the first EST session. */
    CHECK_INT(fire("15 minutes after close", 2026, 10, 30, 1), utc(2026, 10, 30, 20, 15));
    CHECK_INT(fire("15 minutes after close", 2026, 11, 2, 1), utc(2026, 11, 2, 21, 15));
    CHECK_INT(fire("30 minutes before open", 2026, 11, 2, 1), utc(2026, 11, 2, 14, 0));
    CHECK_INT(fire("open", 2026, 11, 1, 1), 0);
}

TEST(utc_steps_keep_utc_across_dst_and_skip_closed_days_when_asked)
{
    CHECK_INT(fire("22:30 UTC", 2026, 3, 8, 0), utc(2026, 3, 8, 22, 30));
    CHECK_INT(fire("22:30 UTC", 2026, 3, 8, 1), 0);
    CHECK_INT(fire("22:30 UTC", 2026, 3, 9, 1), utc(2026, 3, 9, 22, 30));
    CHECK_INT(fire("22:30 UTC", 2026, 11, 1, 0), utc(2026, 11, 1, 22, 30));
    CHECK_INT(fire("22:30 UTC", 2026, 11, 2, 1), utc(2026, 11, 2, 22, 30));
}

TEST(et_clock_steps_move_with_dst)
{
    CHECK_INT(fire("08:00 ET", 2026, 3, 6, 1), utc(2026, 3, 6, 13, 0));
    CHECK_INT(fire("08:00 ET", 2026, 3, 9, 1), utc(2026, 3, 9, 12, 0));
    CHECK_INT(fire("08:00 ET", 2026, 11, 2, 1), utc(2026, 11, 2, 13, 0));
}

TEST(et_step_in_the_missing_spring_hour_fires_at_three_edt)
{
    /* 2027-03-14: 02:00 EST jumps to 03:00 EDT. 02:30 ET does not exist: 03:00 EDT (07:00Z),
     * never 01:30 EST (06:30Z), which is before the step's own wall time. */
    CHECK_INT(fire("02:30 ET", 2027, 3, 14, 0), utc(2027, 3, 14, 7, 0));
    CHECK_INT(fire("02:00 ET", 2027, 3, 14, 0), utc(2027, 3, 14, 7, 0));
    CHECK_INT(fire("02:59 ET", 2027, 3, 14, 0), utc(2027, 3, 14, 7, 0));
    /* Around the gap the wall time is kept: 01:59 EST, 03:00 and 03:30 EDT. */
    CHECK_INT(fire("01:59 ET", 2027, 3, 14, 0), utc(2027, 3, 14, 6, 59));
    CHECK_INT(fire("03:00 ET", 2027, 3, 14, 0), utc(2027, 3, 14, 7, 0));
    CHECK_INT(fire("03:30 ET", 2027, 3, 14, 0), utc(2027, 3, 14, 7, 30));
    /* The day before and after: plain EST and EDT. */
    CHECK_INT(fire("02:30 ET", 2027, 3, 13, 0), utc(2027, 3, 13, 7, 30));
    CHECK_INT(fire("02:30 ET", 2027, 3, 15, 0), utc(2027, 3, 15, 6, 30));
}

TEST(et_step_in_the_repeated_autumn_hour_fires_once_at_the_first_occurrence)
{
    /* 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:30 happens at 05:30Z and 06:30Z. */
    CHECK_INT(fire("01:30 ET", 2026, 11, 1, 0), utc(2026, 11, 1, 5, 30));
    CHECK_INT(fire("00:30 ET", 2026, 11, 1, 0), utc(2026, 11, 1, 4, 30));
    CHECK_INT(fire("02:30 ET", 2026, 11, 1, 0), utc(2026, 11, 1, 7, 30));
    CHECK_INT(fire("08:00 ET", 2026, 11, 1, 0), utc(2026, 11, 1, 13, 0));
    /* Each day has one instant for the step: consecutive days are a day (plus/minus the hour
     * the clock moved) apart, never two firings in one day. */
    int64_t a = fire("01:30 ET", 2026, 10, 31, 0), b = fire("01:30 ET", 2026, 11, 1, 0),
            c = fire("01:30 ET", 2026, 11, 2, 0);
    CHECK_INT(b - a, 86400 * NS);
    CHECK_INT(c - b, 86400 * NS + 3600 * NS);
}

TEST(early_close_and_holidays_follow_the_calendar)
{
    /* 2026-11-27, the day after Thanksgiving, closes 13:00 EST; Thanksgiving is closed. */
    CHECK_INT(fire("15 minutes after close", 2026, 11, 27, 1), utc(2026, 11, 27, 18, 15));
    CHECK_INT(fire("15 minutes after close", 2026, 11, 26, 1), 0);
    CHECK_INT(fire("22:30 UTC", 2026, 11, 26, 1), 0);
}
