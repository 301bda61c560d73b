#include "broker/ibkr_bars.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TIME_S 4102444800LL /* 2100-01-01: a later bar time is garbage, not a date */

/* ---- encoding ------------------------------------------------------------------------------- */

/* conId (resolved by symbol), symbol, STK, expiry, strike, right, multiplier, SMART, primaryExch,
 * USD, localSymbol, tradingClass: the contract as reqRealTimeBars/reqHistoricalData send it. */
static void put_stock(tb_sbuf *b, const char *symbol)
{
    tws_put_int(b, 0);
    tws_put_str(b, symbol);
    tws_put_str(b, "STK");
    tws_put_str(b, "");
    tws_put_str(b, "0.0"); /* strike: a double, 0 when unset */
    tws_put_str(b, "");
    tws_put_str(b, "");
    tws_put_str(b, "SMART");
    tws_put_str(b, "");
    tws_put_str(b, "USD");
    tws_put_str(b, "");
    tws_put_str(b, "");
}

int ibkr_enc_rt_bars(tb_sbuf *b, int64_t req_id, const char *symbol, int use_rth, tb_err *e)
{
    tws_begin(b);
    tws_put_int(b, 50);
    tws_put_int(b, 3);
    tws_put_int(b, req_id);
    put_stock(b, symbol);
    tws_put_int(b, 5); /* the only bar size IB offers */
    tws_put_str(b, "TRADES");
    tws_put_int(b, use_rth ? 1 : 0);
    tws_put_str(b, ""); /* realTimeBarsOptions */
    return tws_end(b, e);
}

int ibkr_enc_cancel_rt_bars(tb_sbuf *b, int64_t req_id, tb_err *e)
{
    return tws_ints(b, (const int64_t[]){51, 1, req_id}, 3, e);
}

int ibkr_enc_hist(tb_sbuf *b, int64_t req_id, const char *symbol, const char *end,
                  const char *duration, int use_rth, tb_err *e)
{
    tws_begin(b);
    tws_put_int(b, 20);
    tws_put_int(b, req_id);
    put_stock(b, symbol);
    tws_put_int(b, 0); /* includeExpired */
    tws_put_str(b, end);
    tws_put_str(b, "1 min");
    tws_put_str(b, duration);
    tws_put_int(b, use_rth ? 1 : 0);
    tws_put_str(b, "TRADES");
    tws_put_int(b, 2);  /* formatDate 2: epoch seconds */
    tws_put_int(b, 0);  /* keepUpToDate */
    tws_put_str(b, ""); /* chartOptions */
    return tws_end(b, e);
}

char *ibkr_fmt_utc(int64_t t_s, char *buf, size_t cap)
{
    time_t t = (time_t)t_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y%m%d-%H:%M:%S", &tm);
    return buf;
}

/* ---- decoding ------------------------------------------------------------------------------- */

static int num_int(const tws_frame *f, int i, int64_t *out, tb_err *e)
{
    if (i >= f->n) return tb_errf(e, "ibkr bars: field %d missing", i);
    if (tws_field_int(f, i, out) != 0)
        return tb_errf(e, "ibkr bars: field %d is not an integer: \"%.20s\"", i, f->field[i]);
    return 0;
}

static int num_double(const tws_frame *f, int i, double *out, tb_err *e)
{
    if (i >= f->n) return tb_errf(e, "ibkr bars: field %d missing", i);
    const char *s = f->field[i];
    char *end;
    errno = 0;
    double d = s[0] ? strtod(s, &end) : 0;
    if ((s[0] && *end) || errno == EINVAL || isnan(d) || isinf(d) || fabs(d) > 1e15)
        return tb_errf(e, "ibkr bars: field %d is not a number: \"%.20s\"", i, s);
    *out = d;
    return 0;
}

/* Prices: whole micro-dollars, positive (a bar never trades at 0 or below). */
static int num_price(const tws_frame *f, int i, tb_money *out, tb_err *e)
{
    double d;
    if (num_double(f, i, &d, e) != 0) return -1;
    if (!(d > 0) || d > 9e12) return tb_errf(e, "ibkr bars: field %d is not a price", i);
    return tb_money_from_double(d, 1, out, e);
}

/* open, high, low, close, volume, wap from field i on, count at i + 6. */
static int bar_body(const tws_frame *f, int i, ibkr_bar *o, tb_err *e)
{
    if (num_price(f, i, &o->open, e) || num_price(f, i + 1, &o->high, e) ||
        num_price(f, i + 2, &o->low, e) || num_price(f, i + 3, &o->close, e) ||
        num_double(f, i + 4, &o->volume, e) || num_double(f, i + 5, &o->wap, e) ||
        num_int(f, i + 6, &o->count, e))
        return -1;
    if (o->high < o->low || o->open > o->high || o->open < o->low || o->close > o->high ||
        o->close < o->low)
        return tb_errf(e, "ibkr bars: high/low do not contain open and close");
    if (o->volume < 0) o->volume = 0; /* -1: unknown */
    return 0;
}

int ibkr_dec_rt_bar(const tws_frame *f, int64_t *req_id, ibkr_bar *o, tb_err *e)
{
    memset(o, 0, sizeof *o);
    int64_t id;
    if (tws_field_int(f, 0, &id) != 0 || id != 50) return tb_errf(e, "ibkr bars: not message 50");
    if (f->n < IBKR_RT_BAR_FIELDS)
        return tb_errf(e, "ibkr bars: REAL_TIME_BARS has %d fields, expected %d", f->n,
                       IBKR_RT_BAR_FIELDS);
    if (num_int(f, 2, req_id, e) || num_int(f, 3, &o->time_s, e)) return -1;
    if (o->time_s <= 0 || o->time_s >= MAX_TIME_S)
        return tb_errf(e, "ibkr bars: bar time %lld", (long long)o->time_s);
    return bar_body(f, 4, o, e);
}

int ibkr_dec_hist(const tws_frame *f, int64_t *req_id, ibkr_bar *out, int cap, int *n, tb_err *e)
{
    int64_t id, count;
    *n = 0;
    if (tws_field_int(f, 0, &id) != 0 || id != 17) return tb_errf(e, "ibkr bars: not message 17");
    if (num_int(f, 1, req_id, e) || num_int(f, 4, &count, e)) return -1;
    if (count < 0 || count > cap || 5 + count * IBKR_HIST_BAR_FIELDS > f->n)
        return tb_errf(e, "ibkr bars: HISTORICAL_DATA itemCount %lld does not fit (%d fields)",
                       (long long)count, f->n);
    for (int k = 0; k < (int)count; k++) {
        int i = 5 + k * IBKR_HIST_BAR_FIELDS;
        ibkr_bar *o = &out[k];
        memset(o, 0, sizeof *o);
        if (num_int(f, i, &o->time_s, e) != 0)
            return tb_errf(e, "ibkr bars: bar date \"%.20s\" is not epoch seconds (formatDate 2)",
                           f->field[i]);
        if (o->time_s <= 0 || o->time_s >= MAX_TIME_S)
            return tb_errf(e, "ibkr bars: bar time %lld", (long long)o->time_s);
        if (bar_body(f, i + 1, o, e) != 0) return -1;
    }
    *n = (int)count;
    return 0;
}
