/*
 * limits.c - size and sanity limits on entries: per-symbol and total exposure (shares and
 * notional, open orders included), open positions, orders per minute, a price band against the
 * last trade (fat-finger check), minimum price and volume. Orders per minute count and limit
 * every order; the other limits let exits pass (counting working orders: see risk_order_make),
 * so a limit never traps a position.
 */
#include "risk/risk_priv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MINUTE_NS 60000000000LL

void risk_limits_note_order(tb_risk *r, int64_t now_ns)
{
    r->opm[r->opm_head] = now_ns;
    r->opm_head = (r->opm_head + 1) % RISK_OPM_MAX;
    if (r->opm_n < RISK_OPM_MAX) r->opm_n++;
}

static int orders_last_minute(const tb_risk *r, int64_t now_ns)
{
    int n = 0;
    for (int i = 0; i < r->opm_n; i++) {
        int64_t t = r->opm[(r->opm_head - 1 - i + RISK_OPM_MAX) % RISK_OPM_MAX];
        if (now_ns - t >= MINUTE_NS) break;
        n++;
    }
    return n;
}

/* Shares the symbol's working orders would add on the intent's side. */
static tb_qty pending_same_side(const tb_gate_ctx *cx, const char *sym, oms_side side)
{
    const oms_order *open[256];
    int n = oms_open_orders(cx->oms, sym, open, 256);
    tb_qty q = 0;
    for (int i = 0; i < n && i < 256; i++)
        if (open[i]->side == side && open[i]->leg == OMS_LEG_NONE)
            q += open[i]->qty - open[i]->filled_qty;
    return q;
}

/* Notional of every held position at its last price. */
static double book_notional(const tb_gate_ctx *cx, const risk_order *o)
{
    const risk_book *b = risk_book_get(cx, o);
    double sum = 0;
    for (int i = 0; i < b->n; i++) {
        double last = b->last[i];
        if (!isfinite(last)) last = tb_money_to_double(b->p[i]->avg_price);
        sum += fabs((double)b->p[i]->qty) * last;
    }
    return sum;
}

static int size_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n)
{
    const tb_risk_cfg *c = &r->cfg;
    tb_qty after =
        o->pos + o->signed_qty +
        (o->in->side == OMS_BUY ? 1 : -1) * pending_same_side(cx, o->in->symbol, o->in->side);
    tb_qty shares = after < 0 ? -after : after;
    if (c->limits.max_position_shares && shares > c->limits.max_position_shares) {
        snprintf(why, n, "position would be %lld shares of %s (limit %lld)", (long long)shares,
                 o->in->symbol, (long long)c->limits.max_position_shares);
        return 1;
    }
    double notional = (double)shares * o->price;
    if (c->limits.max_position_notional &&
        notional > tb_money_to_double(c->limits.max_position_notional)) {
        snprintf(why, n, "position would be $%.2f of %s (limit $%.2f)", notional, o->in->symbol,
                 tb_money_to_double(c->limits.max_position_notional));
        return 1;
    }
    /* The book is priced only for a total to check (off by default: 0). */
    double total =
        c->limits.max_total_notional ? book_notional(cx, o) + (double)o->opening * o->price : 0;
    if (c->limits.max_total_notional && total > tb_money_to_double(c->limits.max_total_notional)) {
        snprintf(why, n, "total exposure would be $%.2f (limit $%.2f)", total,
                 tb_money_to_double(c->limits.max_total_notional));
        return 1;
    }
    int npos = risk_book_held(cx, o)->n;
    if (c->limits.max_open_positions && o->pos == 0 && npos >= c->limits.max_open_positions) {
        snprintf(why, n, "%d positions open (limit %d)", npos, c->limits.max_open_positions);
        return 1;
    }
    return 0;
}

int risk_limits_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n)
{
    const tb_risk_cfg *c = &r->cfg;
    /* The rate counts and limits every order, exits included: a loop of exits is a runaway too. */
    if (c->limits.max_orders_per_minute &&
        orders_last_minute(r, cx->now_ns) >= c->limits.max_orders_per_minute) {
        snprintf(why, n, "%d orders in the last minute (limit %d)",
                 orders_last_minute(r, cx->now_ns), c->limits.max_orders_per_minute);
        return 1;
    }
    if (o->reduces) return 0;
    if (!isfinite(o->price) || o->price <= 0) {
        snprintf(why, n, "no price for %s yet", o->in->symbol);
        return 1;
    }
    if (c->limits.min_price && o->price < tb_money_to_double(c->limits.min_price)) {
        snprintf(why, n, "price $%.4f below the minimum $%.2f", o->price,
                 tb_money_to_double(c->limits.min_price));
        return 1;
    }
    double vol = cx->last_volume ? cx->last_volume(cx->price_ud, o->in->symbol) : NAN;
    if (c->limits.min_volume > 0 && !(vol >= c->limits.min_volume)) {
        snprintf(why, n, "last bar volume %.0f below the minimum %.0f", isfinite(vol) ? vol : 0,
                 c->limits.min_volume);
        return 1;
    }
    if (c->limits.price_band_pct > 0 && isfinite(o->last) && o->last > 0) {
        double off = fabs(o->price - o->last) / o->last * 100;
        if (off > c->limits.price_band_pct) {
            snprintf(why, n, "price $%.2f is %.1f%% from the last trade $%.2f (band %.0f%%)",
                     o->price, off, o->last, c->limits.price_band_pct);
            return 1;
        }
    }
    return size_check(r, cx, o, why, n);
}
