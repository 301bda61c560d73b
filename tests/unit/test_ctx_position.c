/* ctx:position() through the real trader and paper broker: the values follow the position, a
 * table a strategy kept keeps its values, and a table it wrote into is never handed out again.
 * Also ctx:orders(), ctx.ind and the bar on_bar sees, through the same trader. */
#include "tbtest.h"
#include "trader_fixture.h"
#include "trade/trader.h"
#include "util/clock.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static const char strategy[] =
    "return { name = 'pos', on_bar = function(ctx, bar)\n"
    "  local s = ctx.state\n"
    "  s.n = (s.n or 0) + 1\n"
    "  s.bad = s.bad or ''\n"
    "  if s.kept and s.kept.qty ~= s.kept_qty then s.bad = s.bad .. ' kept-table-changed' end\n"
    "  local a = ctx:position()\n"
    "  a.qty = 999\n"
    "  local b = ctx:position()\n"
    "  if b.qty == 999 then s.bad = s.bad .. ' written-table-handed-out' end\n"
    "  local c = ctx:position()\n"
    "  if c.qty ~= b.qty or c.avg_price ~= b.avg_price or c.unrealized ~= b.unrealized then\n"
    "    s.bad = s.bad .. ' unequal'\n"
    "  end\n"
    "  if c ~= b then s.bad = s.bad .. ' unchanged-table-not-handed-out-again' end\n"
    "  s.qtys = (s.qtys or '') .. b.qty .. ','\n"
    "  s.unreal = (s.unreal or '') .. string.format('%.2f', b.unrealized) .. ','\n"
    "  s.kept, s.kept_qty = b, b.qty\n"
    "  if s.n == 2 then ctx:buy{qty = 10, reason = 'enter'} end\n"
    "  if s.n == 5 then ctx:close{reason = 'exit'} end\n"
    "end }\n";

/* Runs src over nbars one-minute bars (close 100, 101, ...) through the real trader and paper
 * broker, bar i of symbol syms[i] (all AAA when syms is NULL), with the configuration's
 * symbol_params sp (or none); returns the strategy's ctx.state. */
static json_t *run_syms(const char *src, int nbars, const char *const *syms_of, json_t *sp)
{
    tw w;
    tw_open(&w, "pos.lua", src);
    tb_err e;
    tb_trader_opts to = tw_opts(&w);
    tb_trader *t = tb_trader_new(&to, &e);
    tb_strategy_cfg sc = {.file = w.strat, .enabled = 1, .symbol_params = sp};
    CHECK_INT(tb_shost_add(&w.host, &sc, &e), 0);
    tb_session s;
    tb_cal_session(&w.cal, tb_date_from_ymd(2026, 1, 7), &s);
    tb_trader_session_start(t, &s);
    tb_bar b = {.start_ns = s.open_ns + 30 * 60000000000LL, .tf_sec = 60, .volume = 5000};
    for (int i = 0; i < nbars; i++, b.start_ns += 60000000000LL) {
        b.sym = (uint32_t)tb_symtab_intern(&w.syms, syms_of ? syms_of[i] : "AAA", &e);
        b.open = b.close = 100 + i, b.high = b.close + 0.5, b.low = b.close - 0.5;
        tb_trader_on_bar(t, &b);
    }
    json_t *st = tb_shost_state_get(&w.host, w.host.s[0], &e);
    tb_trader_free(t);
    tw_close(&w);
    return st;
}

/* The string st[key], or absent when it is missing or not a string. */
static const char *field(json_t *st, const char *key, const char *absent)
{
    const char *v = json_string_value(json_object_get(st, key));
    return v ? v : absent;
}

static json_t *run(const char *src, int nbars)
{
    return run_syms(src, nbars, NULL, NULL);
}

/* run, with the strategy's own checks (each failure appended to ctx.state.bad) all passed. */
static json_t *run_clean(const char *src, int nbars)
{
    json_t *st = run(src, nbars);
    const char *bad = field(st, "bad", "(none)");
    if (strcmp(bad, "") != 0) TBT_FAIL("the strategy's checks failed:%s", bad);
    return st;
}

TEST(position_tables_follow_the_position_and_are_never_shared_after_a_change_or_a_write)
{
    json_t *st = run_clean(strategy, 8);
    const char *qtys = field(st, "qtys", NULL);
    const char *unreal = field(st, "unreal", NULL);
    CHECK(qtys != NULL && strstr(qtys, "10,") != NULL);                /* the entry filled */
    CHECK(qtys != NULL && strcmp(qtys + strlen(qtys) - 2, "0,") == 0); /* and was closed */
    CHECK(unreal != NULL && strstr(unreal, "10.00,") != NULL);         /* 10 shares up a dollar */
    json_decref(st);
}

/* ctx:orders() hands out one empty table again while nothing is working (no garbage per bar);
 * a table the strategy filled or gave a metatable is never handed out again, and working orders
 * come in a table of their own. */
static const char orders_strategy[] =
    "return { name = 'ord', on_bar = function(ctx, bar)\n"
    "  local s = ctx.state\n"
    "  s.n = (s.n or 0) + 1\n"
    "  s.bad = s.bad or ''\n"
    "  s.counts = (s.counts or '') .. #ctx:orders() .. ','\n"
    "  local a = ctx:orders()\n"
    "  if next(a) ~= nil or getmetatable(a) ~= nil then s.bad = s.bad .. ' not-empty' end\n"
    "  a[1] = 'mine'\n"
    "  local b = ctx:orders()\n"
    "  if b == a or #b ~= 0 then s.bad = s.bad .. ' filled-table-handed-out' end\n"
    "  setmetatable(b, { __len = function() return 7 end })\n"
    "  local c = ctx:orders()\n"
    "  if c == b or #c ~= 0 then s.bad = s.bad .. ' decorated-table-handed-out' end\n"
    "  if a[1] ~= 'mine' then s.bad = s.bad .. ' kept-table-changed' end\n"
    "  if s.n == 2 then\n"
    "    ctx:buy{qty = 10, reason = 'enter'}\n"
    "    local o = ctx:orders()\n"
    "    if #o ~= 1 or o == c or o[1].qty ~= 10 then s.bad = s.bad .. ' working-order-missing' "
    "end\n"
    "    if #ctx:orders() ~= 1 then s.bad = s.bad .. ' working-order-missing-again' end\n"
    "  end\n"
    "end }\n";

TEST(empty_orders_table_is_reused_only_while_empty_and_plain)
{
    json_t *st = run_clean(orders_strategy, 4);
    CHECK_STR(field(st, "counts", "(none)"), "0,0,0,0,"); /* the buy filled on the next bar */
    json_decref(st);
}

/* ctx.ind is a table filled before on_bar: it holds the current bar's values (nil while warming
 * up), reads nil outside on_bar (on_fill here) even after it held values, refuses unknown names
 * and new keys, and keeps its metatable. */
static const char ind_strategy[] =
    "return { name = 'ind', on_bar = function(ctx, bar)\n"
    "  local s = ctx.state\n"
    "  s.n = (s.n or 0) + 1\n"
    "  s.bad = s.bad or ''\n"
    "  local sma = ctx.ind.sma\n"
    "  if s.n < 20 and sma ~= nil then s.bad = s.bad .. ' sma-before-warmup' end\n"
    "  if s.n >= 20 then\n"
    "    local b, sum = ctx:bars(20), 0\n"
    "    for i = 1, 20 do sum = sum + b[i].close end\n"
    "    if not sma or math.abs(sma - sum / 20) > 1e-9 then s.bad = s.bad .. ' sma-wrong' end\n"
    "    if ctx.ind.sma ~= sma then s.bad = s.bad .. ' second-read-differs' end\n"
    "  end\n"
    "  local ok, err = pcall(function() return ctx.ind.nope end)\n"
    "  if ok or not tostring(err):find('no indicator') then s.bad = s.bad .. ' unknown-read' end\n"
    "  ok = pcall(function() ctx.ind.mine = 1 end)\n"
    "  if ok then s.bad = s.bad .. ' new-key-written' end\n"
    "  if getmetatable(ctx.ind) ~= 'ctx.ind' then s.bad = s.bad .. ' metatable' end\n"
    "  if s.n == 22 then ctx:buy{qty = 1, reason = 'enter'} end\n"
    "end, on_fill = function(ctx, fill)\n"
    "  ctx.state.fill_sma = tostring(ctx.ind.sma)\n"
    "end }\n";

TEST(ctx_ind_holds_this_bars_values_in_on_bar_and_nil_outside_it)
{
    json_t *st = run_clean(ind_strategy, 26);
    CHECK_STR(field(st, "fill_sma", "(no fill)"), "nil");
    json_decref(st);
}

/* The bar on_bar sees: the host fills one reused table per strategy from Lua (strategy/host.c,
 * the on_bar entry) and hands each symbol's string from a table kept by symbol id. Interleaved
 * symbols, one first seen late, a strategy that writes into the bar, per-symbol params and an
 * on_bar replaced at run time must all see each bar as it is. */
static const char bars_strategy[] =
    "local M = { name = 'bars', params = { k = 1 } }\n"
    "function M.on_bar(ctx, bar)\n"
    "  local s = ctx.state\n"
    "  s.seen = (s.seen or '') .. string.format('%s:%g:%g:%g:%g:%g:%d:%d:%d;', bar.symbol,\n"
    "    bar.open, bar.high, bar.low, bar.close, bar.volume, bar.t % 100000, bar.seq,\n"
    "    ctx.params.k)\n"
    "  bar.symbol, bar.close, bar.extra = 'XXX', -1, 'mine'\n"
    "  s.extra = bar.extra\n"
    "  s.n = (s.n or 0) + 1\n"
    "  if s.n == 7 then\n"
    "    M.on_bar = function(c, b) c.state.late = (c.state.late or '') .. b.symbol .. ';' end\n"
    "  end\n"
    "end\n"
    "return M\n";

TEST(every_bar_reaches_on_bar_with_its_own_fields_symbol_and_params)
{
    static const char *const order[9] = {"AAA", "BBB", "AAA", "BBB", "CCC",
                                         "AAA", "CCC", "BBB", "AAA"};
    json_t *sp = json_pack("{s:{s:i}}", "BBB", "k", 5);
    json_t *st = run_syms(bars_strategy, 9, order, sp);
    json_decref(sp);
    CHECK(st != NULL);
    tb_cal cal;
    tb_cal_init(&cal);
    tb_session s;
    tb_cal_session(&cal, tb_date_from_ymd(2026, 1, 7), &s);
    int64_t t0 = (s.open_ns + 30 * 60000000000LL) / 1000000000LL;
    char want[1024] = "", one[128];
    for (int i = 0; i < 7; i++) { /* the seventh call replaced on_bar */
        snprintf(one, sizeof one, "%s:%d:%g:%g:%d:5000:%d:%d:%d;", order[i], 100 + i, 100.5 + i,
                 99.5 + i, 100 + i, (int)((t0 + i * 60) % 100000), i + 1,
                 strcmp(order[i], "BBB") == 0 ? 5 : 1);
        strcat(want, one);
    }
    CHECK_STR(field(st, "seen", "(none)"), want);
    CHECK_STR(field(st, "late", "(none)"), "BBB;AAA;"); /* the replacement runs from the next bar */
    CHECK_STR(field(st, "extra", "(none)"), "mine");
    json_decref(st);
}
