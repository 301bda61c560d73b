/*
 * paper_fill.c - the paper fill model: which working orders fill on a bar, at what price
 * (slippage, limits, stops, participation), with what commission, and the brackets' legs;
 * the end of a session expires day orders (docs/orders.md, "Paper fill model").
 */
#include "broker/paper.h"

#include <stdlib.h>

#include "broker/paper_priv.h"
#include "util/idfmt.h"
#include "util/rand.h"

static tb_money slipped(paper *p, tb_money px, oms_side side)
{
    int64_t bps = p->cfg.slippage_bps;
    if (p->cfg.slippage_random && bps > 0)
        bps = (int64_t)(tb_rand_next(&p->rng) % (uint64_t)(bps + 1));
    int64_t s = 0;
    tb_money_muldiv(px, bps, 10000, &s, NULL);
    tb_money out = side == OMS_BUY ? px + s : px - s;
    out = tb_money_round_to(out, tb_money_tick(out));
    return out > 0 ? out : tb_money_tick(px);
}

/* The price an order fills at on this bar, or 0 if it does not fill. */
static tb_money fill_price(paper *p, porder *o, tb_money op, tb_money hi, tb_money lo)
{
    int buy = o->side == OMS_BUY, touch = p->cfg.limit_fill_on_touch;
    if (o->type == OMS_STOP || o->type == OMS_STOP_LIMIT) {
        if (!o->triggered) {
            if (buy ? hi < o->stop : lo > o->stop) return 0;
            o->triggered = 1;
            tb_money trig = buy ? (op > o->stop ? op : o->stop) : (op < o->stop ? op : o->stop);
            if (o->type == OMS_STOP) return slipped(p, trig, o->side);
            if (buy ? trig <= o->limit : trig >= o->limit) return trig;
            return 0; /* rests as a limit from the next bar */
        }
        if (o->type == OMS_STOP) return slipped(p, op, o->side);
    }
    if (o->type == OMS_LIMIT || o->type == OMS_STOP_LIMIT) {
        tb_money l = o->limit;
        int cross = buy ? (touch ? lo <= l : lo < l) : (touch ? hi >= l : hi > l);
        if (!cross) return 0;
        return buy ? (op < l ? op : l) : (op > l ? op : l);
    }
    return slipped(p, op, o->side);
}

static tb_money commission_for(paper *p, porder *o, tb_qty q)
{
    tb_money c = p->cfg.commission_per_share * q;
    if (!o->commission_charged) {
        o->commission_charged = 1;
        /* The minimum applies to the order's first fill (most orders fill once). */
        if (c < p->cfg.commission_min) c = p->cfg.commission_min;
        c += p->cfg.commission_per_order;
    }
    return c;
}

static void do_fill(paper *p, porder *o, tb_qty q, tb_money px, int64_t t)
{
    psym *s = &p->syms[o->sym];
    tb_money comm = commission_for(p, o, q), value = px * q;
    oms_pos_apply(&s->pos, o->side, q, px, comm, 0, NULL, NULL);
    paper_revalue(p, s);
    paper_check_sums(p);
    p->cash += (o->side == OMS_BUY ? -value : value) - comm;
    o->filled += q;
    o->notional += value;
    /* Execution ids must never repeat, across restarts too (a seeded random id did: the OMS then
     * took a new fill for a replayed one and skipped it). The order's id and the cumulative qty
     * name one execution. */
    char xid[OMS_EXEC_ID_MAX + 1];
    tb_idbuf b; /* "px-%016llx-%lld" */
    tb_idbuf_init(&b, xid, sizeof xid);
    tb_idbuf_str(&b, "px-");
    tb_idbuf_hex16(&b, paper_id_hash(o->client_id));
    tb_idbuf_str(&b, "-");
    tb_idbuf_dec(&b, (long long)o->filled, 0);
    int done = o->filled == o->qty;
    if (done) paper_set_dead(p, o);
    broker_update u = {.client_id = o->client_id,
                       .broker_id = o->broker_id,
                       .status = done ? OMS_ST_FILLED : OMS_ST_PARTIALLY_FILLED,
                       .has_exec = 1,
                       .exec_id = xid,
                       .exec_qty = q,
                       .exec_price = px,
                       .commission = comm,
                       .cum_qty = o->filled,
                       .avg_price = o->notional / o->filled,
                       .t_ns = t};
    if (p->fn) p->fn(p->ud, &u);
    if (o->leg != OMS_LEG_NONE) {
        porder *sib = &p->orders[o->leg == OMS_LEG_TAKE_PROFIT ? o->sl : o->tp];
        if (done && sib->live)
            paper_finish(p, sib, OMS_ST_CANCELED, "other bracket leg filled");
        else if (sib->live)
            sib->qty = sib->filled + (o->qty - o->filled); /* one-cancels-other, pro rata */
    } else if (done && o->tp >= 0) {
        porder *legs[2] = {&p->orders[o->tp], &p->orders[o->sl]};
        for (int i = 0; i < 2; i++) {
            legs[i]->active = 1;
            legs[i]->submit_t = t;
            legs[i]->eligible_t = t + 1; /* from the next bar: no intra-bar guessing */
            paper_emit_status(p, legs[i], OMS_ST_ACCEPTED, NULL);
        }
    }
}

/* Would a stop-loss leg trigger on this bar? (Both legs crossing: assume the stop came first.) */
static int stop_hits(const porder *sl, tb_money hi, tb_money lo)
{
    return sl->live && sl->active && (sl->side == OMS_BUY ? hi >= sl->stop : lo <= sl->stop);
}

int paper_on_bar(paper *p, const char *symbol, tb_money open, tb_money high, tb_money low,
                 tb_money close, tb_qty volume, int64_t t_ns, tb_err *e)
{
    if (open <= 0 || high < low || open > high || open < low || close > high || close < low ||
        volume < 0)
        return tb_errf(e, "paper: bad bar for %s", symbol);
    int32_t si = paper_sym_add(p, symbol);
    if (si < 0) return tb_errf(e, "paper: more than %u symbols", p->cfg.max_symbols);
    if (t_ns > p->now) p->now = t_ns;
    if (p->timer) paper_flush_due(p, INT64_MAX);
    tb_qty left = volume;
    if (p->cfg.participation_pct > 0) left = volume * p->cfg.participation_pct / 100;
    for (uint32_t i = paper_live_from(p); p->syms[si].nlive > 0 && i < p->norders; i++) {
        porder *o = &p->orders[i];
        if (!o->live || !o->active || o->sym != si) continue;
        if (t_ns <= o->submit_t || t_ns < o->eligible_t) continue;
        if (o->leg == OMS_LEG_TAKE_PROFIT && stop_hits(&p->orders[o->sl], high, low)) continue;
        tb_money px = fill_price(p, o, open, high, low);
        if (o->type == OMS_MARKET && o->tif == OMS_TIF_CLS) px = slipped(p, close, o->side);
        tb_qty q = o->qty - o->filled;
        if (p->cfg.participation_pct > 0 && q > left) q = left;
        if (px > 0 && q > 0) {
            left -= q;
            do_fill(p, o, q, px, t_ns);
        }
        if (o->live && o->tif == OMS_TIF_IOC) paper_finish(p, o, OMS_ST_CANCELED, "ioc remainder");
    }
    p->syms[si].last = close;
    p->syms[si].has_price = 1;
    paper_revalue(p, &p->syms[si]);
    return 0;
}

void paper_end_session(paper *p)
{
    for (uint32_t i = 0; i < p->norders; i++) {
        porder *o = &p->orders[i];
        if (o->live && o->tif != OMS_TIF_GTC) paper_finish(p, o, OMS_ST_EXPIRED, "end of session");
    }
    /* Drop finished orders whose bracket no longer needs them, so the book does not fill up. */
    uint32_t k = 0;
    int32_t *map = malloc(p->norders * sizeof *map);
    if (!map) return;
    for (uint32_t i = 0; i < p->norders; i++) {
        porder *o = &p->orders[i];
        int keep = o->live;
        if (o->leg == OMS_LEG_NONE && o->tp >= 0)
            keep |= p->orders[o->tp].live || p->orders[o->sl].live;
        else if (o->leg != OMS_LEG_NONE)
            keep |= p->orders[o->leg == OMS_LEG_TAKE_PROFIT ? o->sl : o->tp].live;
        map[i] = keep ? (int32_t)k : -1;
        if (keep) p->orders[k++] = *o;
    }
    for (uint32_t i = 0; i < k; i++) {
        porder *o = &p->orders[i];
        int32_t *links[3] = {&o->parent, &o->tp, &o->sl};
        for (int j = 0; j < 3; j++)
            if (*links[j] >= 0) *links[j] = map[*links[j]];
    }
    free(map);
    p->norders = k;
    p->first_live = 0;
}
