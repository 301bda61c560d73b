#include "cand/screen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DAYS 64

typedef struct day_agg {
    tb_date date;
    double open, high, low, close, volume;
} day_agg;

typedef struct sym_hist {
    day_agg days[MAX_DAYS]; /* sessions before D, oldest first (a ring when longer) */
    int n;
    double today_price; /* first bar of D, 0 when none */
} sym_hist;

static void add_bar(sym_hist *h, const tb_bar *b, tb_date day, tb_date d)
{
    if (day > d) return;
    if (day == d) {
        if (h->today_price == 0) h->today_price = b->open;
        return;
    }
    day_agg *a = h->n ? &h->days[h->n - 1] : NULL;
    if (!a || a->date != day) {
        if (h->n == MAX_DAYS) memmove(h->days, h->days + 1, (MAX_DAYS - 1) * sizeof *a), h->n--;
        a = &h->days[h->n++];
        *a = (day_agg){day, b->open, b->high, b->low, b->close, 0};
    }
    if (b->high > a->high) a->high = b->high;
    if (b->low < a->low) a->low = b->low;
    a->close = b->close;
    a->volume += b->volume;
}

static void features(const sym_hist *h, tb_cand *c)
{
    const day_agg *last = &h->days[h->n - 1];
    c->prev_close = last->close;
    c->price = h->today_price > 0 ? h->today_price : last->close;
    c->gap_pct = (c->price / c->prev_close - 1) * 100;
    int nv = 0;
    double vsum = 0, dv = 0, tr = 0;
    for (int i = h->n - 2; i >= 0 && nv < 10; i--, nv++) vsum += h->days[i].volume;
    c->rel_volume = nv && vsum > 0 ? last->volume / (vsum / nv) : 1;
    int k = 0;
    for (int i = h->n - 1; i >= 0 && k < 10; i--, k++) dv += h->days[i].close * h->days[i].volume;
    c->dollar_volume = dv / k;
    int na = 0;
    for (int i = h->n - 1; i >= 1 && na < 14; i--, na++) {
        const day_agg *a = &h->days[i];
        double pc = h->days[i - 1].close;
        tr += fmax(a->high, pc) - fmin(a->low, pc);
    }
    c->atr_pct = na ? tr / na / c->prev_close * 100 : 0;
    c->sessions = h->n;
}

int tb_screen_features(const tb_bar *bars, size_t n, const tb_symtab *syms, tb_date d, tb_cand *out,
                       int max)
{
    uint32_t nsym = 0;
    for (size_t i = 0; i < n; i++)
        if (bars[i].sym + 1 > nsym) nsym = bars[i].sym + 1;
    sym_hist *h = calloc(nsym ? nsym : 1, sizeof *h);
    if (!h) return -1;
    for (size_t i = 0; i < n; i++)
        if (bars[i].tf_sec == 60)
            add_bar(&h[bars[i].sym], &bars[i], tb_cal_session_day(bars[i].start_ns), d);
    int m = 0;
    for (uint32_t s = 0; s < nsym && m < max; s++) {
        const char *name = tb_symtab_name(syms, s);
        if (h[s].n < 2 || !name || strcmp(name, "VIX") == 0) continue;
        memset(&out[m], 0, sizeof out[m]);
        snprintf(out[m].symbol, sizeof out[m].symbol, "%s", name);
        features(&h[s], &out[m]);
        m++;
    }
    free(h);
    return m;
}

int tb_screen_pass(const tb_cand *c, const tb_cand_bounds *b)
{
    return c->price >= b->min_price && c->price <= b->max_price &&
           c->dollar_volume >= b->min_dollar_volume && c->atr_pct >= b->min_atr_pct &&
           c->atr_pct <= b->max_atr_pct && c->rel_volume >= b->min_rel_volume &&
           c->sessions >= b->min_sessions;
}
