/*
 * paper.c - the paper broker's book keeping: its symbol table, the end of an order's life, the
 * queue of delayed updates, restore after a restart, and creation. The order verbs are in
 * paper_orders.c, the fill model in paper_fill.c, the account's sums in paper_account.c.
 */
#include "loop/stall.h"
#include "broker/paper.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "broker/paper_priv.h"
#include "util/touch.h"

int32_t paper_sym_add(paper *p, const char *s)
{
    int32_t i = paper_sym_find(p, s); /* every bar: the probe without a cursor to keep */
    if (i >= 0 || p->nsyms == p->cfg.max_symbols) return i;
    tb_hmap_it it;
    paper_sym_probe(p, s, &it);
    i = (int32_t)p->nsyms++;
    memset(&p->syms[i], 0, sizeof p->syms[i]);
    oms_pos_init(&p->syms[i].pos, s);
    p->syms[i].tradable = p->cfg.symbols == NULL;
    tb_hmap_put(&p->sym_map, &it, (uint32_t)i); /* room for max_symbols: sized in paper_new */
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

void paper_flush_due(paper *p, int64_t upto)
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
    tb_work_begin(TB_WORK_BROKER, "paper broker fills", NULL);
    paper *p = arg;
    paper_flush_due(p, INT64_MAX);
    tb_work_end();
}

void paper_emit_status(paper *p, const porder *o, oms_status st, const char *reason)
{
    if (!(p->timer && p->cfg.latency_ns > 0 && p->npend < PAPER_PENDING_MAX)) {
        /* Delivered now: the update points at the order's own strings, nothing is queued. */
        broker_update u = {.client_id = o->client_id,
                           .broker_id = o->broker_id,
                           .status = st,
                           .reason = reason && reason[0] ? reason : NULL,
                           .t_ns = p->now};
        if (p->fn) p->fn(p->ud, &u);
        return;
    }
    pending q;
    memset(&q, 0, sizeof q);
    oms_strlcpy(q.client_id, o->client_id, sizeof q.client_id);
    oms_strlcpy(q.broker_id, o->broker_id, sizeof q.broker_id);
    oms_strlcpy(q.reason, reason, sizeof q.reason);
    q.status = st;
    q.due_ns = 0;
    p->pend[p->npend++] = q;
    struct timeval tv = {(time_t)(p->cfg.latency_ns / 1000000000LL),
                         (suseconds_t)(p->cfg.latency_ns % 1000000000LL / 1000)};
    evtimer_add(p->timer, &tv);
}

void paper_set_dead(paper *p, porder *o)
{
    if (!o->live) return;
    o->live = 0;
    p->syms[o->sym].nlive--;
}

void paper_finish(paper *p, porder *o, oms_status st, const char *reason)
{
    paper_set_dead(p, o);
    paper_emit_status(p, o, st, reason);
}

void paper_restore_cash(paper *p, tb_money cash)
{
    p->cash = cash;
}

int paper_restore_position(paper *p, const oms_position *pos, tb_err *e)
{
    int32_t i = paper_sym_add(p, pos->symbol);
    if (i < 0) return tb_errf(e, "paper: no room to restore %s", pos->symbol);
    p->syms[i].pos = *pos;
    p->syms[i].last = pos->avg_price;
    p->syms[i].has_price = 1;
    paper_revalue(p, &p->syms[i]);
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
    if (!p->orders || !p->syms || tb_hmap_init(&p->sym_map, p->cfg.max_symbols) != 0) {
        paper_free(p);
        return tb_errf(e, "paper: out of memory"), NULL;
    }
    p->cfg.symbols = NULL;
    for (int i = 0; i < c->nsymbols; i++) p->syms[paper_sym_add(p, c->symbols[i])].tradable = 1;
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

void paper_warm(paper *p, uint32_t n)
{
    if (p->norders == p->warm_norders && n <= p->warm_n) return; /* none taken since */
    p->warm_norders = p->norders, p->warm_n = n;
    for (uint32_t i = p->norders; i < p->norders + n && i < p->cfg.max_orders; i++)
        tb_touch(&p->orders[i], sizeof p->orders[i]);
}

void paper_free(paper *p)
{
    if (!p) return;
    if (p->timer) event_free(p->timer);
    free(p->orders);
    free(p->syms);
    tb_hmap_free(&p->sym_map);
    free(p);
}
