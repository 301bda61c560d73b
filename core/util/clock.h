/*
 * clock.h - time sources. The engine reads wall time through tb_clock_now_ns() so that tests
 * and backtests can substitute a fake clock; durations use the monotonic clock.
 */
#ifndef TB_UTIL_CLOCK_H
#define TB_UTIL_CLOCK_H

#include <stdint.h>

/* Nanoseconds since the Unix epoch (UTC); the fake time when one is set. */
int64_t tb_clock_now_ns(void);

/* Monotonic nanoseconds, for durations and latency. */
int64_t tb_clock_mono_ns(void);

/* Replaces wall time with a fixed value (tests, backtests); 0 restores the real clock. */
void tb_clock_set_fake_ns(int64_t ns);

/* Shifts wall time by ns (it keeps advancing): an engine under test inside a market minute. */
void tb_clock_set_offset_ns(int64_t ns);

/* Tests run a process inside a chosen market minute: when TRADEBOT_CLOCK_START holds a Unix time,
 * the wall clock is shifted to start there (tb_clock_set_offset_ns). Returns that time, 0 when
 * the variable is unset; the caller logs it (testing only, never in production). */
int64_t tb_clock_from_env(void);

/* Formats ns as RFC 3339 UTC with milliseconds ("2026-11-27T03:30:00.123Z"). Returns buf. */
char *tb_clock_fmt_utc(int64_t ns, char *buf, int len);

#endif
