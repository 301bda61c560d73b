#include "broker/paper.h"
#include "util/hash.h"
#include "util/rand.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log/log.h"
#include "oms/position.h"
#include "util/idfmt.h"

typedef struct porder {
    char client_id[OMS_CLIENT_ID_MAX + 1];
    char broker_id[OMS_BROKER_ID_MAX + 1];
    int32_t sym;
    oms_side side;
    oms_type type;
    oms_tif tif;
    oms_leg leg;
    tb_qty qty, filled;
    tb_money limit, stop, notional;
    int live, active, triggered, commission_charged;
    int64_t submit_t, eligible_t;
    int32_t parent, tp, sl;
} porder;

typedef struct psym {
    oms_position pos;
    tb_money last;
    int has_price, tradable;
    int nlive;   /* live orders: a bar of a symbol with none skips the order scan */
    tb_money mv; /* last x qty as the account's sums below hold it */
} psym;

/* An update waiting for the latency timer (strings copied). */
typedef struct pending {
    char client_id[OMS_CLIENT_ID_MAX + 1];
    char broker_id[OMS_BROKER_ID_MAX + 1];
    char reason[OMS_REASON_MAX + 1];
    oms_status status;
    int64_t due_ns;
} pending;

#define PAPER_PENDING_MAX 1024

struct paper {
    paper_config cfg;
    porder *orders;
    uint32_t norders;
    uint32_t first_live; /* every order before it is dead (orders are appended, never revived) */
    psym *syms;
    uint32_t nsyms;
    int32_t *slots; /* open addressing: symbol name -> index in syms, -1 empty */
    uint32_t mask;
    tb_money cash;
    /* Sums of every symbol's market value and its absolute value, kept as prices and positions
     * change (the account is asked on every bar by the gates); checked against a full sum at
     * every fill. */
    tb_money mv_sum, mv_gross;
    uint64_t invariant_violations;
    broker_state state;
    broker_update_fn fn;
    void *ud;
    uint64_t rng;
    int64_t now;
    int market_open;
    pending pend[PAPER_PENDING_MAX];
    int npend;
    struct event *timer;
};

/* FNV-1a 64 of a client order id: stable names for the exchange's ids across restarts. */
static uint64_t id_hash(const char *s)
{
    return tb_fnv64_str(TB_FNV64_SEED, s);
}

static uint32_t sym_hash(const char *s)
{
    return tb_fnv32_str(s);
}

/* Every bar looks its symbol up: a hash probe, not a scan of all symbols. */
static int32_t sym_find(const paper *p, const char *s)
{
    for (uint32_t i = sym_hash(s) & p->mask;; i = (i + 1) & p->mask) {
        int32_t k = p->slots[i];
        if (k < 0) return -1;
        if (strcmp(p->syms[k].pos.symbol, s) == 0) return k;
    }
}

static int32_t sym_add(paper *p, const char *s)
{
    int32_t i = sym_find(p, s);
    if (i >= 0 || p->nsyms == p->cfg.max_symbols) return i;
    i = (int32_t)p->nsyms++;
    memset(&p->syms[i], 0, sizeof p->syms[i]);
    oms_pos_init(&p->syms[i].pos, s);
    p->syms[i].tradable = p->cfg.symbols == NULL;
    uint32_t j = sym_hash(s) & p->mask;
    while (p->slots[j] >= 0) j = (j + 1) & p->mask;
    p->slots[j] = i;
    return i;
}

/* ---- updates ---- */

static void deliver(paper *p, const pending *q)
{
    broker_update u = {.client_id = q->client_id,
                       .broker_id = q->broker_id,
                       .status = q->status,
                       .reason = q->reason[0] ? q->reason : NULL,
                       .t_ns = p->now};
    if (p->fn) p->fn(p->ud, &u);
}

static void flush_due(paper *p, int64_t upto)
{
    int k = 0;
    for (int i = 0; i < p->npend; i++) {
        if (p->pend[i].due_ns <= upto) {
            pending q = p->pend[i];
            deliver(p, &q);
        } else
            p->pend[k++] = p->pend[i];
    }
    p->npend = k;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    paper *p = arg;
    flush_due(p, INT64_MAX);
}

/* Status update without an execution; delayed by latency when an event_base is set. */
static void emit_status(paper *p, const porder *o, oms_status st, const char *reason)
{
    pending q;
    memset(&q, 0, sizeof q);
    oms_strlcpy(q.client_id, o->client_id, sizeof q.client_id);
    oms_strlcpy(q.broker_id, o->broker_id, sizeof q.broker_id);
    oms_strlcpy(q.reason, reason, sizeof q.reason);
    q.status = st;
    if (p->timer && p->cfg.latency_ns > 0 && p->npend < PAPER_PENDING_MAX) {
        q.due_ns = 0;
        p->pend[p->npend++] = q;
        struct timeval tv = {(time_t)(p->cfg.latency_ns / 1000000000LL),
                             (suseconds_t)(p->cfg.latency_ns % 1000000000LL / 1000)};
        evtimer_add(p->timer, &tv);
        return;
    }
    deliver(p, &q);
}

/* The first order that may be live: the scans below start there, not at the session's first
 * order (a busy session holds thousands of finished orders until paper_end_session). */
static uint32_t live_from(paper *p)
{
    while (p->first_live < p->norders && !p->orders[p->first_live].live) p->first_live++;
    return p->first_live;
}

static void set_dead(paper *p, porder *o)
{
    if (!o->live) return;
    o->live = 0;
    p->syms[o->sym].nlive--;
}

static void finish(paper *p, porder *o, oms_status st, const char *reason)
{
    set_dead(p, o);
    emit_status(p, o, st, reason);
}

/* ---- account ---- */

static tb_money market_value(const psym *s)
{
    tb_money mv = 0;
    tb_money_mul_qty(s->last, s->pos.qty, &mv, NULL);
    return mv;
}

/* After a symbol's last price or position changed: its share of the account's sums. */
static void revalue(paper *p, psym *s)
{
    tb_money mv = market_value(s);
    p->mv_sum += mv - s->mv;
    p->mv_gross += (mv < 0 ? -mv : mv) - (s->mv < 0 ? -s->mv : s->mv);
    s->mv = mv;
}

/* The kept sums equal a full sum over the symbols; a difference is an ERROR and a count (and the
 * full sums are taken, so one slip does not stay). */
static void check_sums(paper *p)
{
    tb_money sum = 0, gross = 0;
    for (uint32_t i = 0; i < p->nsyms; i++) {
        tb_money mv = market_value(&p->syms[i]);
        sum += mv;
        gross += mv < 0 ? -mv : mv;
    }
    if (sum == p->mv_sum && gross == p->mv_gross) return;
    p->invariant_violations++;
    TB_ERROR("paper", "INVARIANT VIOLATED: paper_account_sums: kept %lld/%lld, full %lld/%lld",
             (long long)p->mv_sum, (long long)p->mv_gross, (long long)sum, (long long)gross);
    p->mv_sum = sum, p->mv_gross = gross;
}

uint64_t paper_invariant_violations(const paper *p)
{
    return p->invariant_violations;
}

broker_account paper_account(const paper *p)
{
    broker_account a = {BROKER_HAS_CASH | BROKER_HAS_EQUITY | BROKER_HAS_BUYING_POWER, p->cash,
                        p->cash + p->mv_sum, 0};
    a.buying_power = p->cfg.margin == PAPER_CASH ? p->cash : 2 * a.equity - p->mv_gross;
    if (a.buying_power < 0) a.buying_power = 0;
    return a;
}

/* Money reserved by working orders that open exposure. */
static tb_money reserved(paper *p)
{
    tb_money r = 0;
    for (uint32_t i = live_from(p); i < p->norders; i++) {
        const porder *o = &p->orders[i];
        if (!o->live || o->leg != OMS_LEG_NONE) continue;
        tb_money px = o->limit ? o->limit : o->stop ? o->stop : p->syms[o->sym].last;
        r += px * (o->qty - o->filled);
    }
    return r;
}

/* ---- vtable ---- */

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
    tb_idbuf_hex16(&b, id_hash(src->client_id));
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
    if (need > a.buying_power - reserved(p)) return "insufficient buying power";
    return NULL;
}

static int v_submit(void *self, const broker_submit_req *r, tb_err *e)
{
    paper *p = self;
    if (p->state != BROKER_READY) return tb_errf(e, "paper: not connected");
    const oms_order *parts[3] = {r->order, r->take_profit, r->stop_loss};
    int32_t sym = sym_find(p, r->order->symbol);
    const char *why = check_order(p, r->order, sym);
    porder tmp;
    if (why) {
        memset(&tmp, 0, sizeof tmp);
        oms_strlcpy(tmp.client_id, r->order->client_id, sizeof tmp.client_id);
        emit_status(p, &tmp, OMS_ST_REJECTED, why);
        for (int i = 1; i < 3; i++)
            if (parts[i]) {
                oms_strlcpy(tmp.client_id, parts[i]->client_id, sizeof tmp.client_id);
                emit_status(p, &tmp, OMS_ST_CANCELED, "parent rejected");
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
    emit_status(p, o, OMS_ST_ACCEPTED, NULL);
    if (tp) emit_status(p, tp, OMS_ST_HELD, NULL);
    if (sl) emit_status(p, sl, OMS_ST_HELD, NULL);
    return 0;
}

static porder *find_live(paper *p, const char *client_id)
{
    for (uint32_t i = p->norders, lo = live_from(p); i-- > lo;)
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
    finish(p, o, OMS_ST_CANCELED, "canceled by request");
    if (o->leg == OMS_LEG_NONE && o->tp >= 0) {
        porder *legs[2] = {&p->orders[o->tp], &p->orders[o->sl]};
        for (int i = 0; i < 2; i++)
            if (legs[i]->live) finish(p, legs[i], OMS_ST_CANCELED, "parent canceled");
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
    finish(p, o, OMS_ST_REPLACED, NULL);
    porder *n = alloc_order(p, r->new_order, o->sym);
    emit_status(p, n, OMS_ST_ACCEPTED, NULL);
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

/* ---- bars ---- */

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
    revalue(p, s);
    check_sums(p);
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
    tb_idbuf_hex16(&b, id_hash(o->client_id));
    tb_idbuf_str(&b, "-");
    tb_idbuf_dec(&b, (long long)o->filled, 0);
    int done = o->filled == o->qty;
    if (done) set_dead(p, o);
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
            finish(p, sib, OMS_ST_CANCELED, "other bracket leg filled");
        else if (sib->live)
            sib->qty = sib->filled + (o->qty - o->filled); /* one-cancels-other, pro rata */
    } else if (done && o->tp >= 0) {
        porder *legs[2] = {&p->orders[o->tp], &p->orders[o->sl]};
        for (int i = 0; i < 2; i++) {
            legs[i]->active = 1;
            legs[i]->submit_t = t;
            legs[i]->eligible_t = t + 1; /* from the next bar: no intra-bar guessing */
            emit_status(p, legs[i], OMS_ST_ACCEPTED, NULL);
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
    int32_t si = sym_add(p, symbol);
    if (si < 0) return tb_errf(e, "paper: more than %u symbols", p->cfg.max_symbols);
    if (t_ns > p->now) p->now = t_ns;
    if (p->timer) flush_due(p, INT64_MAX);
    tb_qty left = volume;
    if (p->cfg.participation_pct > 0) left = volume * p->cfg.participation_pct / 100;
    for (uint32_t i = live_from(p); p->syms[si].nlive > 0 && i < p->norders; i++) {
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
        if (o->live && o->tif == OMS_TIF_IOC) finish(p, o, OMS_ST_CANCELED, "ioc remainder");
    }
    p->syms[si].last = close;
    p->syms[si].has_price = 1;
    revalue(p, &p->syms[si]);
    return 0;
}

void paper_end_session(paper *p)
{
    for (uint32_t i = 0; i < p->norders; i++) {
        porder *o = &p->orders[i];
        if (o->live && o->tif != OMS_TIF_GTC) finish(p, o, OMS_ST_EXPIRED, "end of session");
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

void paper_restore_cash(paper *p, tb_money cash)
{
    p->cash = cash;
}

int paper_restore_position(paper *p, const oms_position *pos, tb_err *e)
{
    int32_t i = sym_add(p, pos->symbol);
    if (i < 0) return tb_errf(e, "paper: no room to restore %s", pos->symbol);
    p->syms[i].pos = *pos;
    p->syms[i].last = pos->avg_price;
    p->syms[i].has_price = 1;
    revalue(p, &p->syms[i]);
    return 0;
}

void paper_set_market_open(paper *p, int open)
{
    p->market_open = open;
}

int paper_pending_updates(const paper *p)
{
    return p->npend;
}

paper *paper_new(const paper_config *c, tb_err *e)
{
    paper *p = calloc(1, sizeof *p);
    if (!p) return tb_errf(e, "paper: out of memory"), NULL;
    p->cfg = *c;
    if (!p->cfg.max_orders) p->cfg.max_orders = 4096;
    if (!p->cfg.max_symbols) p->cfg.max_symbols = 1024;
    if ((uint32_t)c->nsymbols > p->cfg.max_symbols) p->cfg.max_symbols = (uint32_t)c->nsymbols;
    p->orders = calloc(p->cfg.max_orders, sizeof *p->orders);
    p->syms = calloc(p->cfg.max_symbols, sizeof *p->syms);
    uint32_t nslots = 16;
    while (nslots < 2 * p->cfg.max_symbols) nslots *= 2; /* load factor <= 1/2 */
    p->mask = nslots - 1;
    p->slots = malloc(nslots * sizeof *p->slots);
    if (p->slots) memset(p->slots, 0xff, nslots * sizeof *p->slots);
    if (!p->orders || !p->syms || !p->slots) {
        paper_free(p);
        return tb_errf(e, "paper: out of memory"), NULL;
    }
    p->cfg.symbols = NULL;
    for (int i = 0; i < c->nsymbols; i++) p->syms[sym_add(p, c->symbols[i])].tradable = 1;
    p->cfg.symbols = c->symbols;
    p->cash = c->initial_cash;
    p->rng = c->seed;
    p->market_open = 1;
    p->state = BROKER_DISCONNECTED;
    if (c->base) {
        p->timer = evtimer_new(c->base, on_timer, p);
        if (!p->timer) {
            paper_free(p);
            return tb_errf(e, "paper: cannot create timer"), NULL;
        }
    }
    return p;
}

void paper_free(paper *p)
{
    if (!p) return;
    if (p->timer) event_free(p->timer);
    free(p->orders);
    free(p->syms);
    free(p->slots);
    free(p);
}
