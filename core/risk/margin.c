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

static double side_req(const band *b, double price, double shares)
{
    for (int i = 0; i < 2; i++)
        if (price < b[i].below || i == 1 || b[i + 1].below == 0)
            return max2(b[i].pct * price * shares, b[i].per_share * shares);
    return 0;
}

typedef struct expo {
    const char *symbol;
    /* The symbol's order manager position (held, or flat with open orders): one per symbol, so
     * entries match by pointer, and it is priced without a lookup by name. NULL: the intent's
     * symbol, unknown to the order manager. */
    const oms_position *p;
    double last; /* a held position's price from the intent's book; NAN: ask position_last */
    tb_qty pos, buys, sells;
} expo;

/* The entry of position p (a symbol's: one per symbol), added if missing. */
static expo *expo_of(expo *x, int *n, int cap, const oms_position *p)
{
    for (int i = 0; i < *n; i++)
        if (x[i].p == p) return &x[i];
    if (*n == cap) return NULL;
    x[*n] = (expo){.symbol = p->symbol, .p = p, .last = NAN};
    return &x[(*n)++];
}

/* The intent's entry: its symbol may be held (found by pointer), have only open orders (a flat
 * position: compared by name, those entries are few), or be unknown to the order manager. */
static expo *intent_expo(const tb_gate_ctx *cx, expo *x, int *n, int nheld, int cap,
                         const char *sym)
{
    const oms_position *held = oms_position_get(cx->oms, sym);
    if (held && held->qty) return expo_of(x, n, cap, held);
    for (int i = nheld; i < *n; i++)
        if (strcmp(x[i].symbol, sym) == 0) return &x[i];
    if (*n == cap) return NULL;
    x[*n] = (expo){.symbol = sym, .last = NAN};
    return &x[(*n)++];
}

/* The requirement of every symbol's worst-case exposure, with the intent added. */
static double requirement(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o)
{
    static expo x[1024];
    int n = 0;
    const risk_book *b = risk_book_get(cx, o);
    /* Positions are one per symbol: each is a new entry, no search needed. */
    for (int i = 0; i < b->n && n < 1024; i++)
        x[n++] = (expo){
            .symbol = b->p[i]->symbol, .p = b->p[i], .last = b->last[i], .pos = b->p[i]->qty};
    int nheld = n;
    const oms_order *open[1024];
    int no = oms_open_orders_all(cx->oms, open, 1024);
    for (int i = 0; i < no && i < 1024; i++) {
        expo *e = expo_of(x, &n, 1024, oms_order_position(cx->oms, open[i]));
        if (!e || open[i]->status == OMS_ST_HELD) continue; /* held legs are not working */
        tb_qty left = open[i]->qty - open[i]->filled_qty;
        if (open[i]->side == OMS_BUY)
            e->buys += left;
        else
            e->sells += left;
    }
    expo *me = intent_expo(cx, x, &n, nheld, 1024, o->in->symbol);
    if (me) {
        if (o->in->side == OMS_BUY)
            me->buys += o->in->qty;
        else
            me->sells += o->in->qty;
    }
    const preset *p = &presets[r->cfg.margin];
    double req = 0;
    for (int i = 0; i < n; i++) {
        double px = &x[i] == me ? o->price
                    : i < nheld ? x[i].last
                    : x[i].p    ? tb_gate_position_last(cx, x[i].p)
                                : cx->last_price(cx->price_ud, x[i].symbol);
        if (!isfinite(px)) continue;
        double lng = (double)(x[i].pos + x[i].buys), shrt = (double)(x[i].pos - x[i].sells);
        double rl = lng > 0 ? side_req(p->lng, px, lng) : 0;
        double rs = shrt < 0 ? side_req(p->shrt, px, -shrt) : 0;
        req += max2(rl, rs);
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
