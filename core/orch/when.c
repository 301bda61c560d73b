#include "orch/when.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NS 1000000000LL

static const char forms[] = "expected \"HH:MM UTC\", \"HH:MM ET\", \"open\", \"close\" or "
                            "\"N minutes|hours before|after open|close\"";

static int parse_clock(const char *s, tb_when *out)
{
    int h, m, n = 0;
    char zone[8] = "";
    if (sscanf(s, "%2d:%2d %7s%n", &h, &m, zone, &n) != 3 || s[n] != '\0') return -1;
    if (h < 0 || h > 23 || m < 0 || m > 59) return -1;
    if (strcasecmp(zone, "UTC") == 0 || strcasecmp(zone, "Z") == 0)
        out->kind = TB_WHEN_UTC;
    else if (strcasecmp(zone, "ET") == 0)
        out->kind = TB_WHEN_ET;
    else
        return -1;
    out->sec = h * 3600 + m * 60;
    return 0;
}

static int parse_anchor(const char *s, tb_when *out)
{
    if (strcasecmp(s, "open") == 0)
        out->kind = TB_WHEN_OPEN;
    else if (strcasecmp(s, "close") == 0)
        out->kind = TB_WHEN_CLOSE;
    else
        return -1;
    return 0;
}

static int parse_relative(const char *s, tb_when *out)
{
    int n, used = 0;
    char unit[16], dir[16], anchor[16];
    if (sscanf(s, "%d %15s %15s %15s%n", &n, unit, dir, anchor, &used) != 4 || s[used] != '\0')
        return -1;
    if (n < 0 || n > 24 * 60) return -1;
    int mult;
    if (strncasecmp(unit, "minute", 6) == 0 || strcasecmp(unit, "min") == 0)
        mult = 60;
    else if (strncasecmp(unit, "hour", 4) == 0)
        mult = 3600;
    else
        return -1;
    int sign;
    if (strcasecmp(dir, "before") == 0)
        sign = -1;
    else if (strcasecmp(dir, "after") == 0)
        sign = 1;
    else
        return -1;
    if (parse_anchor(anchor, out) != 0) return -1;
    out->sec = sign * n * mult;
    return n * mult <= 12 * 3600 ? 0 : -1;
}

int tb_when_parse(const char *text, tb_when *out, tb_err *e)
{
    char s[64];
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1])) n--;
    while (n && isspace((unsigned char)*text)) text++, n--;
    if (n == 0 || n >= sizeof s) return tb_errf(e, "time \"%s\": %s", text, forms);
    memcpy(s, text, n);
    s[n] = '\0';
    memset(out, 0, sizeof *out);
    if (parse_anchor(s, out) == 0) return 0;
    if (isdigit((unsigned char)s[0]) && strchr(s, ':') && parse_clock(s, out) == 0) return 0;
    if (isdigit((unsigned char)s[0]) && parse_relative(s, out) == 0) return 0;
    return tb_errf(e, "time \"%s\": %s", s, forms);
}

/* An ET wall time as a UTC instant. On the spring-forward day the clock jumps from 02:00 EST
 * to 03:00 EDT: a time in the missing hour fires at 03:00 EDT, the first moment after the gap
 * (as cron does), not an hour early at 01:30 EST. On the fall-back day a time between 01:00
 * and 02:00 happens twice: it fires once, at the first (EDT) occurrence. */
static int64_t et_fire(tb_date d, int sec)
{
    int64_t t = tb_cal_local_to_ns(d, sec);
    tb_date back;
    int back_sec;
    tb_cal_local_time(t, &back, &back_sec);
    if (back != d || back_sec != sec) /* not a wall time of that day: in the gap */
        t = tb_cal_local_to_ns(d, (sec / 3600 + 1) * 3600);
    return t;
}

int tb_when_fire(const tb_when *w, const tb_cal *cal, tb_date d, int skip_closed, int64_t *out)
{
    tb_session ss;
    int trading = tb_cal_session(cal, d, &ss);
    switch (w->kind) {
    case TB_WHEN_UTC:
        if (skip_closed && !trading) return 0;
        *out = ((int64_t)d * 86400 + w->sec) * NS;
        return 1;
    case TB_WHEN_ET:
        if (skip_closed && !trading) return 0;
        *out = et_fire(d, w->sec);
        return 1;
    case TB_WHEN_OPEN:
    case TB_WHEN_CLOSE:
        if (!trading) return 0;
        *out = (w->kind == TB_WHEN_OPEN ? ss.open_ns : ss.close_ns) + (int64_t)w->sec * NS;
        return 1;
    }
    return 0;
}

char *tb_when_fmt(const tb_when *w, char *buf, int len)
{
    if (w->kind == TB_WHEN_UTC || w->kind == TB_WHEN_ET) {
        snprintf(buf, (size_t)len, "%02d:%02d %s", w->sec / 3600, w->sec / 60 % 60,
                 w->kind == TB_WHEN_UTC ? "UTC" : "ET");
        return buf;
    }
    const char *anchor = w->kind == TB_WHEN_OPEN ? "open" : "close";
    int a = w->sec < 0 ? -w->sec : w->sec;
    if (a == 0)
        snprintf(buf, (size_t)len, "%s", anchor);
    else if (a % 3600 == 0)
        snprintf(buf, (size_t)len, "%d hour%s %s %s", a / 3600, a == 3600 ? "" : "s",
                 w->sec < 0 ? "before" : "after", anchor);
    else
        snprintf(buf, (size_t)len, "%d minute%s %s %s", a / 60, a == 60 ? "" : "s",
                 w->sec < 0 ? "before" : "after", anchor);
    return buf;
}
