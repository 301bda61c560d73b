#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int64_t fake_ns, offset_ns;

int64_t tb_clock_now_ns(void)
{
    if (fake_ns) return fake_ns;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec + offset_ns;
}

void tb_clock_set_offset_ns(int64_t ns)
{
    offset_ns = ns;
}

int64_t tb_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void tb_clock_set_fake_ns(int64_t ns)
{
    fake_ns = ns;
}

char *tb_clock_fmt_utc(int64_t ns, char *buf, int len)
{
    time_t secs = (time_t)(ns / 1000000000LL);
    int ms = (int)((ns % 1000000000LL) / 1000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, (size_t)len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return buf;
}

int64_t tb_clock_from_env(void)
{
    const char *s = getenv("TRADEBOT_CLOCK_START");
    long long t = s && *s ? atoll(s) : 0;
    if (t > 0) tb_clock_set_offset_ns((int64_t)t * 1000000000LL - tb_clock_now_ns());
    return t > 0 ? t : 0;
}
