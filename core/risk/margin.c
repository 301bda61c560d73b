/*
 * margin.c - the intraday margin guard (FINRA's 2026 rule): before an order that opens or adds
 * exposure, equity (cash plus positions at their last prices) must cover the maintenance
 * requirement on the exposure the order would leave. Working orders count at their worst: a
 * symbol's requirement is taken on position plus every open buy (long side) or minus every open
 * sell (short side), whichever needs more. Orders that reduce exposure always pass.
 *
 * Requirements per side and price band (first band whose price bound is above the price):
 *   regulatory (FINRA 4210(c)): long 25%; short under $5: max(100%, $2.50/share), else
 *     max(30%, $5/share).
 *   alpaca (published house levels): long under $2.50: 100%, else 30%; short as regulatory.
 *   ibkr (Reg T maintenance as published): long 25%; short as regulatory.
 */
#include "risk/risk_priv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct band {
    double below, pct, per_share;
} band;

typedef struct preset {
    band lng[2], shrt[2];
} preset;

static const preset presets[] = {
    [TB_MARGIN_REGULATORY] = {{{INFINITY, 0.25, 0}}, {{5, 1.0, 2.5}, {INFINITY, 0.30, 5}}},
    [TB_MARGIN_ALPACA] = {{{2.5, 1.0, 0}, {INFINITY, 0.30, 0}},
                          {{5, 1.0, 2.5}, {INFINITY, 0.30, 5}}},
    [TB_MARGIN_IBKR] = {{{INFINITY, 0.25, 0}}, {{5, 1.0, 2.5}, {INFINITY, 0.30, 5}}},
};

static const char *const preset_names[] = {"regulatory", "alpaca", "ibkr", "off"};

/* fmax for the finite, non-negative figures below (a finite price, shares > 0), without libm's
 * call for every position of every intent: the same result. */
static inline double max2(double a, double b)
{
    return a > b ? a : b;
}

/* The first band whose bound is above the price, or the only one. */
static inline double side_req(const band *b, double price, double shares)
{
    const band *k = price < b[0].below || b[1].below == 0 ? &b[0] : &b[1];
    return max2(k->pct * price * shares, k->per_share * shares);
}

/* A symbol's requirement at price px: the worse of its long side (position plus open buys) and
 * its short side (position less open sells). */
static inline double symbol_req(const preset *p, double px, tb_qty pos, tb_qty buys, tb_qty sells)
{
    double lng = (double)(pos + buys), shrt = (double)(pos - sells);
    double rl = lng > 0 ? side_req(p->lng, px, lng) : 0;
    double rs = shrt < 0 ? side_req(p->shrt, px, -shrt) : 0;
    return max2(rl, rs);
}

#define EXPO_MAX 1024 /* symbols the requirement looks at */

/* A symbol that open orders or the intent touch: few per intent. The held positions nothing
 * touches are summed straight from the book. */
typedef struct expo {
    const char *symbol;
    /* The symbol's order manager position (held, or flat with open orders): one per symbol, so
     * entries match by pointer, and it is priced without a lookup by name. NULL: the intent's
     * symbol, unknown to the order manager. */
    const oms_position *p;
    int held; /* its index in the book; -1: not held (its position counts as flat) */
    tb_qty buys, sells;
} expo;

typedef struct expos {
    expo x[EXPO_MAX];
    int n, nheld;     /* entries; the book's positions that count as held */
    int at[EXPO_MAX]; /* held position i's entry + 1; 0: untouched */
    const risk_book *b;
} expos;

/* p's index among the book's held positions, or -1. The book is in ascending entry order
 * (oms_positions_held), so its pointers ascend: a binary search (an intent at the end of a day
 * meets tens of open orders, each searched for). */
static int book_index(const expos *s, const oms_position *p)
{
    int lo = 0, hi = s->nheld;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->b->p[mid] < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->nheld && s->b->p[lo] == p ? lo : -1;
}

/* The entry of position p (a symbol's: one per symbol), added if missing. A held position's is
 * found through at[]; another's by a walk from the newest entry (open orders come grouped by
 * symbol, so that is the first one looked at). */
static expo *expo_of(expos *s, const oms_position *p)
{
    int held = book_index(s, p);
    if (held >= 0 && s->at[held]) return &s->x[s->at[held] - 1];
    if (held < 0)
        for (int i = s->n - 1; i >= 0; i--)
            if (s->x[i].p == p) return &s->x[i];
    if (s->n == EXPO_MAX) return NULL;
    if (held >= 0) s->at[held] = s->n + 1;
    s->x[s->n] = (expo){.symbol = p->symbol, .p = p, .held = held};
    return &s->x[s->n++];
}

/* The intent's entry: its symbol may be held (found by pointer), have only open orders (a flat
 * position: compared by name, those entries are few), or be unknown to the order manager. */
static expo *intent_expo(expos *s, const oms_position *held, const char *sym)
{
    if (held && held->qty) return expo_of(s, held);
    for (int i = 0; i < s->n; i++)
        if (s->x[i].held < 0 && strcmp(s->x[i].symbol, sym) == 0) return &s->x[i];
    if (s->n == EXPO_MAX) return NULL;
    s->x[s->n] = (expo){.symbol = sym, .held = -1};
    return &s->x[s->n++];
}

/* The requirement of every symbol's worst-case exposure, with the intent added. Summed in the
 * book's order of held positions, then the other symbols in the order they were met: the same
 * sum, to the last bit, as one entry per symbol in that order. */
static double requirement(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o)
{
    static expos s; /* at[] is left zeroed after each use */
    s.b = risk_book_get(cx, o);
    s.n = 0;
    s.nheld = s.b->n < EXPO_MAX ? s.b->n : EXPO_MAX;
    const oms_order *open[1024];
    int no = oms_open_orders_all(cx->oms, open, 1024);
    for (int i = 0; i < no && i < 1024; i++) {
        expo *e = expo_of(&s, oms_order_position(cx->oms, open[i]));
        if (!e || open[i]->status == OMS_ST_HELD) continue; /* held legs are not working */
        tb_qty left = open[i]->qty - open[i]->filled_qty;
        if (open[i]->side == OMS_BUY)
            e->buys += left;
        else
            e->sells += left;
    }
    expo *me = intent_expo(&s, o->position, o->in->symbol);
    if (me) {
        if (o->in->side == OMS_BUY)
            me->buys += o->in->qty;
        else
            me->sells += o->in->qty;
    }
    const preset *p = &presets[r->cfg.margin];
    double req = 0;
    for (int i = 0; i < s.nheld; i++) {
        tb_qty pos = s.b->p[i]->qty;
        if (!s.at[i]) { /* its position alone: symbol_req(p, px, pos, 0, 0) on its one side */
            double px = s.b->last[i];
            if (!isfinite(px) || !pos) continue; /* a flat one adds +0: nothing */
            req += pos > 0 ? max2(side_req(p->lng, px, (double)pos), 0)
                           : max2(0, side_req(p->shrt, px, -(double)pos));
            continue;
        }
        const expo *e = &s.x[s.at[i] - 1];
        s.at[i] = 0;
        double px = e == me ? o->price : s.b->last[i];
        if (isfinite(px)) req += symbol_req(p, px, pos, e->buys, e->sells);
    }
    for (int i = 0; i < s.n; i++) {
        const expo *e = &s.x[i];
        if (e->held >= 0) continue;
        double px = e == me ? o->price
                    : e->p  ? tb_gate_position_last(cx, e->p)
                            : cx->last_price(cx->price_ud, e->symbol);
        if (isfinite(px)) req += symbol_req(p, px, 0, e->buys, e->sells);
    }
    return req;
}

int risk_margin_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n)
{
    if (r->cfg.margin == TB_MARGIN_OFF || o->opening == 0 || !cx->oms) return 0;
    if (!(cx->account.has & BROKER_HAS_EQUITY) || !isfinite(o->price)) return 0;
    double equity = tb_money_to_double(cx->account.equity), req = requirement(r, cx, o);
    if (req <= equity) return 0;
    snprintf(why, n,
             "intraday margin: maintenance requirement $%.2f after this order exceeds equity "
             "$%.2f (%s)",
             req, equity, preset_names[r->cfg.margin]);
    return 1;
}
