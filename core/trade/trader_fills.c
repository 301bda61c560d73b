/*
 * trader_fills.c - what the order manager tells the trader: fills counted with their fees, the
 * round trips recorded with their P&L (starting from a restored position's), the recent fills,
 * rejects counted by reason, the short invariant checked, and the owning strategy's on_fill or
 * on_order called with the order's table.
 */
#include "trade/trader.h"
#include "trade/trader_priv.h"
#include "trade/trader_state.h"
#include "log/log.h"
#include "ml/ml.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- order events back to strategies -------------------------------------------------------- */

void tb_trader_push_order(lua_State *L, const oms_order *o)
{
    lua_createtable(L, 0, 12);
    lua_pushstring(L, o->client_id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, o->symbol);
    lua_setfield(L, -2, "symbol");
    lua_pushstring(L, oms_side_name(o->side));
    lua_setfield(L, -2, "side");
    lua_pushstring(L, oms_type_name(o->type));
    lua_setfield(L, -2, "type");
    lua_pushstring(L, oms_status_name(o->status));
    lua_setfield(L, -2, "status");
    lua_pushinteger(L, o->qty);
    lua_setfield(L, -2, "qty");
    lua_pushinteger(L, o->filled_qty);
    lua_setfield(L, -2, "filled_qty");
    lua_pushnumber(L, tb_money_to_double(o->filled_avg_price));
    lua_setfield(L, -2, "avg_price");
    if (o->limit_price) {
        lua_pushnumber(L, tb_money_to_double(o->limit_price));
        lua_setfield(L, -2, "limit");
    }
    if (o->stop_price) {
        lua_pushnumber(L, tb_money_to_double(o->stop_price));
        lua_setfield(L, -2, "stop");
    }
    lua_pushstring(L, o->reason);
    lua_setfield(L, -2, "reason");
    if (o->note[0]) {
        lua_pushstring(L, o->note);
        lua_setfield(L, -2, "note");
    }
}

/* A symbol's first fill since the start: its P&L count starts from the restored position's. */
static void seed(tb_trader *t, sym_state *s, const char *symbol)
{
    s->seeded = 1;
    for (int i = 0; i < t->nseeds; i++)
        if (strcmp(t->seeds[i].symbol, symbol) == 0) {
            s->realized_seen = t->seeds[i].realized_pnl;
            s->fees_seen = t->seeds[i].fees;
            return;
        }
}

/* Names are copied with oms_strlcpy, not snprintf("%s"): the same bytes and cut, ~30
 * instructions instead of ~700 each (three per fill, three more per closing fill). */
static void record_trade(tb_trader *t, const oms_event *ev)
{
    int64_t id = tb_symtab_find(t->o.syms, ev->order->symbol);
    if (!ev->position || id < 0 || (uint32_t)id >= t->nsym) return;
    sym_state *s = &t->sym[id];
    if (!s->seeded) seed(t, s, ev->order->symbol);
    tb_money delta = ev->position->realized_pnl - s->realized_seen;
    s->realized_seen = ev->position->realized_pnl;
    if (!s->open_ns) s->open_ns = ev->exec->t_ns;
    if (delta == 0) return; /* an opening fill */
    int64_t entry_ns = s->open_ns;
    if (ev->position->qty == 0) s->open_ns = 0;
    if (t->ntrades == t->captrades) {
        size_t cap = t->captrades ? t->captrades * 2 : 256;
        tb_trade_rec *nt = realloc(t->trades, cap * sizeof *nt);
        if (!nt) return;
        t->trades = nt, t->captrades = cap;
    }
    tb_trade_rec *r = &t->trades[t->ntrades++];
    oms_strlcpy(r->symbol, ev->order->symbol, sizeof r->symbol);
    oms_strlcpy(r->strategy, ev->order->strategy, sizeof r->strategy);
    r->t_ns = ev->exec->t_ns;
    r->qty = ev->exec->qty;
    r->price = ev->exec->price;
    r->pnl = delta;
    r->side = ev->order->side;
    oms_strlcpy(r->reason, ev->order->reason, sizeof r->reason);
    r->entry_ns = entry_ns;
    r->fees = ev->position->fees - s->fees_seen; /* the round trip's: opening fills' too */
    s->fees_seen = ev->position->fees;
    if (t->o.ml)
        tb_ml_on_trade(t->o.ml, r->symbol, r->strategy, tb_money_to_double(delta), r->t_ns);
}

const tb_trade_rec *tb_trader_trades(const tb_trader *t, size_t *n)
{
    *n = t->ntrades;
    return t->trades;
}

static void record_fill(tb_trader *t, const oms_event *ev)
{
    tb_fill_rec *f = &t->fills[t->nfills++ % TB_TRADER_RECENT_FILLS];
    oms_strlcpy(f->client_id, ev->order->client_id, sizeof f->client_id);
    oms_strlcpy(f->symbol, ev->order->symbol, sizeof f->symbol);
    oms_strlcpy(f->strategy, ev->order->strategy, sizeof f->strategy);
    f->side = (int)ev->order->side;
    f->t_ns = ev->exec->t_ns;
    f->qty = ev->exec->qty;
    f->price = ev->exec->price;
}

int tb_trader_recent_fills(const tb_trader *t, tb_fill_rec *out, int cap)
{
    int n = 0;
    for (uint64_t k = t->nfills; k > 0 && n < cap && t->nfills - k < TB_TRADER_RECENT_FILLS; k--)
        out[n++] = t->fills[(k - 1) % TB_TRADER_RECENT_FILLS];
    return n;
}

const tb_counters *tb_trader_rejects(const tb_trader *t)
{
    return &t->rejects;
}

/* The strategy an order belongs to: orders carry the name reduced to oms_strategy_key, so a
 * configured name with other characters ("mean-rev") is matched through its key. */
static tb_strategy *owner_of(tb_trader *t, const char *key)
{
    tb_strategy *s = tb_shost_find(t->o.shost, key);
    for (int i = 0; !s && i < t->o.shost->n; i++) {
        char k[OMS_STRATEGY_MAX + 1];
        oms_strategy_key(t->o.shost->s[i]->name, k, sizeof k);
        if (strcmp(k, key) == 0) s = t->o.shost->s[i];
    }
    return s;
}

/* No strategy's position crosses zero unless the strategy and the account allow shorts (and
 * then only through ctx:short); a fill that breaks this is an ERROR line and a count. */
static void check_short(tb_trader *t, const tb_strategy *s, const oms_event *ev)
{
    tb_qty own = oms_strategy_qty(t->oms, ev->order->strategy, ev->order->symbol);
    if (ev->position && ev->position->qty < t->st.lowest_account_qty)
        t->st.lowest_account_qty = ev->position->qty;
    if (own < t->st.lowest_strategy_qty) t->st.lowest_strategy_qty = own;
    if (own >= 0 || (s && s->allow_short && t->o.allow_short)) return;
    t->st.unallowed_shorts++;
    TB_ERROR("orders",
             "INVARIANT VIOLATED: no_unallowed_short: %s is short %lld %s after %s (fill %s)",
             ev->order->strategy, (long long)-own, ev->order->symbol, ev->order->client_id,
             ev->exec->exec_id);
}

void tb_trader_on_oms_event(void *ud, const oms_event *ev)
{
    tb_trader *t = ud;
    tb_strategy *s = owner_of(t, ev->order->strategy);
    if (ev->kind == OMS_EV_FEE) { /* a commission after its fill: the fees, nothing to tell */
        t->st.fees += ev->exec->commission;
        return;
    }
    if (ev->kind == OMS_EV_FILL) {
        t->st.fills++;
        t->st.fees += ev->exec->commission;
        record_trade(t, ev);
        record_fill(t, ev);
        check_short(t, s, ev);
    } else if (ev->order->status == OMS_ST_REJECTED) {
        t->st.rejected++;
        tb_counters_inc(&t->rejects, ev->order->note);
        tb_admit_on_reject(&t->admit, ev->order, t->now_ns);
        TB_WARN("orders", "order rejected: %s %s %s: %s", ev->order->client_id, ev->order->symbol,
                oms_side_name(ev->order->side), ev->order->note);
    }
    /* The order's table is built only for a strategy that will get it. */
    if (!s || !tb_shost_wants(s, ev->kind == OMS_EV_FILL ? TB_CB_ON_FILL : TB_CB_ON_ORDER)) return;
    lua_State *L = s->L;
    if (ev->kind == OMS_EV_FILL) {
        tb_trader_push_order(L, ev->order);
        lua_pushinteger(L, ev->exec->qty);
        lua_setfield(L, -2, "fill_qty");
        lua_pushnumber(L, tb_money_to_double(ev->exec->price));
        lua_setfield(L, -2, "fill_price");
        /* The strategy's own position, as ctx:position() reports it. */
        lua_pushinteger(L, oms_strategy_qty(t->oms, ev->order->strategy, ev->order->symbol));
        lua_setfield(L, -2, "position_qty");
        tb_shost_call(t->o.shost, s, TB_CB_ON_FILL, 1);
    } else {
        tb_trader_push_order(L, ev->order);
        tb_shost_call(t->o.shost, s, TB_CB_ON_ORDER, 1);
    }
}

tb_money tb_trader_unrealized(const tb_trader *t)
{
    const oms_position *ps[1024];
    int n = oms_positions(t->oms, ps, 1024);
    tb_money sum = 0;
    for (int i = 0; i < n && i < 1024; i++) {
        int64_t id = tb_symtab_find(t->o.syms, ps[i]->symbol);
        if (id < 0 || (uint32_t)id >= t->nsym || !t->sym[id].ready) continue;
        tb_money mark, u;
        tb_err e;
        if (tb_money_from_double(t->sym[id].last, PRICE_TICK, &mark, &e) == 0 &&
            oms_pos_unrealized(ps[i], mark, &u, &e) == 0)
            sum += u;
    }
    return sum;
}
