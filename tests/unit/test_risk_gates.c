/*
 * The chain (order, counters, off switch) and one run through the real trading path: a Lua
 * strategy, the trader, the paper broker and the decision log, with the gates plugged in.
 */
#include "tbtest.h"
#include "risk_fixture.h"
#include "trader_fixture.h"
#include "trade/trader.h"

#include <stdlib.h>
#include <unistd.h>

TEST(gates_run_in_order_and_report_the_first_block)
{
    fx f;
    fx_init_default(&f);
    tb_macro m = {.vix = 50, .valid = 1, .time_ns = tb_clock_now_ns()};
    tb_risk_set_macro(f.r, &m);
    tb_err e;
    tb_risk_kill(f.r, "test", "drill", &e);
    oms_intent in = fx_intent("AAA", OMS_BUY, 10);
    CHECK_STR(fx_blocked_by(&f, &in), "kill_switch");
    tb_risk_clear(f.r, "test", &e);
    CHECK_STR(fx_blocked_by(&f, &in), "survival");
    const uint64_t *n = tb_risk_counts(f.r);
    CHECK_INT(n[TB_GATE_KILL_SWITCH], 1);
    CHECK_INT(n[TB_GATE_SURVIVAL], 1);
    CHECK_INT(n[TB_GATE_MARGIN], 0);
    CHECK_STR(tb_gate_name(TB_GATE_BUYING_POWER), "buying_power");
    fx_free(&f);
}

TEST(gates_disabled_pass_everything)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.enabled = 0;
    fx_init(&f, &c);
    tb_err e;
    tb_risk_kill(f.r, "test", "drill", &e);
    CHECK_STR(fx_verdict_for(&f, "AAA", OMS_BUY, 10), "pass");
    fx_free(&f);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    static char buf[1 << 16];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    return buf;
}

TEST(blocked_intent_is_one_decision_log_line_through_the_real_trader)
{
    tw w;
    tw_open(&w, "buyer.lua",
            "return { name = 'buyer', on_bar = function(ctx, bar)\n"
            "  if ctx:position().qty == 0 then ctx:buy{qty = 10, reason = 'always'} end\n"
            "end }\n");
    char log[96];
    snprintf(log, sizeof log, "%s/decisions.jsonl", w.dir);
    tb_err e;
    tb_jsonl *dec = tb_jsonl_open(log, 0, &e);
    tb_risk_cfg c = fx_cfg();
    tb_risk *r = tb_risk_new(&c, NULL, &e);
    tb_macro m = {.vix = 18, .valid = 1, .time_ns = tb_clock_now_ns()};
    tb_risk_set_macro(r, &m);
    tb_trader_opts to = tw_opts(&w);
    to.decisions = dec, to.gate = tb_risk_gate, to.gate_tick = tb_risk_tick, to.gate_ud = r;
    tb_trader *t = tb_trader_new(&to, &e);
    tb_risk_attach(r, tb_trader_oms(t));
    tb_strategy_cfg sc = {.file = w.strat, .enabled = 1};
    CHECK_INT(tb_shost_add(&w.host, &sc, &e), 0);
    tb_session s;
    tb_cal_session(&w.cal, tb_date_from_ymd(2026, 1, 7), &s);
    tb_trader_session_start(t, &s);
    tb_risk_kill(r, "test", "drill", &e);
    tb_bar b = {.start_ns = s.open_ns + 30 * 60000000000LL,
                .open = 100,
                .high = 101,
                .low = 99,
                .close = 100,
                .volume = 5000,
                .tf_sec = 60,
                .sym = (uint32_t)tb_symtab_intern(&w.syms, "AAA", &e)};
    tb_trader_on_bar(t, &b);
    tb_risk_clear(r, "test", &e);
    b.start_ns += 60000000000LL;
    tb_trader_on_bar(t, &b); /* now it passes and the order goes to the paper broker */
    tb_jsonl_close(dec);
    const char *text = slurp(log);
    CHECK_CONTAINS(text, "\"strategy\":\"buyer\",\"symbol\":\"AAA\",\"side\":\"buy\",\"qty\":10,"
                         "\"type\":\"market\",\"reason\":\"always\",\"verdict\":\"blocked\"");
    CHECK_CONTAINS(text, "\"gate\":\"kill_switch\",\"why\":\"kill switch engaged by test: drill\"");
    CHECK_CONTAINS(text, "\"verdict\":\"submitted\"");
    tb_trader_stats st;
    tb_trader_stats_get(t, &st);
    CHECK_INT(st.blocked, 1);
    CHECK_INT(st.orders, 1);
    CHECK_INT(tb_risk_counts(r)[TB_GATE_KILL_SWITCH], 1);
    tb_trader_free(t);
    tb_risk_free(r);
    tw_close(&w);
}
