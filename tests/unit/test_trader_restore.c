/*
 * A trade's P&L after a restart: the trader counts what each fill adds to its symbol's realised
 * P&L, so that count must start from the restored positions' figures. The engine restores the
 * order manager (persist.c) and calls tb_trader_restored; before it did, the first closing fill
 * after a restart reported the day's earlier P&L as part of one trade (and fed it to the ML
 * outcome hook).
 */
#include "runner_fixture.h"

/* The first trade's P&L, with a restored flat SPY position that realised `earlier` before. */
static tb_money first_trade_pnl(tb_money earlier, int call_restored)
{
    rf x;
    tb_runner_opts o = {.seed = 42, .days = 1, .nsymbols = 0, .initial_cash = 100000LL * 1000000};
    CHECK_INT(rf_open(&x, &o), 0);
    oms_position p;
    oms_pos_init(&p, "SPY");
    p.realized_pnl = earlier;
    tb_err e;
    CHECK_INT(oms_restore_position(tb_trader_oms(x.r.trader), &p, &e), 0);
    if (call_restored) tb_trader_restored(x.r.trader);
    CHECK_INT(rf_run(&x, "restore",
                     "local n = 0\n"
                     "return { on_bar = function(ctx, bar)\n"
                     "  if bar.symbol ~= 'SPY' then return end\n"
                     "  n = n + 1\n"
                     "  if n == 5 then ctx:buy{qty = 10, reason = 'in'} end\n"
                     "  if n == 20 then ctx:close{reason = 'out'} end\n"
                     "end }\n"),
              0);
    size_t n = 0;
    const tb_trade_rec *tr = tb_trader_trades(x.r.trader, &n);
    tb_money pnl = n ? tr[0].pnl : INT64_MIN;
    CHECK(n >= 1);
    rf_close(&x);
    return pnl;
}

TEST(the_first_trade_after_a_restart_does_not_carry_the_earlier_pnl)
{
    tb_money fresh = first_trade_pnl(0, 1);
    tb_money restored = first_trade_pnl(TB_USD(500, 0), 1);
    CHECK_INT(restored, fresh);
    /* Without the call (the old engine), the opening fill became a "trade" of the $500
     * realised before the restart. */
    CHECK_INT(first_trade_pnl(TB_USD(500, 0), 0), TB_USD(500, 0));
}
