/*
 * fake_broker_match.c - the fake broker's trading: working orders against each new price,
 * partial fills, bracket legs (active once the parent filled, one-cancels-other), and day orders
 * expiring at the session's end.
 */
#include "fake_broker_priv.h"

#include <stdio.h>

static int marketable(fb_order *o, tb_money px)
{
    int buy = o->side == OMS_BUY;
    if ((o->type == OMS_STOP || o->type == OMS_STOP_LIMIT) && !o->triggered)
        o->triggered = buy ? px >= o->stop : px <= o->stop;
    switch (o->type) {
    case OMS_MARKET: return 1;
    case OMS_STOP: return o->triggered;
    case OMS_LIMIT: return buy ? px <= o->limit : px >= o->limit;
    case OMS_STOP_LIMIT: return o->triggered && (buy ? px <= o->limit : px >= o->limit);
    }
    return 0;
}

/* What may still trade: a bracket leg shares what its parent bought with its sibling (OCO). */
static tb_qty remaining(const fake_broker *b, const fb_order *o)
{
    tb_qty r = o->qty - o->filled;
    if (o->parent < 0) return r;
    const fb_order *p = &b->o[o->parent];
    tb_qty oco = p->filled - b->o[p->tp].filled - b->o[p->sl].filled;
    return oco < r ? oco : r;
}

static void trade(fake_broker *b, int oi, tb_qty q, tb_money px)
{
    fb_order *o = &b->o[oi];
    if (b->nx == b->c.max_execs) return;
    int xi = b->nx++;
    o->filled += q;
    tb_qty sq = o->side == OMS_BUY ? q : -q;
    b->sym[o->sym].pos += sq;
    b->sym[o->sym].undelivered += sq;
    b->cash -= sq * px;
    int done = o->filled == o->qty;
    b->x[xi] = (fb_exec){
        oi,     o->last_exec, 0, q, o->filled, px, done ? OMS_ST_FILLED : OMS_ST_PARTIALLY_FILLED,
        b->t_ns};
    o->last_exec = xi;
    o->st = b->x[xi].st;
    char xid[32];
    fbp_trace(b, "broker fill %s %s %lld @ %lld cum %lld", o->cid, fbp_exec_id(xi, xid, sizeof xid),
              (long long)q, (long long)px, (long long)o->filled);
    fbp_emit(b, oi, xi, o->st, NULL);
    if (done) fbp_unlive(b, oi);
}

/* After a trade: a filled parent activates its legs; a leg that used up the position ends both. */
static void after_trade(fake_broker *b, int oi)
{
    fb_order *o = &b->o[oi];
    if (o->tp >= 0 && o->st == OMS_ST_FILLED) {
        int legs[2] = {o->tp, o->sl};
        for (int i = 0; i < 2; i++)
            if (b->o[legs[i]].st == OMS_ST_HELD) {
                b->o[legs[i]].st = OMS_ST_ACCEPTED;
                fbp_trace(b, "broker %s accepted (parent filled)", b->o[legs[i]].cid);
                fbp_emit(b, legs[i], -1, OMS_ST_ACCEPTED, NULL);
            }
    }
    if (o->parent >= 0 && remaining(b, o) == 0) {
        const fb_order *p = &b->o[o->parent];
        int legs[2] = {p->tp, p->sl};
        for (int i = 0; i < 2; i++)
            if (b->o[legs[i]].live_slot >= 0)
                fbp_set_final(b, legs[i], OMS_ST_CANCELED, "one-cancels-other");
    }
}

void fb_market(fake_broker *b, const char *symbol, tb_money price, int64_t step, int64_t t_ns)
{
    b->step = step, b->t_ns = t_ns;
    int s = fbp_sym_index(b, symbol);
    if (s < 0) return;
    b->sym[s].last = price;
    for (int i = 0; i < b->nlive; i++) {
        int oi = b->live[i];
        fb_order *o = &b->o[oi];
        if (o->sym != s || o->st == OMS_ST_HELD || !marketable(o, price)) continue;
        if (sim_pick(&b->rng, 100) >= b->c.fill_pct) continue;
        tb_qty r = remaining(b, o);
        if (r <= 0) continue;
        tb_qty q = r > 1 && sim_pick(&b->rng, 100) < b->c.partial_pct
                       ? 1 + sim_pick(&b->rng, (int)r - 1)
                       : r;
        tb_money px = o->type == OMS_LIMIT || o->type == OMS_STOP_LIMIT ? o->limit : price;
        int slot = o->live_slot;
        trade(b, oi, q, px);
        after_trade(b, oi);
        if (o->live_slot != slot) i--; /* it left the list: the slot holds another order now */
    }
}

void fb_end_session(fake_broker *b, int64_t step)
{
    b->step = step;
    for (int i = b->nlive - 1; i >= 0; i--) {
        if (i >= b->nlive) continue;
        int oi = b->live[i];
        if (b->o[oi].tif != OMS_TIF_GTC) fbp_set_final(b, oi, OMS_ST_EXPIRED, "day order expired");
    }
}
