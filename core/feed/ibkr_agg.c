#include "feed/ibkr_agg.h"

#include <string.h>

void ibkr_agg_init(ibkr_agg *a, uint32_t sym)
{
    memset(a, 0, sizeof *a);
    a->sym = sym;
}

void ibkr_agg_reset(ibkr_agg *a)
{
    uint64_t late = a->late;
    int64_t closed = a->closed_s;
    ibkr_agg_init(a, a->sym);
    a->late = late, a->closed_s = closed;
}

void ibkr_agg_to_bar(const ibkr_bar *b, uint32_t sym, int tf_sec, tb_bar *out)
{
    memset(out, 0, sizeof *out);
    out->start_ns = b->time_s * TB_NS_PER_SEC;
    out->open = tb_money_to_double(b->open);
    out->high = tb_money_to_double(b->high);
    out->low = tb_money_to_double(b->low);
    out->close = tb_money_to_double(b->close);
    out->volume = b->volume;
    out->vwap = b->wap > 0 ? b->wap : out->close;
    out->trades = b->count;
    out->tf_sec = tf_sec;
    out->sym = sym;
}

static void close_minute(ibkr_agg *a, tb_bar *out)
{
    ibkr_bar m = {.time_s = a->minute_s,
                  .open = a->open,
                  .high = a->high,
                  .low = a->low,
                  .close = a->close,
                  .volume = a->volume,
                  .wap = a->wap_volume > 0 ? a->wap_sum / a->wap_volume : 0,
                  .count = a->trades};
    ibkr_agg_to_bar(&m, a->sym, 60, out);
    a->closed_s = a->minute_s;
    ibkr_agg_reset(a);
}

int ibkr_agg_add(ibkr_agg *a, const ibkr_bar *b, tb_bar out[2])
{
    int64_t minute = b->time_s - b->time_s % 60;
    int n = 0;
    if ((a->minute_s && minute < a->minute_s) || minute <= a->closed_s) {
        a->late++;
        return 0;
    }
    if (a->minute_s && minute > a->minute_s) close_minute(a, &out[n++]);
    if (!a->minute_s) {
        a->minute_s = minute;
        a->open = b->open, a->high = b->high, a->low = b->low;
    }
    if (b->high > a->high) a->high = b->high;
    if (b->low < a->low) a->low = b->low;
    a->close = b->close;
    a->volume += b->volume;
    if (b->wap > 0 && b->volume > 0) a->wap_sum += b->wap * b->volume, a->wap_volume += b->volume;
    a->trades += b->count;
    a->parts++;
    if (b->time_s % 60 == 55) close_minute(a, &out[n++]);
    return n;
}

int ibkr_agg_flush_due(const ibkr_agg *a, int64_t now_ns, int64_t last_arrival_ns, int64_t grace_ns)
{
    if (!a->minute_s) return 0;
    int64_t end_ns = (a->minute_s + 60) * TB_NS_PER_SEC;
    int64_t from = end_ns > last_arrival_ns ? end_ns : last_arrival_ns;
    return now_ns >= from + grace_ns;
}

int ibkr_agg_flush(ibkr_agg *a, tb_bar *out)
{
    if (!a->minute_s) return 0;
    close_minute(a, out);
    return 1;
}
