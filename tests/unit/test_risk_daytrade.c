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

/* The legacy rule at $20,000 with 10 AAA bought today at $100 and `used` day trades used at the
 * broker; the intent that would close the long (a day trade). */
static oms_intent long_today(fx *f, int used)
{
    legacy(f, 20000);
    CHECK_INT(fx_trade(f, "AAA", OMS_BUY, 10), 0);
    tb_risk_dt_broker_count(f->r, &f->cx, used);
    return fx_intent("AAA", OMS_SELL, 10);
}

/* Policy budget of max day trades, keep_last off. */
static void budget(fx *f, int max)
{
    tb_risk_cfg c = fx_cfg();
    c.dt.policy = TB_PDT_BUDGET;
    c.dt.max_day_trades = max;
    c.dt.keep_last = 0;
    fx_init(f, &c);
}

TEST(pdt_legacy_scenario_two_round_trips_then_the_last_is_held_back)
{
    fx f;
    legacy(&f, 20000);
    CHECK_INT(round_trip(&f, "AAA"), 0);
    CHECK_INT(round_trip(&f, "BBB"), 0);
    CHECK_STR(fx_blocked_by_for(&f, "CCC", OMS_BUY, 10), "daytrade");
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
    oms_intent out = long_today(&f, 2); /* at $100; the broker says 2 are used */
    fx_set_price(&f, "AAA", 101);
    CHECK_STR(fx_verdict(&f, &out),
              "Pattern Day Trader: last day trade held back (a same-day close needs > 3% "
              "unrealised profit, has 1.00%)");
    fx_set_price(&f, "AAA", 103.5);
    CHECK_STR(fx_verdict(&f, &out), "pass");
    fx_free(&f);
}

TEST(pdt_legacy_last_day_trade_lets_a_protective_exit_out_unless_configured)
{
    fx f;
    oms_intent out = long_today(&f, 2);
    fx_set_price(&f, "AAA", 97);
    CHECK_STR(fx_verdict(&f, &out), "pass");
    tb_risk_cfg c = fx_cfg();
    c.dt.block_exits = 1;
    tb_risk_configure(f.r, &c);
    CHECK_INT(fx_gate(&f, &out), 1);
    fx_free(&f);
}

TEST(pdt_legacy_no_day_trade_left_blocks_the_same_day_close)
{
    fx f;
    oms_intent out = long_today(&f, 3);
    fx_set_price(&f, "AAA", 90);
    CHECK_STR(fx_verdict(&f, &out),
              "Pattern Day Trader: no day trade left (3 used in 5 business days, 0 "
              "pending, max 3)");
    fx_at(&f, 20260108, 10, 0); /* tomorrow it is not a day trade */
    CHECK_STR(fx_verdict(&f, &out), "pass");
    fx_free(&f);
}

TEST(budget_scenario_applies_whatever_the_equity)
{
    fx f;
    budget(&f, 1);
    fx_account(&f, 1e6, 1e6);
    CHECK_INT(round_trip(&f, "AAA"), 0);
    CHECK_CONTAINS(fx_verdict_for(&f, "BBB", OMS_BUY, 10), "day-trade budget: ");
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
    CHECK_STR(fx_verdict(&f, &in), "pass");
    fx_free(&f);
}

TEST(budget_counts_pending_exits_of_several_strategies)
{
    fx f;
    budget(&f, 1);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    oms_intent a = fx_intent("AAA", OMS_SELL, 10);
    a.strategy = "s1";
    CHECK(fx_submit(&f, &a) != NULL); /* working: would make the one day trade */
    oms_intent b = fx_intent("AAA", OMS_SELL, 5);
    b.strategy = "s2";
    CHECK_STR(fx_verdict(&f, &b),
              "day-trade budget: no day trade left (0 used in 5 business days, 1 pending, "
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

/* A bracket buy of 10 sym at market, take profit +5%, stop -5%: its parent's id, or NULL. */
static const char *bracket_buy(fx *f, const char *sym, char *id, size_t n)
{
    oms_intent in = fx_intent(sym, OMS_BUY, 10);
    tb_money px = (tb_money)(fx_price(f, sym) * 1e6);
    in.order_class = OMS_CLASS_BRACKET;
    in.take_profit_limit = px + px / 20;
    in.stop_loss_stop = px - px / 20;
    const oms_order *o = fx_submit(f, &in);
    if (!o) return NULL;
    snprintf(id, n, "%s", o->client_id);
    return id;
}

static void set_status(fx *f, const char *id, const char *leg, oms_status st)
{
    char cid[OMS_CLIENT_ID_MAX + 1];
    snprintf(cid, sizeof cid, "%s%s", id, leg);
    broker_update u = {.client_id = cid, .status = st, .t_ns = f->cx.now_ns};
    tb_err e;
    oms_on_update(f->m, &u, &e);
}

/* The parent fills and its legs go live. */
static void bracket_entry_fills(fx *f, const char *id, const char *sym)
{
    fx_fill(f, id, 10, fx_price(f, sym));
    set_status(f, id, "-tp", OMS_ST_ACCEPTED);
    set_status(f, id, "-sl", OMS_ST_ACCEPTED);
}

/* The take-profit fills half, then the price turns and the stop-loss sells the rest: two
 * closing orders of today's shares, two day trades. */
static void bracket_exits_fill(fx *f, const char *id, const char *sym)
{
    char tp[OMS_CLIENT_ID_MAX + 1], sl[OMS_CLIENT_ID_MAX + 1];
    snprintf(tp, sizeof tp, "%s-tp", id);
    snprintf(sl, sizeof sl, "%s-sl", id);
    fx_fill(f, tp, 5, fx_price(f, sym) * 1.05);
    fx_fill(f, sl, 5, fx_price(f, sym) * 0.95);
    set_status(f, id, "-tp", OMS_ST_CANCELED);
}

static void check_budget(fx *f, int max)
{
    tb_risk_dt_state st;
    tb_risk_dt_get(f->r, &f->cx, &st);
    CHECK(st.left >= 0);
    CHECK(st.count + st.pending <= max);
    CHECK(oms_daytrade_count(f->m, st.window_first, st.window_last) <= max);
}

TEST(pdt_legacy_scenario_brackets_never_exceed_the_budget_and_left_never_negative)
{
    /* The issue: max 3, a $20k account, a strategy using brackets on several symbols ended with
     * 11 day trades counted and "-8 left". */
    static const char *const syms[] = {"AAA", "BBB", "CCC"};
    fx f;
    legacy(&f, 20000);
    char prev[OMS_CLIENT_ID_MAX + 1] = "", id[OMS_CLIENT_ID_MAX + 1];
    const char *prev_sym = NULL;
    int placed = 0;
    for (int i = 0; i < 12; i++) {
        const char *sym = syms[i % 3];
        int got = bracket_buy(&f, sym, id, sizeof id) != NULL;
        if (got) {
            placed++;
            check_budget(&f, 3);
            bracket_entry_fills(&f, id, sym);
            check_budget(&f, 3);
        }
        if (prev_sym) bracket_exits_fill(&f, prev, prev_sym); /* the one before exits now */
        check_budget(&f, 3);
        prev_sym = got ? sym : NULL;
        snprintf(prev, sizeof prev, "%s", got ? id : "");
    }
    CHECK(placed >= 1); /* brackets are usable at all */
    fx_free(&f);
}

TEST(bracket_counts_both_legs_when_the_parent_is_placed)
{
    fx f;
    budget(&f, 3);
    char id[OMS_CLIENT_ID_MAX + 1];
    CHECK(bracket_buy(&f, "AAA", id, sizeof id) != NULL);
    tb_risk_dt_state st;
    tb_risk_dt_get(f.r, &f.cx, &st);
    CHECK_INT(st.pending, 2); /* either leg may close today's shares; the parent cannot */
    CHECK_INT(st.left, 1);
    /* A second bracket would need two more: refused before anything is sent. */
    CHECK(bracket_buy(&f, "AAA", id, sizeof id) == NULL);
    CHECK_STR(f.gate, "daytrade");
    CHECK_STR(f.why, "day-trade budget: no day trade left (0 used in 5 business days, 2 pending, "
                     "max 3)");
    fx_free(&f);
}

TEST(a_working_exit_of_todays_shares_is_counted_before_it_fills)
{
    fx f;
    budget(&f, 2);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "BBB", OMS_BUY, 10), 0);
    oms_intent a = fx_intent("AAA", OMS_SELL, 10), b = fx_intent("BBB", OMS_SELL, 10);
    CHECK(fx_submit(&f, &a) != NULL);
    CHECK(fx_submit(&f, &b) != NULL);
    tb_risk_dt_state st;
    tb_risk_dt_get(f.r, &f.cx, &st);
    CHECK_INT(st.count, 0);
    CHECK_INT(st.pending, 2);
    CHECK_INT(st.left, 0);
    oms_intent in = fx_intent("CCC", OMS_BUY, 10);
    CHECK_INT(fx_gate(&f, &in), 1); /* its exit could only be a third day trade */
    fx_free(&f);
}
