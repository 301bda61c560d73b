/*
 * trader_flatten.c - the session-end flatten: what strategies left open this close to the bell
 * is closed at market, each owner's shares by that owner's order, through the gates.
 */
#include "trade/trader.h"
#include "trade/trader_priv.h"
#include "trade/trader_state.h"
#include "log/log.h"

/* Closes one owner's position of a symbol at market, less the exits it has working; the order
 * is the owner's (it reduces that owner's shares, never another's). */
static void flatten_owner(tb_trader *t, const tb_bar *bar, const char *owner, const char *sym)
{
    oms_exposure x;
    oms_exposure_get(t->oms, owner, sym, &x);
    tb_qty rest = x.filled > 0 ? x.filled - x.working_sell : -x.filled - x.working_buy;
    if (x.filled == 0 || rest <= 0) return; /* flat, or a close is already working */
    oms_intent in = {.strategy = owner,
                     .symbol = sym,
                     .side = x.filled > 0 ? OMS_SELL : OMS_BUY,
                     .type = OMS_MARKET,
                     .tif = OMS_TIF_DAY,
                     .qty = rest,
                     .reason = "session end: flatten"};
    char gate[64] = "", why[256] = "";
    if (tb_trader_gate_all(t, &in, gate, sizeof gate, why, sizeof why)) {
        sym_state *s = &t->sym[bar->sym];
        if (s->flatten_held_day != t->session.date)
            TB_WARN("gates", "blocked by %s: engine flatten %s of %s: %s (position kept)", gate,
                    sym, owner, why);
        s->flatten_held_day = t->session.date;
        return;
    }
    const oms_order *out;
    tb_err e;
    if (oms_submit(t->oms, &in, &out, &e) < 0)
        TB_ERROR("orders", "flatten %s of %s: %s", sym, owner, e.msg);
}

/* Anything still open this close to the bell is closed at market, each owner's shares by an
 * order of that owner, unless a gate holds it (the day-trade guard may keep a position overnight
 * rather than break the budget); a held flatten is logged once per symbol and session. */
void tb_trader_flatten_if_late(tb_trader *t, const tb_bar *bar)
{
    if (!t->o.flatten_minutes || !t->in_session) return;
    int64_t left = t->session.close_ns - tb_bar_end_ns(bar);
    if (left > (int64_t)t->o.flatten_minutes * 60 * 1000000000LL) return;
    const char *sym = sym_name(t, (int32_t)bar->sym);
    const char *owners[64]; /* book entries never move: the names stay valid across submits */
    int n = oms_symbol_strategies(t->oms, sym, owners, NULL, 64);
    for (int i = 0; i < n && i < 64; i++) flatten_owner(t, bar, owners[i], sym);
}
