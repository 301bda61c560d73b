/*
 * trade_log.c - closed trades rebuilt from oms_fills (see trade_log.h).
 */
#include "http/trade_log.h"
#include "data/symbols.h"
#include "oms/oms_store.h"
#include "oms/position.h"

#include <stdlib.h>
#include <string.h>

typedef struct sym_state {
    oms_position pos;
    int64_t open_ns;    /* first fill of the open position (0: flat) */
    tb_money fees_seen; /* the position's fees at its last closing fill */
} sym_state;

struct tb_trade_log {
    tb_symtab syms;
    sym_state *st;
    uint32_t capst;
    tb_trade_rec *trades;
    size_t n, cap;
    int64_t last_rowid;
    size_t fills;         /* rows read */
    tb_money commissions; /* their commissions, to notice one amended later */
    int64_t checked_ns;   /* the last look for amended commissions (0: never) */
};

tb_trade_log *tb_trade_log_new(void)
{
    tb_trade_log *l = calloc(1, sizeof *l);
    if (l) tb_symtab_init(&l->syms);
    return l;
}

static void reset(tb_trade_log *l)
{
    tb_symtab_free(&l->syms);
    tb_symtab_init(&l->syms);
    free(l->st);
    l->st = NULL, l->capst = 0, l->n = 0, l->last_rowid = 0, l->fills = 0, l->commissions = 0;
}

void tb_trade_log_free(tb_trade_log *l)
{
    if (!l) return;
    reset(l);
    free(l->trades);
    free(l);
}

const tb_trade_rec *tb_trade_log_trades(const tb_trade_log *l, size_t *n)
{
    *n = l->n;
    return l->trades;
}

size_t tb_trade_log_fills(const tb_trade_log *l)
{
    return l->fills;
}

static sym_state *state_of(tb_trade_log *l, const char *symbol, tb_err *e)
{
    int64_t id = tb_symtab_intern(&l->syms, symbol, e);
    if (id < 0) return NULL;
    if ((uint32_t)id >= l->capst) {
        uint32_t cap = l->capst ? l->capst * 2 : 64;
        sym_state *ns = realloc(l->st, cap * sizeof *ns);
        if (!ns) return tb_errf(e, "trade log: out of memory"), NULL;
        memset(ns + l->capst, 0, (cap - l->capst) * sizeof *ns);
        l->st = ns, l->capst = cap;
    }
    sym_state *s = &l->st[id];
    if (!s->pos.symbol[0]) oms_pos_init(&s->pos, symbol);
    return s;
}

static tb_trade_rec *next_trade(tb_trade_log *l, tb_err *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        tb_trade_rec *nt = realloc(l->trades, cap * sizeof *nt);
        if (!nt) return tb_errf(e, "trade log: out of memory"), NULL;
        l->trades = nt, l->cap = cap;
    }
    tb_trade_rec *r = &l->trades[l->n];
    memset(r, 0, sizeof *r);
    return r;
}

/* One persisted fill: moves its symbol's position; a fill that realises P&L is a trade. */
static int apply_row(tb_trade_log *l, const oms_fill_row *f, tb_err *e)
{
    const char *symbol = f->symbol;
    oms_side side;
    if (oms_side_parse(f->side, &side, e) < 0) return -1;
    tb_money price = f->price;
    int64_t t_ns = f->t_ns;
    sym_state *s = state_of(l, symbol, e);
    if (!s) return -1;
    oms_position before = s->pos;
    oms_pos_change chg;
    if (oms_pos_apply(&s->pos, side, f->qty, price, f->commission, f->session_day, &chg, e) < 0)
        return -1;
    if (!before.qty) s->open_ns = t_ns;
    if (chg.closed == 0) return 0; /* an opening fill */
    tb_trade_rec *r = next_trade(l, e);
    if (!r) {
        s->pos = before;
        return -1;
    }
    snprintf(r->symbol, sizeof r->symbol, "%s", symbol);
    snprintf(r->strategy, sizeof r->strategy, "%s", f->strategy);
    snprintf(r->reason, sizeof r->reason, "%s", f->reason);
    r->t_ns = t_ns, r->qty = chg.closed, r->price = price, r->pnl = chg.realized;
    r->side = (int)side, r->entry_ns = s->open_ns;
    r->fees = s->pos.fees - s->fees_seen; /* the round trip's: opening fills' too */
    s->fees_seen = s->pos.fees;
    l->n++;
    /* flat: the next fill opens; flipped through zero: the rest opened at this fill */
    if (s->pos.qty == 0 || (s->pos.qty > 0) != (before.qty > 0)) s->open_ns = s->pos.qty ? t_ns : 0;
    return 0;
}

/* 1 when the rows already read are still what they were (no commission amended, none gone). */
static int unchanged(tb_trade_log *l, sqlite3 *db, tb_err *e)
{
    if (!l->fills) return 1;
    int64_t n;
    tb_money fees;
    if (oms_store_fills_upto(db, l->last_rowid, &n, &fees, e) < 0) return -1;
    return (size_t)n == l->fills && fees == l->commissions;
}

typedef struct sync_ctx {
    tb_trade_log *l;
    tb_err *e;
    int bad; /* rows the positions could not take */
} sync_ctx;

static void on_fill(void *ud, const oms_fill_row *f)
{
    sync_ctx *c = ud;
    tb_err why = {0};
    /* A row the position cannot take (a corrupt side or quantity) is skipped and named: the
     * trades of the other rows still show. */
    if (apply_row(c->l, f, &why) < 0 && !c->bad++)
        tb_errf(c->e, "oms_fills: fill %s (%s): %s", f->exec_id, f->symbol, why.msg);
    c->l->last_rowid = f->rowid;
    c->l->fills++, c->l->commissions += f->commission;
}

int tb_trade_log_sync(tb_trade_log *l, sqlite3 *db, int64_t now_ns, tb_err *e)
{
    if (!l->checked_ns || now_ns - l->checked_ns >= TB_TRADE_LOG_RECHECK_NS) {
        int same = unchanged(l, db, e);
        if (same < 0) return -1;
        if (!same) reset(l);
        l->checked_ns = now_ns ? now_ns : 1;
    }
    sync_ctx c = {.l = l, .e = e};
    if (oms_store_fills_after(db, l->last_rowid, on_fill, &c, e) < 0) return -1;
    return c.bad ? -1 : 0;
}
