/*
 * oms_strategy.c - who owns which shares: positions per strategy, the exposure a gate judges
 * (filled plus everything working) and the invariant tying the account to its strategies.
 */
#include "oms/oms_priv.h"
#include "log/log.h"

#include <stdio.h>
#include <string.h>

const oms_position *oms_strategy_position(const oms *m, const char *strategy, const char *symbol)
{
    if (!strategy || !symbol) return NULL;
    int32_t i = oms_book_find(&m->book, strategy, symbol);
    return i >= 0 ? &m->book.e[i].pos : NULL;
}

uint32_t oms_strategy_positions_made(const oms *m)
{
    return m->book.n;
}

tb_qty oms_strategy_qty(const oms *m, const char *strategy, const char *symbol)
{
    const oms_position *p = oms_strategy_position(m, strategy, symbol);
    return p ? p->qty : 0;
}

int oms_strategy_positions(const oms *m, const char **strategies, const oms_position **out, int cap)
{
    int n = 0;
    for (uint32_t i = 0; i < oms_book_slots(&m->book); i++) {
        int32_t k = oms_book_slot_entry(&m->book, i);
        if (k < 0) continue;
        const oms_book_entry *x = &m->book.e[k];
        if (n < cap) {
            if (strategies) strategies[n] = x->strategy;
            if (out) out[n] = &x->pos;
        }
        n++;
    }
    return n;
}

/* The unfilled rest of an open order as exposure, 0 for what cannot fill now: a held bracket
 * leg, or a take-profit leg whose stop-loss sibling is working (one cancels the other, so the
 * pair counts once). */
static tb_qty working_rest(const oms *m, const oms_order *o)
{
    if (o->status == OMS_ST_HELD || oms_status_is_terminal(o->status)) return 0;
    if (o->leg == OMS_LEG_TAKE_PROFIT) {
        char sib[OMS_CLIENT_ID_MAX + 1];
        snprintf(sib, sizeof sib, "%s-sl", o->parent_id);
        const oms_order *sl = oms_find(m, sib);
        if (sl && sl->status != OMS_ST_HELD && !oms_status_is_terminal(sl->status)) return 0;
    }
    tb_qty rest = o->qty - o->filled_qty;
    return rest > 0 ? rest : 0;
}

static void exposure_of(const oms *m, const char *strategy, const char *symbol, const sym_entry *y,
                        oms_exposure *out)
{
    memset(out, 0, sizeof *out);
    if (!y) return;
    if (strategy)
        out->filled = oms_strategy_qty(m, strategy, symbol);
    else if (y->traded)
        out->filled = y->pos.qty;
    for (int32_t i = y->open_head; i >= 0; i = m->slots[i].next) {
        const oms_order *o = &m->slots[i].o;
        if (strategy && strcmp(o->strategy, strategy) != 0) continue;
        tb_qty rest = working_rest(m, o);
        if (o->side == OMS_BUY)
            out->working_buy += rest;
        else
            out->working_sell += rest;
    }
}

void oms_exposure_get(const oms *m, const char *strategy, const char *symbol, oms_exposure *out)
{
    exposure_of(m, strategy, symbol, symbol ? oms_sym_lookup(m, symbol) : NULL, out);
}

const oms_position *oms_position_exposure(const oms *m, const char *symbol, oms_exposure *out)
{
    const sym_entry *y = symbol ? oms_sym_lookup(m, symbol) : NULL;
    exposure_of(m, NULL, symbol, y, out);
    return y && y->traded ? &y->pos : NULL;
}

int oms_check_symbol(oms *m, const sym_entry *y)
{
    tb_qty sum = 0;
    for (int32_t i = y->book_head; i >= 0; i = m->book.e[i].next_of_symbol)
        sum += m->book.e[i].pos.qty;
    tb_qty account = y->traded ? y->pos.qty : 0;
    if (sum == account) return 0;
    m->invariant_violations++;
    snprintf(m->last_invariant, sizeof m->last_invariant,
             "account_equals_strategy_sum: %s account %lld != sum of strategies %lld",
             y->pos.symbol, (long long)account, (long long)sum);
    TB_ERROR("oms", "INVARIANT VIOLATED: %s", m->last_invariant);
    return -1;
}

int oms_check_invariants(oms *m)
{
    int bad = 0;
    for (uint32_t u = 0; u < m->nsyms; u++)
        if (oms_check_symbol(m, &m->syms[m->used_idx[u]]) < 0) bad++;
    if (oms_check_lists(m) < 0) bad++;
    if (oms_check_id_recent(m) < 0) bad++;
    return bad;
}

uint64_t oms_invariant_violations(const oms *m)
{
    return m->invariant_violations;
}

const char *oms_last_invariant_violation(const oms *m)
{
    return m->last_invariant;
}

int oms_restore_strategy_position(oms *m, const char *strategy, const oms_position *p, tb_err *e)
{
    int32_t sym = oms_sym_get(m, p->symbol, e);
    if (sym < 0) return -1;
    int32_t i = oms_book_get(&m->book, strategy, p->symbol, &m->syms[sym].book_head, e);
    if (i < 0) return -1;
    m->book.e[i].pos = *p;
    return 0;
}

int oms_symbol_strategies(const oms *m, const char *symbol, const char **strategies,
                          const oms_position **out, int cap)
{
    const sym_entry *y = oms_sym_lookup(m, symbol);
    int n = 0;
    for (int32_t i = y ? y->book_head : -1; i >= 0; i = m->book.e[i].next_of_symbol) {
        if (n < cap) {
            if (strategies) strategies[n] = m->book.e[i].strategy;
            if (out) out[n] = &m->book.e[i].pos;
        }
        n++;
    }
    return n;
}

int oms_intent_reduces(const oms *m, const char *strategy, const oms_intent *in)
{
    oms_exposure x;
    oms_exposure_get(m, strategy, in->symbol, &x);
    if (in->qty <= 0) return 0;
    if (in->side == OMS_SELL) return x.filled > 0 && in->qty <= x.filled - x.working_sell;
    return x.filled < 0 && in->qty <= -x.filled - x.working_buy;
}
