/*
 * calendar.h - the US equities session calendar (NYSE/Nasdaq) in America/New_York, computed from
 * rules in code: no tzdata files are read, so it works on a minimal system and in containers.
 *
 * Time zone: EST (UTC-5) and EDT (UTC-4); DST from the second Sunday of March 02:00 to the first
 * Sunday of November 02:00 (since 2007; 1987-2006: first Sunday of April to last Sunday of
 * October). Sessions: regular 09:30-16:00, pre-market from 04:00, after-hours to 20:00; on early
 * close days the regular session ends 13:00 and after-hours 17:00. Holidays by NYSE rule, with a
 * Saturday holiday observed on Friday (except New Year's Day: never on Dec 31) and a Sunday
 * holiday on Monday; known special closures are built in and more are added at run time.
 *
 * Dates (tb_date) are days since 1970-01-01 of the ET calendar; instants are ns UTC.
 * A NULL tb_cal means "the rules alone, no extra closures".
 */
#ifndef TB_DATA_CALENDAR_H
#define TB_DATA_CALENDAR_H

#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

typedef int32_t tb_date; /* days since 1970-01-01 */

/* The date of y-m-d (proleptic Gregorian; m 1-12, d 1-31). */
tb_date tb_date_from_ymd(int y, int m, int d);

/* Splits a date into year, month (1-12) and day (1-31); any pointer may be NULL. */
void tb_date_to_ymd(tb_date date, int *y, int *m, int *d);

/* The date as the integer yyyymmdd (20261207), the form of session days in SQLite rows,
 * pdt_state.json and the API. */
int32_t tb_date_yyyymmdd(tb_date date);

/* The date of an integer yyyymmdd (the inverse of tb_date_yyyymmdd). */
tb_date tb_date_from_yyyymmdd(int32_t ymd);

/* Day of the week: 0 Sunday .. 6 Saturday. */
int tb_date_weekday(tb_date date);

/* Parses "YYYY-MM-DD" or "YYYYMMDD", checking the day exists. */
int tb_date_parse(const char *s, tb_date *out, tb_err *e);

/* Writes "YYYY-MM-DD" into buf (at least 11 bytes) and returns buf. */
char *tb_date_fmt(tb_date date, char *buf, size_t len);

#define TB_CAL_MAX_EXTRA 64

typedef struct tb_cal {
    int nclosed;
    tb_date closed[TB_CAL_MAX_EXTRA]; /* extra full closures from config */
} tb_cal;

typedef struct tb_session {
    tb_date date;
    int trading;           /* 1 when the market opens this day */
    int early_close;       /* 1 on a 13:00 close */
    const char *holiday;   /* why closed ("Good Friday", "weekend", ...); NULL on trading days */
    int64_t pre_open_ns;   /* 04:00 ET; all four are 0 on a closed day */
    int64_t open_ns;       /* 09:30 ET */
    int64_t close_ns;      /* 16:00 ET, 13:00 on early close days */
    int64_t post_close_ns; /* 20:00 ET, 17:00 on early close days */
} tb_session;

/* An empty calendar: the rules and the built-in special closures only. */
void tb_cal_init(tb_cal *cal);

/* Adds an extra closed date (e.g. a national day of mourning from config). */
int tb_cal_add_closed(tb_cal *cal, tb_date date, tb_err *e);

/* Offset of America/New_York from UTC at instant t, in seconds (-14400 or -18000). */
int tb_cal_utc_offset(int64_t t_ns);

/* The UTC instant of local ET wall time sec_of_day on date. In the skipped spring hour the
 * time is taken as EDT; in the repeated autumn hour as the first (EDT) occurrence. */
int64_t tb_cal_local_to_ns(tb_date date, int sec_of_day);

/* Local ET date and time of day (seconds since local midnight) of instant t. */
void tb_cal_local_time(int64_t t_ns, tb_date *date, int *sec_of_day);

/* The ET calendar date t falls on: the session day of a bar or a fill. */
tb_date tb_cal_session_day(int64_t t_ns);

/* The session day of t_ns as yyyymmdd. */
int32_t tb_cal_session_yyyymmdd(int64_t t_ns);

/* Name of the holiday closing the exchange on date, or NULL (weekends are not holidays). */
const char *tb_cal_holiday(const tb_cal *cal, tb_date date);

/* Fills the session of date; returns 1 when it is a trading day, 0 when closed. */
int tb_cal_session(const tb_cal *cal, tb_date date, tb_session *out);

/* 1 when date is a trading day. */
int tb_cal_is_trading_day(const tb_cal *cal, tb_date date);

/* 1 when the market is open at t: the regular session, or with extended != 0 from pre-market
 * to the end of after-hours. Session bounds are [open, close). */
int tb_cal_is_open(const tb_cal *cal, int64_t t_ns, int extended);

/* The first regular open strictly after t. */
int64_t tb_cal_next_open(const tb_cal *cal, int64_t t_ns);

/* The first regular close strictly after t (today's close while the market is open). */
int64_t tb_cal_next_close(const tb_cal *cal, int64_t t_ns);

/* The trading day after date / before date. */
tb_date tb_cal_next_trading_day(const tb_cal *cal, tb_date date);
tb_date tb_cal_prev_trading_day(const tb_cal *cal, tb_date date);

/* Number of trading days d with from < d <= to (Friday to next Monday: 1); negative when
 * to < from. This is the count a "N business days" window uses. */
int tb_cal_business_days_between(const tb_cal *cal, tb_date from, tb_date to);

#endif
