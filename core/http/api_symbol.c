/*
 * api_symbol.c - /api/symbol/<SYMBOL>: the recent bars of one symbol with indicator lines, and
 * the symbol's fills since the first of those bars as persisted (oms_fills), for the candlestick
 * chart's buy and sell markers.
 *
 * The trader keeps the last 512 bars per symbol and only the current indicator values, so the
 * lines are recomputed here by a fresh indicator set over those bars (a few microseconds): the
 * first bars of the window show no value until each indicator has its lookback.
 */
#include "http/dash_priv.h"
#include "data/calendar.h"
#include "ind/ind_set.h"
#include "log/log.h"
#include "oms/oms_store.h"
#include "util/clock.h"

#include <math.h>
#include <string.h>

static const struct {
    const char *key;
    ind_set_value v;
} lines[] = {{"sma", IND_SET_SMA},
             {"ema", IND_SET_EMA},
             {"vwap", IND_SET_VWAP},
             {"bb_upper", IND_SET_BB_UPPER},
             {"bb_lower", IND_SET_BB_LOWER},
             {"rsi", IND_SET_RSI},
             {"macd_hist", IND_SET_MACD_HIST}};
#define NLINES (sizeof lines / sizeof lines[0])

static int valid_symbol(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
            return 0;
    return 1;
}

#define SYMBOL_FILLS_MAX 2000

static void on_fill(void *ud, const oms_fill_row *f)
{
    char ts[40];
    json_array_append_new(ud,
                          json_pack("{s:f, s:s, s:s, s:I, s:f, s:s}", "t", (double)f->t_ns / 1e9,
                                    "time", tb_clock_fmt_utc(f->t_ns, ts, sizeof ts), "side",
                                    f->side, "qty", (json_int_t)f->qty, "price",
                                    tb_money_to_double(f->price), "strategy", f->strategy));
}

/* The symbol's persisted fills at or after from_ns, oldest first (the newest SYMBOL_FILLS_MAX). A
 * database that cannot be read leaves the list empty with a WARN: the bars still show. */
static json_t *fills_since(tb_dashboard *d, const char *sym, int64_t from_ns)
{
    json_t *a = json_array();
    if (!d->en->db) return a;
    tb_err e = {0};
    if (oms_store_symbol_fills(d->en->db->h, sym, from_ns, SYMBOL_FILLS_MAX, on_fill, a, &e) < 0)
        TB_WARN("dashboard", "symbol %s: %s", sym, e.msg);
    return a;
}

void tb_api_get_symbol(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    const char *sym = q->tail;
    if (!valid_symbol(sym)) {
        tb_http_reply_error(q->r, 400, "not a symbol");
        return;
    }
    const tb_ring *ring =
        d->en->runner_open ? tb_trader_symbol_bars(d->en->runner.trader, sym) : NULL;
    if (!ring) {
        tb_http_reply_error(q->r, 404, "no bars for this symbol yet");
        return;
    }
    ind_set_params p;
    ind_set_defaults(&p);
    ind_set *set = ind_set_new(&p);
    if (!set) {
        tb_http_reply_error(q->r, 500, "out of memory");
        return;
    }
    json_t *t = json_array(), *o = json_array(), *h = json_array(), *l = json_array(),
           *c = json_array(), *v = json_array(), *ind = json_object(), *cols[NLINES];
    for (size_t k = 0; k < NLINES; k++) {
        cols[k] = json_array();
        json_object_set_new(ind, lines[k].key, cols[k]);
    }
    for (uint32_t ago = ring->len; ago-- > 0;) {
        const tb_bar *b = tb_ring_get(ring, ago);
        ind_set_update(set, b->open, b->high, b->low, b->close, b->volume,
                       tb_cal_session_yyyymmdd(b->start_ns));
        json_array_append_new(t, json_integer((json_int_t)(b->start_ns / 1000000000)));
        json_array_append_new(o, json_real(b->open));
        json_array_append_new(h, json_real(b->high));
        json_array_append_new(l, json_real(b->low));
        json_array_append_new(c, json_real(b->close));
        json_array_append_new(v, json_real(b->volume));
        for (size_t k = 0; k < NLINES; k++) {
            double x = ind_set_get(set, lines[k].v);
            json_array_append_new(cols[k], isfinite(x) ? json_real(x) : json_null());
        }
    }
    ind_set_free(set);
    int64_t from = ring->len ? tb_ring_get(ring, ring->len - 1)->start_ns : INT64_MAX;
    tb_http_reply_json(q->r, 200,
                       json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "symbol", sym,
                                 "t", t, "open", o, "high", h, "low", l, "close", c, "volume", v,
                                 "indicators", ind, "fills", fills_since(d, sym, from)));
}
