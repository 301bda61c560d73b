/*
 * A trade's P&L after a restart: the trader counts what each fill adds to its symbol's realised
 * P&L, so that count must start from the restored positions' figures. The engine restores the
 * order manager (persist.c) and calls tb_trader_restored; before it did, the first closing fill
 * after a restart reported the day's earlier P&L as part of one trade (and fed it to the ML
 * outcome hook).
 */
#include "tbtest.h"
#include "trade/runner.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

static void strategy_file(char *path, size_t len)
{
    snprintf(path, len, "/tmp/tbtest-restore-XXXXXX.lua");
    int fd = mkstemps(path, 4);
    FILE *f = fdopen(fd, "w");
    fputs("local n = 0\n"
          "return { on_bar = function(ctx, bar)\n"
          "  if bar.symbol ~= 'SPY' then return end\n"
          "  n = n + 1\n"
          "  if n == 5 then ctx:buy{qty = 10, reason = 'in'} end\n"
          "  if n == 20 then ctx:close{reason = 'out'} end\n"
          "end }\n",
          f);
    fclose(f);
}

/* The first trade's P&L, with a restored flat SPY position that realised `earlier` before. */
static tb_money first_trade_pnl(tb_money earlier, int call_restored)
{
    struct event_base *base = event_base_new();
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 5000000};
    tb_shost h;
    tb_shost_init(&h, &lim);
    tb_runner_opts o = {.base = base,
                        .shost = &h,
                        .seed = 42,
                        .days = 1,
                        .nsymbols = 0,
                        .initial_cash = 100000LL * 1000000};
    tb_runner r;
    tb_err e;
    CHECK_INT(tb_runner_open(&r, &o, &e), 0);
    oms_position p;
    oms_pos_init(&p, "SPY");
    p.realized_pnl = earlier;
    CHECK_INT(oms_restore_position(tb_trader_oms(r.trader), &p, &e), 0);
    if (call_restored) tb_trader_restored(r.trader);
    char path[64];
    strategy_file(path, sizeof path);
    tb_strategy_cfg sc = {.name = "restore", .file = path, .enabled = 1};
    CHECK_INT(tb_shost_add(&h, &sc, &e), 0);
    CHECK_INT(tb_runner_start(&r, &e), 0);
    event_base_dispatch(base);
    size_t n = 0;
    const tb_trade_rec *tr = tb_trader_trades(r.trader, &n);
    tb_money pnl = n ? tr[0].pnl : INT64_MIN;
    CHECK(n >= 1);
    tb_runner_close(&r);
    tb_shost_free(&h);
    event_base_free(base);
    remove(path);
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
