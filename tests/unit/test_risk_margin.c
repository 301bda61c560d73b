#include "tbtest.h"
#include "risk_fixture.h"

static void setup(fx *f, tb_margin_preset p, double equity)
{
    tb_risk_cfg c = fx_cfg();
    c.margin = p;
    c.limits.min_price = 0;
    fx_init(f, &c);
    fx_account(f, equity, 1e9);
}

/* A buy of AAA ($100) under a preset and an account's equity: the gate that blocks it ("pass":
 * none) and why. */
static const struct {
    tb_margin_preset preset;
    double equity;
    tb_qty qty;
    const char *gate, *why;
} long_cases[] = {
    /* regulatory: 25% of $40,000 is $10,000, the equity: passes at the limit */
    {TB_MARGIN_REGULATORY, 10000, 400, "pass", ""},
    {TB_MARGIN_REGULATORY, 10000, 401, "margin",
     "intraday margin: maintenance requirement $10025.00 after this order exceeds equity "
     "$10000.00 (regulatory)"},
    {TB_MARGIN_OFF, 10, 400, "pass", ""}, /* off passes anything */
};

TEST(margin_long_entries_pass_up_to_the_requirement_and_off_passes_anything)
{
    for (size_t i = 0; i < sizeof long_cases / sizeof long_cases[0]; i++) {
        fx f;
        setup(&f, long_cases[i].preset, long_cases[i].equity);
        CHECK_STR(fx_blocked_by_for(&f, "AAA", OMS_BUY, long_cases[i].qty), long_cases[i].gate);
        CHECK_STR(f.why, long_cases[i].why);
        fx_free(&f);
    }
}

TEST(margin_scenario_short_sales_need_30_percent_or_5_dollars_a_share)
{
    fx f;
    setup(&f, TB_MARGIN_REGULATORY, 600);
    oms_intent in = fx_intent("CCC", OMS_SELL, 100); /* $20: max(30% x 2,000, 100 x $5) */
    CHECK_STR(fx_verdict(&f, &in), "pass");
    in.qty = 101;
    CHECK_INT(fx_gate(&f, &in), 1);
    fx_set_price(&f, "CCC", 4); /* under $5: max(100%, $2.50 a share) */
    fx_account(&f, 399, 1e9);
    in.qty = 100;
    CHECK_CONTAINS(fx_verdict(&f, &in), "requirement $400.00");
    fx_free(&f);
}

TEST(margin_scenario_alpaca_preset_wants_everything_under_2_50)
{
    fx f;
    setup(&f, TB_MARGIN_ALPACA, 1000);
    fx_set_price(&f, "PNY", 2);
    oms_intent in = fx_intent("PNY", OMS_BUY, 600); /* $1,200 at 100% */
    CHECK_CONTAINS(fx_verdict(&f, &in), "(alpaca)");
    fx_free(&f);
    setup(&f, TB_MARGIN_REGULATORY, 1000);
    fx_set_price(&f, "PNY", 2);
    CHECK_STR(fx_verdict(&f, &in), "pass"); /* $1,200 at 25% */
    fx_free(&f);
}

TEST(margin_scenario_working_orders_count_toward_exposure)
{
    fx f;
    setup(&f, TB_MARGIN_REGULATORY, 10000);
    oms_intent a = fx_intent("AAA", OMS_BUY, 300);
    CHECK(fx_submit(&f, &a) != NULL);
    oms_intent b = fx_intent("AAA", OMS_BUY, 101);
    CHECK_INT(fx_gate(&f, &b), 1);
    b.qty = 100;
    CHECK_STR(fx_verdict(&f, &b), "pass");
    /* A working short sale of 100 CCC ($20: $600 required) and a buy of 100 CCC on top: the
     * symbol's worst side is still the short's $600, not $600 plus the buy's $500. CCC has no
     * position, only the working order: the intent must meet that order's entry. */
    fx_account(&f, 30800, 1e9); /* AAA's 300 need $7,500 */
    oms_intent s = fx_intent("CCC", OMS_SELL, 100), c = fx_intent("CCC", OMS_BUY, 100);
    CHECK(fx_submit(&f, &s) != NULL);
    fx_account(&f, 8100, 1e9);
    CHECK_STR(fx_verdict(&f, &c), "pass");
    fx_account(&f, 8050, 1e9);
    CHECK_CONTAINS(fx_verdict(&f, &c), "requirement $8100.00");
    fx_free(&f);
}

TEST(margin_scenario_reducing_orders_pass_in_a_deficit)
{
    fx f;
    setup(&f, TB_MARGIN_REGULATORY, 10000);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 400), 0);
    tb_risk_cfg c = fx_cfg(); /* no daily-loss close-out: its working sell would cover the long */
    c.margin = TB_MARGIN_REGULATORY;
    c.limits.min_price = 0;
    c.daily_loss.limit = 0;
    tb_risk_configure(f.r, &c);
    fx_account(&f, 5000, 1e9); /* the price fell: equity no longer covers $10,000 */
    oms_intent add = fx_intent("AAA", OMS_BUY, 1);
    CHECK_INT(fx_gate(&f, &add), 1);
    CHECK_STR(fx_verdict_for(&f, "AAA", OMS_SELL, 100), "pass");
    fx_free(&f);
}
