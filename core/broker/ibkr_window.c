/* The Gateway's daily restart window: no new orders near it (field-lessons: orders sent in the
 * restart second were lost; the restart time is in the Gateway's zone, containers run UTC). */
#include "broker/ibkr.h"
#include "data/calendar.h"

#include <ctype.h>

int ibkr_parse_hhmm(const char *s, int *sec, tb_err *e)
{
    if (!s || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]) || s[5])
        return tb_errf(e, "ibkr: restart time \"%s\" is not hh:mm", s ? s : "");
    int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
    if (h > 23 || m > 59) return tb_errf(e, "ibkr: restart time \"%s\" is not a time of day", s);
    *sec = h * 3600 + m * 60;
    return 0;
}

int ibkr_in_restart_window(int64_t t_ns, int restart_sec, int utc, int window_min)
{
    if (window_min <= 0) return 0;
    int sod;
    if (utc) {
        int64_t s = t_ns / 1000000000LL;
        sod = (int)(((s % 86400) + 86400) % 86400);
    } else {
        tb_date d;
        tb_cal_local_time(t_ns, &d, &sod);
    }
    int diff = sod - restart_sec;
    if (diff < 0) diff = -diff;
    if (diff > 43200) diff = 86400 - diff; /* the window may straddle midnight */
    return diff <= window_min * 60;
}
