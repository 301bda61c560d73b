/*
 * paper_orders.c - the paper broker behind the broker vtable: connect, submit (checked like a
 * broker would: market hours, symbol, buying power), cancel, replace, positions, account.
 */
#include "broker/paper.h"

#include <string.h>

#include "broker/paper_priv.h"
#include "util/idfmt.h"

static int v_connect(void *self, tb_err *e)
{
    ((paper *)self)->state = BROKER_READY;
    return 0;
}

static int v_disconnect(void *self, tb_err *e)
{
    ((paper *)self)->state = BROKER_DISCONNECTED;
    return 0;
}

static broker_state v_state(void *self)
{
    return ((paper *)self)->state;
}

static int is_open(paper *p)
{
    return p->cfg.market_open_fn ? p->cfg.market_open_fn(p->cfg.market_open_ud, p->now)
                                 : p->market_open;
}

static porder *alloc_order(paper *p, const oms_order *src, int32_t sym)
{
    if (p->norders == p->cfg.max_orders) return NULL; /* callers check room first */
    porder *o = &p->orders[p->norders++];
    memset(o, 0, sizeof *o);
    oms_strlcpy(o->client_id, src->client_id, sizeof o->client_id);
    /* Like execution ids, broker ids must not repeat after a restart: derived from our id. */
    tb_idbuf b; /* "po-%016llx" */
    tb_idbuf_init(&b, o->broker_id, sizeof o->broker_id);
    tb_idbuf_str(&b, "po-");
    tb_idbuf_hex16(&b, paper_id_hash(src->client_id));
    o->sym = sym;
    o->side = src->side;
    o->type = src->type;
    o->tif = src->tif;
    o->leg = src->leg;
    o->qty = src->qty;
    o->limit = src->limit_price;
    o->stop = src->stop_price;
    o->live = 1;
    p->syms[sym].nlive++;
    o->active = src->leg == OMS_LEG_NONE;
    o->submit_t = p->now;
    o->eligible_t = p->now + p->cfg.latency_ns;
    o->parent = o->tp = o->sl = -1;
    return o;
}

/* Checks a new order like a broker would; returns NULL when fine, else the reject reason. */
static const char *check_order(paper *p, const oms_order *o, int32_t sym)
{
    if (o->qty <= 0) return "qty must be positive";
    if (sym < 0 || !p->syms[sym].tradable || !p->syms[sym].has_price) return "unknown symbol";
    if (!is_open(p)) return "market is closed";
    if (o->leg != OMS_LEG_NONE) return NULL;
    const psym *s = &p->syms[sym];
    tb_qty opening = o->qty;
    if (o->side == OMS_SELL) {
        tb_qty longq = s->pos.qty > 0 ? s->pos.qty : 0;
        opening = o->qty > longq ? o->qty - longq : 0;
        if (opening > 0 && p->cfg.margin == PAPER_CASH)
            return "short sale not allowed in a cash account";
    } else if (s->pos.qty < 0) {
        opening = o->qty > -s->pos.qty ? o->qty + s->pos.qty : 0;
    }
    if (opening == 0) return NULL;
    tb_money px = o->limit_price ? o->limit_price : o->stop_price ? o->stop_price : s->last;
    int64_t slip = 0;
    tb_money_muldiv(px, p->cfg.slippage_bps, 10000, &slip, NULL);
    tb_money need;
    if (tb_money_mul_qty(px + slip, opening, &need, NULL) < 0) return "insufficient buying power";
    broker_account a = paper_account(p);
    if (need > a.buying_power - paper_reserved(p)) return "insufficient buying power";
    return NULL;
}

static int v_submit(void *self, const broker_submit_req *r, tb_err *e)
{
    paper *p = self;
    if (p->state != BROKER_READY) return tb_errf(e, "paper: not connected");
    const oms_order *parts[3] = {r->order, r->take_profit, r->stop_loss};
    int32_t sym = paper_sym_find(p, r->order->symbol);
    const char *why = check_order(p, r->order, sym);
    porder tmp;
    if (why) {
        memset(&tmp, 0, sizeof tmp);
        oms_strlcpy(tmp.client_id, r->order->client_id, sizeof tmp.client_id);
        paper_emit_status(p, &tmp, OMS_ST_REJECTED, why);
        for (int i = 1; i < 3; i++)
            if (parts[i]) {
                oms_strlcpy(tmp.client_id, parts[i]->client_id, sizeof tmp.client_id);
                paper_emit_status(p, &tmp, OMS_ST_CANCELED, "parent rejected");
            }
        return 0;
    }
    if (p->norders + 3 > p->cfg.max_orders) return tb_errf(e, "paper: order book full");
    porder *o = alloc_order(p, r->order, sym);
    int32_t pi = (int32_t)(o - p->orders);
    porder *tp = r->take_profit ? alloc_order(p, r->take_profit, sym) : NULL;
    porder *sl = r->stop_loss ? alloc_order(p, r->stop_loss, sym) : NULL;
    if (tp && sl) {
        o->tp = (int32_t)(tp - p->orders);
        o->sl = (int32_t)(sl - p->orders);
        tp->parent = sl->parent = pi;
        tp->sl = o->sl;
        sl->tp = o->tp;
    }
    paper_emit_status(p, o, OMS_ST_ACCEPTED, NULL);
    if (tp) paper_emit_status(p, tp, OMS_ST_HELD, NULL);
    if (sl) paper_emit_status(p, sl, OMS_ST_HELD, NULL);
    return 0;
}

static porder *find_live(paper *p, const char *client_id)
{
    for (uint32_t i = p->norders, lo = paper_live_from(p); i-- > lo;)
        if (p->orders[i].live && strcmp(p->orders[i].client_id, client_id) == 0)
            return &p->orders[i];
    return NULL;
}

static int v_cancel(void *self, const oms_order *oo, tb_err *e)
{
    paper *p = self;
    if (p->state != BROKER_READY) return tb_errf(e, "paper: not connected");
    porder *o = find_live(p, oo->client_id);
    if (!o) return tb_errf(e, "paper: order %s is not working", oo->client_id);
    paper_finish(p, o, OMS_ST_CANCELED, "canceled by request");
    if (o->leg == OMS_LEG_NONE && o->tp >= 0) {
        porder *legs[2] = {&p->orders[o->tp], &p->orders[o->sl]};
        for (int i = 0; i < 2; i++)
            if (legs[i]->live) paper_finish(p, legs[i], OMS_ST_CANCELED, "parent canceled");
    }
    return 0;
}

static int v_replace(void *self, const broker_replace_req *r, tb_err *e)
{
    paper *p = self;
    if (p->state != BROKER_READY) return tb_errf(e, "paper: not connected");
    porder *o = find_live(p, r->old_order->client_id);
    if (!o) return tb_errf(e, "paper: order %s is not working", r->old_order->client_id);
    if (p->norders == p->cfg.max_orders) return tb_errf(e, "paper: order book full");
    paper_finish(p, o, OMS_ST_REPLACED, NULL);
    porder *n = alloc_order(p, r->new_order, o->sym);
    paper_emit_status(p, n, OMS_ST_ACCEPTED, NULL);
    return 0;
}

static int v_positions(void *self, broker_position *out, int cap, int *n, tb_err *e)
{
    paper *p = self;
    int k = 0;
    for (uint32_t i = 0; i < p->nsyms; i++) {
        if (!p->syms[i].pos.qty) continue;
        if (k == cap) return tb_errf(e, "paper: more than %d positions", cap);
        oms_strlcpy(out[k].symbol, p->syms[i].pos.symbol, sizeof out[k].symbol);
        out[k].qty = p->syms[i].pos.qty;
        out[k].avg_price = p->syms[i].pos.avg_price;
        k++;
    }
    *n = k;
    return 0;
}

static int v_account(void *self, broker_account *out, tb_err *e)
{
    *out = paper_account(self);
    return 0;
}

static void v_set_update(void *self, broker_update_fn fn, void *ud)
{
    paper *p = self;
    p->fn = fn;
    p->ud = ud;
}

static const broker_vtable paper_vt = {"paper",   v_connect,    v_disconnect, v_state,
                                       v_submit,  v_cancel,     v_replace,    v_positions,
                                       v_account, v_set_update, NULL,         NULL};

broker paper_broker(paper *p)
{
    broker b = {&paper_vt, p};
    return b;
}
