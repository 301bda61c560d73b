#include "data/aggregate.h"

#include <string.h>

#define NS TB_NS_PER_SEC

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int tb_agg_init(tb_agg *a, int tf_sec, const tb_cal *cal, tb_err *e)
{
    memset(a, 0, sizeof *a);
    if (tf_sec != 86400 && (tf_sec < 60 || tf_sec % 60 != 0 || tf_sec >= 86400))
        return tb_errf(e, "aggregate: timeframe %d s is not whole minutes or one day", tf_sec);
    a->tf_sec = tf_sec;
    a->cal = cal;
    a->last_start = INT64_MIN;
    a->day_lo = a->day_hi = 0;
    return 0;
}

/* Recomputes the cached day bounds when t falls on another ET date (once a day). */
static void load_day(tb_agg *a, int64_t t)
{
    if (t >= a->day_lo && t < a->day_hi) return;
    tb_date d = tb_cal_session_day(t);
    tb_session s;
    a->day_lo = tb_cal_local_to_ns(d, 0);
    a->day_hi = tb_cal_local_to_ns(d + 1, 0);
    a->anchor_ns = tb_cal_local_to_ns(d, 9 * 3600 + 1800);
    if (tb_cal_session(a->cal, d, &s)) {
        a->open_ns = s.open_ns;
        a->close_ns = s.close_ns;
    } else {
        a->open_ns = a->close_ns = 0;
    }
}

/* Bucket [start, end) of a minute starting at t; 0 when the minute belongs to none. */
static int bucket_of(tb_agg *a, int64_t t, int64_t *start, int64_t *end)
{
    load_day(a, t);
    if (a->tf_sec == 86400) {
        if (!a->close_ns || t < a->open_ns || t >= a->close_ns) return 0;
        *start = a->open_ns;
        *end = a->close_ns;
        return 1;
    }
    int64_t tf = (int64_t)a->tf_sec * NS;
    int64_t lo = a->anchor_ns + floor_div(t - a->anchor_ns, tf) * tf, hi = lo + tf;
    if (a->close_ns && lo < a->close_ns && hi > a->close_ns) {
        if (t < a->close_ns)
            hi = a->close_ns;
        else
            lo = a->close_ns; /* the after-hours part of a bucket cut at the close */
    }
    *start = lo;
    *end = hi;
    return 1;
}

static void finish(tb_agg *a, tb_bar *out)
{
    *out = a->cur;
    out->vwap = a->cur.volume > 0 ? a->pv / a->cur.volume : a->cur.close;
    a->active = 0;
}

int tb_agg_push(tb_agg *a, const tb_bar *m, tb_bar out[2])
{
    int64_t start, end;
    int n = 0;
    if (!bucket_of(a, m->start_ns, &start, &end)) return 0;
    if (start < a->last_start || (start == a->last_start && !a->active)) return -1;
    if (a->active && start != a->cur.start_ns) finish(a, &out[n++]);
    if (!a->active) {
        a->cur = *m;
        a->cur.start_ns = start;
        a->cur.tf_sec = a->tf_sec;
        a->pv = m->vwap * m->volume;
        a->end_ns = end;
        a->last_start = start;
        a->active = 1;
    } else {
        if (m->high > a->cur.high) a->cur.high = m->high;
        if (m->low < a->cur.low) a->cur.low = m->low;
        a->cur.close = m->close;
        a->cur.volume += m->volume;
        a->cur.trades += m->trades;
        a->pv += m->vwap * m->volume;
    }
    if (m->start_ns + (int64_t)m->tf_sec * NS >= a->end_ns) finish(a, &out[n++]);
    return n;
}

int tb_agg_flush(tb_agg *a, tb_bar *out)
{
    if (!a->active) return 0;
    finish(a, out);
    return 1;
}
