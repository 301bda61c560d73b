#include "data/calendar.h"
#include "tbtest.h"

#define NS 1000000000LL

static tb_date D(int y, int m, int d)
{
    return tb_date_from_ymd(y, m, d);
}

/* ns of a UTC wall time, computed independently of the calendar code. */
static int64_t utc(int y, int m, int d, int hh, int mm)
{
    return ((int64_t)D(y, m, d) * 86400 + hh * 3600 + mm * 60) * NS;
}

TEST(date_roundtrip_and_weekday)
{
    CHECK_INT(D(1970, 1, 1), 0);
    CHECK_INT(tb_date_weekday(D(2026, 11, 27)), 5); /* Friday */
    CHECK_INT(tb_date_weekday(D(2024, 2, 29)), 4);
    for (tb_date x = D(1999, 12, 1); x < D(2031, 1, 1); x++) {
        int y, m, d;
        tb_date_to_ymd(x, &y, &m, &d);
        if (D(y, m, d) != x) {
            TBT_FAIL("roundtrip of %d", x);
            break;
        }
    }
    tb_date p;
    tb_err e;
    CHECK_INT(tb_date_parse("2026-03-08", &p, &e), 0);
    CHECK_INT(p, D(2026, 3, 8));
    CHECK_INT(tb_date_parse("20261101", &p, &e), 0);
    CHECK_INT(p, D(2026, 11, 1));
    CHECK_INT(tb_date_parse("2026-02-29", &p, &e), -1);
    CHECK_INT(tb_date_parse("2026-3-8", &p, &e), -1);
}

TEST(open_is_1330_utc_in_summer_and_1430_in_winter)
{
    tb_session s;
    CHECK(tb_cal_session(NULL, D(2026, 7, 15), &s));
    CHECK_INT(s.open_ns, utc(2026, 7, 15, 13, 30));
    CHECK_INT(s.close_ns, utc(2026, 7, 15, 20, 0));
    CHECK(tb_cal_session(NULL, D(2026, 1, 15), &s));
    CHECK_INT(s.open_ns, utc(2026, 1, 15, 14, 30));
    CHECK_INT(s.close_ns, utc(2026, 1, 15, 21, 0));
    CHECK_INT(s.pre_open_ns, utc(2026, 1, 15, 9, 0));
    CHECK_INT(s.post_close_ns, utc(2026, 1, 16, 1, 0));
}

/* The session's open on day d, or -1 when the market is closed that day. */
static int64_t open_of(tb_date d)
{
    tb_session s;
    return tb_cal_session(NULL, d, &s) ? s.open_ns : -1;
}

/* New York's wall time at t, in seconds since its midnight. */
static int local_sod(int64_t t)
{
    int sod;
    tb_cal_local_time(t, NULL, &sod);
    return sod;
}

TEST(dst_starts_2026_03_08_at_0200_local)
{
    /* Friday before: EST; Monday after: EDT. */
    CHECK_INT(open_of(D(2026, 3, 6)), utc(2026, 3, 6, 14, 30));
    CHECK_INT(open_of(D(2026, 3, 9)), utc(2026, 3, 9, 13, 30));
    /* 06:59 UTC is 01:59 EST; 07:00 UTC is 03:00 EDT. */
    CHECK_INT(tb_cal_utc_offset(utc(2026, 3, 8, 6, 59)), -5 * 3600);
    CHECK_INT(tb_cal_utc_offset(utc(2026, 3, 8, 7, 0)), -4 * 3600);
    CHECK_INT(local_sod(utc(2026, 3, 8, 7, 0)), 3 * 3600);
    CHECK_INT(tb_cal_utc_offset(utc(2026, 3, 8, 4, 0)), -5 * 3600);
}

TEST(dst_ends_2026_11_01_at_0200_local)
{
    CHECK_INT(open_of(D(2026, 10, 30)), utc(2026, 10, 30, 13, 30));
    CHECK_INT(open_of(D(2026, 11, 2)), utc(2026, 11, 2, 14, 30));
    /* 05:59 UTC is 01:59 EDT; 06:00 UTC is 01:00 EST (the hour repeats). */
    CHECK_INT(tb_cal_utc_offset(utc(2026, 11, 1, 5, 59)), -4 * 3600);
    CHECK_INT(tb_cal_utc_offset(utc(2026, 11, 1, 6, 0)), -5 * 3600);
    CHECK_INT(open_of(D(2026, 11, 1)), -1); /* a Sunday */
    /* 22:30 UTC is 17:30 EST / 18:30 EDT. */
    CHECK_INT(local_sod(utc(2026, 12, 1, 22, 30)), 17 * 3600 + 1800);
    CHECK_INT(local_sod(utc(2026, 6, 1, 22, 30)), 18 * 3600 + 1800);
}

TEST(dst_rules_before_2007_used_april_and_october)
{
    CHECK_INT(tb_cal_utc_offset(utc(2006, 3, 20, 12, 0)), -5 * 3600);
    CHECK_INT(tb_cal_utc_offset(utc(2006, 4, 3, 12, 0)), -4 * 3600);
    CHECK_INT(tb_cal_utc_offset(utc(2006, 10, 30, 12, 0)), -5 * 3600);
}

/* NYSE's published holiday lists (nyse.com/markets/hours-calendars). */
static const int holidays[][3] = {
    {2024, 1, 1},  {2024, 1, 15}, {2024, 2, 19},  {2024, 3, 29},  {2024, 5, 27},  {2024, 6, 19},
    {2024, 7, 4},  {2024, 9, 2},  {2024, 11, 28}, {2024, 12, 25}, /**/
    {2025, 1, 1},  {2025, 1, 9},  {2025, 1, 20},  {2025, 2, 17},  {2025, 4, 18},  {2025, 5, 26},
    {2025, 6, 19}, {2025, 7, 4},  {2025, 9, 1},   {2025, 11, 27}, {2025, 12, 25}, /**/
    {2026, 1, 1},  {2026, 1, 19}, {2026, 2, 16},  {2026, 4, 3},   {2026, 5, 25},  {2026, 6, 19},
    {2026, 7, 3},  {2026, 9, 7},  {2026, 11, 26}, {2026, 12, 25}, /**/
    {2027, 1, 1},  {2027, 1, 18}, {2027, 2, 15},  {2027, 3, 26},  {2027, 5, 31},  {2027, 6, 18},
    {2027, 7, 5},  {2027, 9, 6},  {2027, 11, 25}, {2027, 12, 24},
};

static const int early_closes[][3] = {
    {2024, 7, 3},   {2024, 11, 29}, {2024, 12, 24}, {2025, 7, 3},   {2025, 11, 28},
    {2025, 12, 24}, {2026, 11, 27}, {2026, 12, 24}, {2027, 11, 26},
};

static int listed(const int (*list)[3], size_t n, tb_date d)
{
    for (size_t i = 0; i < n; i++)
        if (D(list[i][0], list[i][1], list[i][2]) == d) return 1;
    return 0;
}

TEST(holidays_2024_to_2027_match_nyse_lists)
{
    size_t nh = sizeof holidays / sizeof holidays[0];
    size_t ne = sizeof early_closes / sizeof early_closes[0];
    int closed_weekdays = 0;
    for (tb_date d = D(2024, 1, 1); d <= D(2027, 12, 31); d++) {
        tb_session s;
        int trading = tb_cal_session(NULL, d, &s);
        int wd = tb_date_weekday(d);
        char buf[16];
        if (wd == 0 || wd == 6) {
            if (trading) TBT_FAIL("%s is a weekend but trades", tb_date_fmt(d, buf, 16));
            continue;
        }
        int want_closed = listed(holidays, nh, d);
        if (trading == want_closed)
            TBT_FAIL("%s: trading=%d, NYSE list says closed=%d", tb_date_fmt(d, buf, 16), trading,
                     want_closed);
        closed_weekdays += !trading;
        if (trading && s.early_close != listed(early_closes, ne, d))
            TBT_FAIL("%s: early_close=%d", tb_date_fmt(d, buf, 16), s.early_close);
    }
    CHECK_INT(closed_weekdays, (int)nh);
}

TEST(day_after_thanksgiving_2026_closes_at_1300)
{
    tb_session s;
    CHECK(tb_cal_session(NULL, D(2026, 11, 27), &s));
    CHECK(s.early_close);
    CHECK_INT(s.close_ns, utc(2026, 11, 27, 18, 0)); /* 13:00 EST */
    CHECK_INT(s.post_close_ns, utc(2026, 11, 27, 22, 0));
    CHECK(tb_cal_is_open(NULL, utc(2026, 11, 27, 17, 59), 0));
    CHECK(!tb_cal_is_open(NULL, utc(2026, 11, 27, 18, 0), 0));
    CHECK(tb_cal_is_open(NULL, utc(2026, 11, 27, 18, 0), 1));
}

TEST(good_friday_follows_easter)
{
    CHECK_STR(tb_cal_holiday(NULL, D(2026, 4, 3)), "Good Friday");
    CHECK_STR(tb_cal_holiday(NULL, D(2019, 4, 19)), "Good Friday");
    CHECK_STR(tb_cal_holiday(NULL, D(2030, 4, 19)), "Good Friday"); /* Easter 2030-04-21 */
    CHECK(tb_cal_holiday(NULL, D(2026, 4, 2)) == NULL);
}

TEST(juneteenth_only_since_2022_and_observed)
{
    CHECK(tb_cal_is_trading_day(NULL, D(2021, 6, 18)));
    CHECK_STR(tb_cal_holiday(NULL, D(2022, 6, 20)), "Juneteenth"); /* Sunday -> Monday */
    CHECK_STR(tb_cal_holiday(NULL, D(2027, 6, 18)), "Juneteenth"); /* Saturday -> Friday */
    CHECK_STR(tb_cal_holiday(NULL, D(2026, 6, 19)), "Juneteenth");
}

TEST(weekend_holidays_are_observed_friday_or_monday)
{
    CHECK_STR(tb_cal_holiday(NULL, D(2026, 7, 3)), "Independence Day"); /* Sat 4th */
    CHECK_STR(tb_cal_holiday(NULL, D(2027, 7, 5)), "Independence Day"); /* Sun 4th */
    CHECK_STR(tb_cal_holiday(NULL, D(2022, 12, 26)), "Christmas Day");  /* Sun 25th */
    CHECK_STR(tb_cal_holiday(NULL, D(2023, 1, 2)), "New Year's Day");   /* Sun 1st */
}

TEST(new_year_on_saturday_is_not_observed_on_dec_31)
{
    CHECK(tb_cal_is_trading_day(NULL, D(2021, 12, 31)));
    CHECK(tb_cal_is_trading_day(NULL, D(2027, 12, 31)));
    CHECK(tb_cal_is_trading_day(NULL, D(2028, 1, 3)));
}

TEST(no_early_close_before_a_friday_independence_day_holiday)
{
    tb_session s;
    CHECK(tb_cal_session(NULL, D(2026, 7, 2), &s));
    CHECK(!s.early_close);
    CHECK(tb_cal_session(NULL, D(2023, 7, 3), &s));
    CHECK(s.early_close);
}

TEST(extra_closed_dates_from_config)
{
    tb_cal cal;
    tb_cal_init(&cal);
    tb_err e;
    CHECK(tb_cal_is_trading_day(&cal, D(2026, 5, 13)));
    CHECK_INT(tb_cal_add_closed(&cal, D(2026, 5, 13), &e), 0);
    CHECK(!tb_cal_is_trading_day(&cal, D(2026, 5, 13)));
    CHECK(tb_cal_holiday(&cal, D(2026, 5, 13)) != NULL);
    CHECK_INT(tb_cal_next_trading_day(&cal, D(2026, 5, 12)), D(2026, 5, 14));
    CHECK(tb_cal_is_trading_day(NULL, D(2026, 5, 13)));
}

TEST(is_open_regular_and_extended)
{
    int64_t t = utc(2026, 3, 10, 13, 29); /* 09:29 EDT */
    CHECK(!tb_cal_is_open(NULL, t, 0));
    CHECK(tb_cal_is_open(NULL, t, 1));
    CHECK(tb_cal_is_open(NULL, t + 60 * NS, 0));
    CHECK(!tb_cal_is_open(NULL, utc(2026, 3, 10, 7, 59), 1)); /* 03:59 */
    CHECK(tb_cal_is_open(NULL, utc(2026, 3, 10, 8, 0), 1));
    CHECK(tb_cal_is_open(NULL, utc(2026, 3, 10, 23, 59), 1)); /* 19:59 */
    CHECK(!tb_cal_is_open(NULL, utc(2026, 3, 11, 0, 0), 1));
    CHECK(!tb_cal_is_open(NULL, utc(2026, 4, 3, 15, 0), 1)); /* Good Friday */
}

TEST(next_open_and_next_close_skip_weekends_and_holidays)
{
    /* Thursday 2026-04-02 after the close -> Monday 04-06 (Good Friday between). */
    int64_t t = utc(2026, 4, 2, 21, 0);
    CHECK_INT(tb_cal_next_open(NULL, t), utc(2026, 4, 6, 13, 30));
    CHECK_INT(tb_cal_next_close(NULL, t), utc(2026, 4, 6, 20, 0));
    /* During the session: next close is today, next open tomorrow. */
    t = utc(2026, 4, 2, 15, 0);
    CHECK_INT(tb_cal_next_close(NULL, t), utc(2026, 4, 2, 20, 0));
    CHECK_INT(tb_cal_next_open(NULL, t), utc(2026, 4, 6, 13, 30));
    /* At exactly the open, the next open is the following day's. */
    CHECK_INT(tb_cal_next_open(NULL, utc(2026, 4, 6, 13, 30)), utc(2026, 4, 7, 13, 30));
    /* Across the DST change weekend. */
    CHECK_INT(tb_cal_next_open(NULL, utc(2026, 3, 6, 22, 0)), utc(2026, 3, 9, 13, 30));
}

TEST(previous_and_next_trading_day)
{
    CHECK_INT(tb_cal_prev_trading_day(NULL, D(2026, 4, 6)), D(2026, 4, 2));
    CHECK_INT(tb_cal_next_trading_day(NULL, D(2026, 12, 24)), D(2026, 12, 28));
    CHECK_INT(tb_cal_next_trading_day(NULL, D(2026, 12, 31)), D(2027, 1, 4));
}

TEST(business_days_between_counts_trading_days)
{
    CHECK_INT(tb_cal_business_days_between(NULL, D(2026, 4, 2), D(2026, 4, 6)), 1);
    CHECK_INT(tb_cal_business_days_between(NULL, D(2026, 3, 2), D(2026, 3, 9)), 5);
    CHECK_INT(tb_cal_business_days_between(NULL, D(2026, 3, 9), D(2026, 3, 2)), -5);
    CHECK_INT(tb_cal_business_days_between(NULL, D(2026, 3, 9), D(2026, 3, 9)), 0);
    CHECK_INT(tb_cal_business_days_between(NULL, D(2025, 12, 31), D(2026, 12, 31)), 251);
}

TEST(session_day_is_the_new_york_date)
{
    /* 2026-03-10 03:00 UTC is 23:00 EDT on the 9th. */
    CHECK_INT(tb_cal_session_day(utc(2026, 3, 10, 3, 0)), D(2026, 3, 9));
    CHECK_INT(tb_cal_session_day(utc(2026, 3, 10, 4, 0)), D(2026, 3, 10));
    CHECK_INT(tb_cal_session_day(utc(2026, 1, 10, 4, 59)), D(2026, 1, 9));
    CHECK_INT(tb_cal_session_day(-1), D(1969, 12, 31));
}

TEST(yyyymmdd_round_trips_and_session_day_uses_new_york_dates)
{
    CHECK_INT(tb_date_yyyymmdd(tb_date_from_ymd(2026, 12, 7)), 20261207);
    CHECK_INT(tb_date_from_yyyymmdd(20240229), tb_date_from_ymd(2024, 2, 29));
    for (tb_date d = tb_date_from_ymd(1999, 12, 25); d < tb_date_from_ymd(2000, 3, 5); d++)
        CHECK_INT(tb_date_from_yyyymmdd(tb_date_yyyymmdd(d)), d);
    /* 2026-12-08 02:00 UTC is still the 7th in New York */
    int64_t t = tb_cal_local_to_ns(tb_date_from_ymd(2026, 12, 7), 21 * 3600);
    CHECK_INT(tb_cal_session_yyyymmdd(t), 20261207);
}
