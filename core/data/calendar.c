#include "data/calendar.h"

#include <stdio.h>
#include <string.h>

#define DAY_SEC 86400LL
#define HOUR    3600

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
tb_date tb_date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153u * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (tb_date)(era * 146097 + (int)doe - 719468);
}

void tb_date_to_ymd(tb_date date, int *py, int *pm, int *pd)
{
    int z = date + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = (int)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    if (py) *py = y + (m <= 2);
    if (pm) *pm = (int)m;
    if (pd) *pd = (int)d;
}

int tb_date_weekday(tb_date date)
{
    int w = (date + 4) % 7; /* 1970-01-01 was a Thursday */
    return w < 0 ? w + 7 : w;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

int tb_date_parse(const char *s, tb_date *out, tb_err *e)
{
    int y, m, d, n = 0;
    if (!s) return tb_errf(e, "missing date");
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && s[n] == '\0') {
    } else if (strlen(s) == 8 && sscanf(s, "%4d%2d%2d%n", &y, &m, &d, &n) == 3 && n == 8) {
    } else {
        return tb_errf(e, "date '%s' is not YYYY-MM-DD", s);
    }
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return tb_errf(e, "date '%s' does not exist", s);
    *out = tb_date_from_ymd(y, m, d);
    return 0;
}

char *tb_date_fmt(tb_date date, char *buf, size_t len)
{
    int y, m, d;
    tb_date_to_ymd(date, &y, &m, &d);
    snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
    return buf;
}

int32_t tb_date_yyyymmdd(tb_date date)
{
    int y, m, d;
    tb_date_to_ymd(date, &y, &m, &d);
    return y * 10000 + m * 100 + d;
}

tb_date tb_date_from_yyyymmdd(int32_t ymd)
{
    return tb_date_from_ymd(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

/* The n-th (1-based) weekday wd of a month; n = -1 for the last. */
static tb_date nth_weekday(int y, int m, int wd, int n)
{
    if (n < 0) {
        tb_date last = tb_date_from_ymd(y, m, days_in_month(y, m));
        return last - ((tb_date_weekday(last) - wd + 7) % 7);
    }
    tb_date first = tb_date_from_ymd(y, m, 1);
    return first + (wd - tb_date_weekday(first) + 7) % 7 + 7 * (n - 1);
}

/* First and last local dates of daylight saving time in year y (both at 02:00 local). */
static void dst_bounds(int y, tb_date *start, tb_date *end)
{
    if (y >= 2007) {
        *start = nth_weekday(y, 3, 0, 2);
        *end = nth_weekday(y, 11, 0, 1);
    } else {
        *start = nth_weekday(y, 4, 0, 1);
        *end = nth_weekday(y, 10, 0, -1);
    }
}

int tb_cal_utc_offset(int64_t t_ns)
{
    /* Work in "standard local" seconds: DST starts at 02:00 EST and ends at 01:00 EST. */
    int64_t ls = floor_div(t_ns, 1000000000LL) - 5 * HOUR;
    tb_date date = (tb_date)floor_div(ls, DAY_SEC);
    int y;
    tb_date_to_ymd(date, &y, NULL, NULL);
    tb_date start, end;
    dst_bounds(y, &start, &end);
    int dst = ls >= start * DAY_SEC + 2 * HOUR && ls < end * DAY_SEC + 1 * HOUR;
    return dst ? -4 * HOUR : -5 * HOUR;
}

int64_t tb_cal_local_to_ns(tb_date date, int sec_of_day)
{
    int y;
    tb_date_to_ymd(date, &y, NULL, NULL);
    tb_date start, end;
    dst_bounds(y, &start, &end);
    int after_start = date > start || (date == start && sec_of_day >= 2 * HOUR);
    int before_end = date < end || (date == end && sec_of_day < 2 * HOUR);
    int offset = after_start && before_end ? 4 * HOUR : 5 * HOUR;
    return ((int64_t)date * DAY_SEC + sec_of_day + offset) * 1000000000LL;
}

void tb_cal_local_time(int64_t t_ns, tb_date *date, int *sec_of_day)
{
    int64_t ls = floor_div(t_ns, 1000000000LL) + tb_cal_utc_offset(t_ns);
    tb_date d = (tb_date)floor_div(ls, DAY_SEC);
    if (date) *date = d;
    if (sec_of_day) *sec_of_day = (int)(ls - d * DAY_SEC);
}

tb_date tb_cal_session_day(int64_t t_ns)
{
    tb_date d;
    tb_cal_local_time(t_ns, &d, NULL);
    return d;
}

void tb_cal_init(tb_cal *cal)
{
    memset(cal, 0, sizeof *cal);
}

int tb_cal_add_closed(tb_cal *cal, tb_date date, tb_err *e)
{
    for (int i = 0; i < cal->nclosed; i++)
        if (cal->closed[i] == date) return 0;
    if (cal->nclosed == TB_CAL_MAX_EXTRA)
        return tb_errf(e, "calendar: more than %d extra closed dates", TB_CAL_MAX_EXTRA);
    cal->closed[cal->nclosed++] = date;
    return 0;
}

/* Gauss/Meeus anonymous Gregorian computus: the date of Easter Sunday. */
static tb_date easter_sunday(int y)
{
    int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
    return tb_date_from_ymd(y, month, day);
}

/* Saturday -> Friday before, Sunday -> Monday after. */
static tb_date observed(int y, int m, int d)
{
    tb_date date = tb_date_from_ymd(y, m, d);
    int wd = tb_date_weekday(date);
    return wd == 6 ? date - 1 : wd == 0 ? date + 1 : date;
}

/* Closures outside the rules (NYSE special closures since 2001). */
static const struct {
    int y, m, d;
    const char *why;
} special_closures[] = {
    {2001, 9, 11, "September 11"},         {2001, 9, 12, "September 11"},
    {2001, 9, 13, "September 11"},         {2001, 9, 14, "September 11"},
    {2004, 6, 11, "Reagan mourning"},      {2007, 1, 2, "Ford mourning"},
    {2012, 10, 29, "Hurricane Sandy"},     {2012, 10, 30, "Hurricane Sandy"},
    {2018, 12, 5, "G.H.W. Bush mourning"}, {2025, 1, 9, "Carter mourning"},
};

static const char *rule_holiday(tb_date date)
{
    int y, m, d;
    tb_date_to_ymd(date, &y, &m, &d);
    int wd = tb_date_weekday(date);
    if (wd == 0 || wd == 6) return NULL;
    tb_date nyd = tb_date_from_ymd(y, 1, 1);
    if (date == nyd || (tb_date_weekday(nyd) == 0 && date == nyd + 1)) return "New Year's Day";
    if (y >= 1998 && date == nth_weekday(y, 1, 1, 3)) return "Martin Luther King Jr. Day";
    if (date == nth_weekday(y, 2, 1, 3)) return "Washington's Birthday";
    if (date == easter_sunday(y) - 2) return "Good Friday";
    if (date == nth_weekday(y, 5, 1, -1)) return "Memorial Day";
    if (y >= 2022 && date == observed(y, 6, 19)) return "Juneteenth";
    if (date == observed(y, 7, 4)) return "Independence Day";
    if (date == nth_weekday(y, 9, 1, 1)) return "Labor Day";
    if (date == nth_weekday(y, 11, 4, 4)) return "Thanksgiving Day";
    if (date == observed(y, 12, 25)) return "Christmas Day";
    for (size_t i = 0; i < sizeof special_closures / sizeof special_closures[0]; i++)
        if (date ==
            tb_date_from_ymd(special_closures[i].y, special_closures[i].m, special_closures[i].d))
            return special_closures[i].why;
    return NULL;
}

const char *tb_cal_holiday(const tb_cal *cal, tb_date date)
{
    const char *h = rule_holiday(date);
    if (h) return h;
    if (cal)
        for (int i = 0; i < cal->nclosed; i++)
            if (cal->closed[i] == date) return "special closure (config)";
    return NULL;
}

/* 13:00 closes: July 3 and Christmas Eve when Monday-Thursday (a Friday July 3 or Dec 24 is the
 * observed holiday itself), and the day after Thanksgiving. */
static int is_early_close(tb_date date)
{
    int y, m, d;
    tb_date_to_ymd(date, &y, &m, &d);
    int wd = tb_date_weekday(date);
    if (m == 7 && d == 3) return wd >= 1 && wd <= 4;
    if (m == 12 && d == 24) return wd >= 1 && wd <= 4;
    return m == 11 && date == nth_weekday(y, 11, 4, 4) + 1;
}

int tb_cal_session(const tb_cal *cal, tb_date date, tb_session *out)
{
    memset(out, 0, sizeof *out);
    out->date = date;
    int wd = tb_date_weekday(date);
    if (wd == 0 || wd == 6) {
        out->holiday = "weekend";
        return 0;
    }
    if ((out->holiday = tb_cal_holiday(cal, date)) != NULL) return 0;
    out->trading = 1;
    out->early_close = is_early_close(date);
    out->pre_open_ns = tb_cal_local_to_ns(date, 4 * HOUR);
    out->open_ns = tb_cal_local_to_ns(date, 9 * HOUR + 30 * 60);
    out->close_ns = tb_cal_local_to_ns(date, (out->early_close ? 13 : 16) * HOUR);
    out->post_close_ns = tb_cal_local_to_ns(date, (out->early_close ? 17 : 20) * HOUR);
    return 1;
}

int tb_cal_is_trading_day(const tb_cal *cal, tb_date date)
{
    int wd = tb_date_weekday(date);
    return wd != 0 && wd != 6 && !tb_cal_holiday(cal, date);
}

int tb_cal_is_open(const tb_cal *cal, int64_t t_ns, int extended)
{
    tb_session s;
    if (!tb_cal_session(cal, tb_cal_session_day(t_ns), &s)) return 0;
    if (extended) return t_ns >= s.pre_open_ns && t_ns < s.post_close_ns;
    return t_ns >= s.open_ns && t_ns < s.close_ns;
}

int32_t tb_cal_session_yyyymmdd(int64_t t_ns)
{
    return tb_date_yyyymmdd(tb_cal_session_day(t_ns));
}

int64_t tb_cal_next_open(const tb_cal *cal, int64_t t_ns)
{
    tb_session s;
    for (tb_date d = tb_cal_session_day(t_ns);; d++)
        if (tb_cal_session(cal, d, &s) && s.open_ns > t_ns) return s.open_ns;
}

int64_t tb_cal_next_close(const tb_cal *cal, int64_t t_ns)
{
    tb_session s;
    for (tb_date d = tb_cal_session_day(t_ns);; d++)
        if (tb_cal_session(cal, d, &s) && s.close_ns > t_ns) return s.close_ns;
}

tb_date tb_cal_next_trading_day(const tb_cal *cal, tb_date date)
{
    do date++;
    while (!tb_cal_is_trading_day(cal, date));
    return date;
}

tb_date tb_cal_prev_trading_day(const tb_cal *cal, tb_date date)
{
    do date--;
    while (!tb_cal_is_trading_day(cal, date));
    return date;
}

int tb_cal_business_days_between(const tb_cal *cal, tb_date from, tb_date to)
{
    if (to < from) return -tb_cal_business_days_between(cal, to, from);
    int n = 0;
    for (tb_date d = from + 1; d <= to; d++) n += tb_cal_is_trading_day(cal, d);
    return n;
}
