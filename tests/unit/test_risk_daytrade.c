#include "tbtest.h"
#include "risk_fixture.h"
#include "risk_property.h"

/* A same-day round trip on sym: buy then sell, both through the gate. 0 when both passed. */
static int round_trip(fx *f, const char *sym)
{
    if (fx_trade(f, sym, OMS_BUY, 10) != 0) return -1;
    return fx_trade(f, sym, OMS_SELL, 10);
}

static void legacy(fx *f, double equity)
{
    tb_risk_cfg c = fx_cfg();
    fx_init(f, &c);
    fx_account(f, equity, 1e6);
}

TEST(pdt_legacy_scenario_two_round_trips_then_the_last_is_held_back)
{
    fx f;
    legacy(&f, 20000);
    CHECK_INT(round_trip(&f, "AAA"), 0);
    CHECK_INT(round_trip(&f, "BBB"), 0);
    oms_intent in = fx_intent("CCC", OMS_BUY, 10);
    CHECK_INT(fx_gate(&f, &in), 1);
    CHECK_STR(f.gate, "daytrade");
    CHECK_STR(f.why, "Pattern Day Trader: a new entry could only be closed by a day trade (1 "
                     "left, 0 kept for open same-day positions)");
    CHECK_INT(tb_risk_counts(f.r)[TB_GATE_DAYTRADE], 1);
    fx_free(&f);
}

TEST(pdt_legacy_does_not_apply_at_25000_or_more)
{
    fx f;
    legacy(&f, 25000);
    for (int i = 0; i < 5; i++) CHECK_INT(round_trip(&f, "AAA"), 0);
    fx_free(&f);
}

TEST(pdt_legacy_last_day_trade_allows_a_reversal_above_3_percent)
{
    fx f;
    legacy(&f, 20000);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0); /* at $100 */
    tb_risk_dt_broker_count(f.r, &f.cx, 2);         /* the broker says 2 are used */
    oms_intent out = fx_intent("AAA", OMS_SELL, 10);
    fx_set_price(&f, "AAA", 101);
    CHECK_INT(fx_gate(&f, &out), 1);
    CHECK_STR(f.why, "Pattern Day Trader: last day trade held back (a same-day close needs > 3% "
                     "unrealised profit, has 1.00%)");
    fx_set_price(&f, "AAA", 103.5);
    CHECK_INT(fx_gate(&f, &out), 0);
    fx_free(&f);
}

TEST(pdt_legacy_last_day_trade_lets_a_protective_exit_out_unless_configured)
{
    fx f;
    legacy(&f, 20000);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    tb_risk_dt_broker_count(f.r, &f.cx, 2);
    fx_set_price(&f, "AAA", 97);
    oms_intent out = fx_intent("AAA", OMS_SELL, 10);
    CHECK_INT(fx_gate(&f, &out), 0);
    tb_risk_cfg c = fx_cfg();
    c.dt.block_exits = 1;
    tb_risk_configure(f.r, &c);
    CHECK_INT(fx_gate(&f, &out), 1);
    fx_free(&f);
}

TEST(pdt_legacy_no_day_trade_left_blocks_the_same_day_close)
{
    fx f;
    legacy(&f, 20000);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    tb_risk_dt_broker_count(f.r, &f.cx, 3);
    fx_set_price(&f, "AAA", 90);
    oms_intent out = fx_intent("AAA", OMS_SELL, 10);
    CHECK_INT(fx_gate(&f, &out), 1);
    CHECK_STR(f.why, "Pattern Day Trader: no day trade left (3 used in 5 business days, 0 "
                     "pending, max 3)");
    fx_at(&f, 20260108, 10, 0); /* tomorrow it is not a day trade */
    CHECK_INT(fx_gate(&f, &out), 0);
    fx_free(&f);
}

TEST(budget_scenario_applies_whatever_the_equity)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.dt.policy = TB_PDT_BUDGET;
    c.dt.max_day_trades = 1;
    c.dt.keep_last = 0;
    fx_init(&f, &c);
    fx_account(&f, 1e6, 1e6);
    CHECK_INT(round_trip(&f, "AAA"), 0);
    oms_intent in = fx_intent("BBB", OMS_BUY, 10);
    CHECK_INT(fx_gate(&f, &in), 1);
    CHECK_CONTAINS(f.why, "day-trade budget: ");
    fx_free(&f);
}

TEST(budget_window_is_business_days_of_the_calendar)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.dt.policy = TB_PDT_BUDGET;
    c.dt.keep_last = 0;
    fx_init(&f, &c);
    fx_at(&f, 20260102, 10, 0); /* Friday after New Year's Day */
    for (int i = 0; i < 3; i++) CHECK_INT(round_trip(&f, "AAA"), 0);
    oms_intent in = fx_intent("AAA", OMS_BUY, 10);
    fx_at(&f, 20260108, 10, 0); /* window 01-02 .. 01-08: still 3 */
    CHECK_INT(fx_gate(&f, &in), 1);
    fx_at(&f, 20260109, 10, 0); /* 01-05 .. 01-09 */
    CHECK_INT(fx_gate(&f, &in), 0);
    fx_free(&f);
}

TEST(budget_counts_pending_exits_of_several_strategies)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.dt.policy = TB_PDT_BUDGET;
    c.dt.max_day_trades = 1;
    c.dt.keep_last = 0;
    fx_init(&f, &c);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    oms_intent a = fx_intent("AAA", OMS_SELL, 10);
    a.strategy = "s1";
    CHECK(fx_submit(&f, &a) != NULL); /* working: would make the one day trade */
    oms_intent b = fx_intent("AAA", OMS_SELL, 5);
    b.strategy = "s2";
    CHECK_INT(fx_gate(&f, &b), 1);
    CHECK_STR(f.why, "day-trade budget: no day trade left (0 used in 5 business days, 1 pending, "
                     "max 1)");
    fx_free(&f);
}

TEST(policy_off_scenario_never_blocks)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.dt.policy = TB_PDT_OFF;
    fx_init(&f, &c);
    fx_account(&f, 1000, 1e6);
    c.margin = TB_MARGIN_OFF;
    tb_risk_configure(f.r, &c);
    for (int i = 0; i < 6; i++) CHECK_INT(round_trip(&f, "CCC"), 0);
    fx_free(&f);
}

TEST(broker_count_wins_over_ours)
{
    fx f;
    legacy(&f, 20000);
    CHECK_INT(round_trip(&f, "AAA"), 0);
    tb_risk_dt_state st;
    tb_risk_dt_get(f.r, &f.cx, &st);
    CHECK_INT(st.count, 1);
    tb_risk_dt_broker_count(f.r, &f.cx, 0);
    tb_risk_dt_get(f.r, &f.cx, &st);
    CHECK_INT(st.count, 0);
    tb_risk_dt_broker_count(f.r, &f.cx, 2);
    tb_risk_dt_get(f.r, &f.cx, &st);
    CHECK_INT(st.count, 2);
    fx_free(&f);
}

TEST(day_trade_budget_can_never_be_exceeded_property_fixed_seed)
{
    char fail[200] = "";
    int made = 0, total = 0;
    for (int max = 1; max <= 3; max++)
        for (int keep = 0; keep <= 1; keep++) {
            CHECK_INT(risk_property_run(20260107ULL + (uint64_t)(max * 2 + keep), 4000, max, keep,
                                        fail, sizeof fail, &made),
                      0);
            if (fail[0]) fprintf(stderr, "  %s\n", fail);
            total += made;
        }
    CHECK(total > 20); /* the sequences did make day trades: the budget was tested */
}
