#include "net/watchdog.h"

const char *tb_wd_verdict_name(tb_wd_verdict v)
{
    static const char *const n[] = {"off", "closed", "down", "ok", "silent"};
    return (unsigned)v <= TB_WD_SILENT ? n[v] : "unknown";
}

tb_wd_verdict tb_wd_stream(const tb_cal *cal, int64_t now_ns, int connected, int64_t last_ns,
                           int64_t stale_after_ns, double *silent_s)
{
    if (silent_s) *silent_s = 0;
    if (stale_after_ns <= 0) return TB_WD_OFF;
    tb_session s;
    if (!tb_cal_is_open(cal, now_ns, 0) || !tb_cal_session(cal, tb_cal_session_day(now_ns), &s) ||
        !s.trading)
        return TB_WD_CLOSED;
    int64_t since = last_ns > s.open_ns ? last_ns : s.open_ns;
    int64_t quiet = now_ns > since ? now_ns - since : 0;
    if (silent_s) *silent_s = (double)quiet / 1e9;
    if (!connected) return TB_WD_DOWN;
    return quiet >= stale_after_ns ? TB_WD_SILENT : TB_WD_OK;
}

int tb_wd_order_due(int64_t now_ns, int64_t heard_ns, int64_t after_ns)
{
    return after_ns > 0 && now_ns - heard_ns >= after_ns;
}

int tb_wd_orders_pick(const int64_t *heard, int n, int64_t now_ns, int64_t after_ns, int max,
                      int *out)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!tb_wd_order_due(now_ns, heard[i], after_ns)) continue;
        int at = k < max ? k++ : max; /* insertion by age; a full list drops its youngest */
        while (at > 0 && heard[out[at - 1]] > heard[i]) {
            if (at < max) out[at] = out[at - 1];
            at--;
        }
        if (at < max) out[at] = i;
    }
    return k;
}

int tb_wd_order_stream_reconnect(int64_t now_ns, int64_t last_event_ns, int64_t last_forced_ns,
                                 int missed, int64_t after_ns, int64_t min_gap_ns)
{
    if (missed <= 0 || after_ns <= 0) return 0;
    if (now_ns - last_event_ns < after_ns) return 0;
    return last_forced_ns == 0 || now_ns - last_forced_ns >= min_gap_ns;
}
