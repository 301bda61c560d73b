#include "tbtest.h"
#include "risk_fixture.h"
#include <stdlib.h>

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

/* The requirement worked out per symbol, as the rule states it: position plus open buys on the
 * long side, position less open sells on the short side (held bracket legs excluded), the
 * intent's shares on its side at its price, the worse side counted. */
static double ref_side(double px, double shares, int lng)
{
    if (lng) return 0.25 * px * shares;
    double pct = px < 5 ? 1.0 : 0.30, per = px < 5 ? 2.5 : 5;
    return fmax(pct * px * shares, per * shares);
}

static double ref_requirement(fx *f, const oms_intent *in, double in_px)
{
    double req = 0;
    for (int i = 0; i < f->nsym; i++) {
        const oms_position *p = oms_position_get(f->m, f->sym[i]);
        tb_qty pos = p ? p->qty : 0, buys = 0, sells = 0;
        const oms_order *open[256];
        int n = oms_open_orders(f->m, f->sym[i], open, 256);
        for (int k = 0; k < n; k++) {
            if (open[k]->status == OMS_ST_HELD) continue;
            tb_qty left = open[k]->qty - open[k]->filled_qty;
            if (open[k]->side == OMS_BUY)
                buys += left;
            else
                sells += left;
        }
        double px = f->px[i];
        if (strcmp(f->sym[i], in->symbol) == 0) {
            px = in_px;
            if (in->side == OMS_BUY)
                buys += in->qty;
            else
                sells += in->qty;
        }
        double lng = (double)(pos + buys), shrt = (double)(pos - sells);
        req += fmax(lng > 0 ? ref_side(px, lng, 1) : 0, shrt < 0 ? ref_side(px, -shrt, 0) : 0);
    }
    return req;
}

/* Random books (long and short positions, working orders partly filled on held and flat symbols,
 * bracket legs held) and random intents, some with a limit: the margin gate's requirement is the
 * per-symbol figure (to a cent of rounding), whichever symbols the orders and the intent touch. */
TEST(margin_requirement_matches_the_per_symbol_rule_in_random_books)
{
    static const char *const syms[] = {"AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH"};
    unsigned seed = 20261207;
    int compared = 0;
    for (int round = 0; round < 40; round++) {
        fx f;
        tb_risk_cfg c = fx_cfg();
        c.margin = TB_MARGIN_REGULATORY;
        memset(&c.limits, 0, sizeof c.limits);
        c.daily_loss.limit = 0;
        c.dt.policy = TB_PDT_OFF;
        c.buying_power = 0;
        fx_init(&f, &c);
        for (int i = 0; i < 8; i++)
            fx_set_price(&f, syms[i], (double)(rand_r(&seed) % 20000 + 100) / 100);
        for (int k = 0; k < 30; k++) {
            const char *s = syms[rand_r(&seed) % 7]; /* HHH: priced, never traded */
            oms_intent in =
                fx_intent(s, rand_r(&seed) % 2 ? OMS_BUY : OMS_SELL, rand_r(&seed) % 300 + 1);
            if (rand_r(&seed) % 4 == 0)
                in = oms_test_bracket(NULL, s, in.qty, 0, 1000000000, 1000000);
            const oms_order *o = NULL;
            tb_err e;
            if (oms_submit(f.m, &in, &o, &e) != 0) continue;
            char id[OMS_CLIENT_ID_MAX + 1];
            snprintf(id, sizeof id, "%s", o->client_id);
            broker_update u = {.client_id = id, .status = OMS_ST_ACCEPTED, .t_ns = 1};
            oms_on_update(f.m, &u, &e);
            int what = rand_r(&seed) % 3; /* working, partly filled, filled */
            if (what) fx_fill(&f, id, what == 2 ? in.qty : in.qty / 2 + 1, fx_price(&f, s));
        }
        fx_account(&f, 0.001, 1e9);
        for (int k = 0; k < 20; k++) {
            const char *s = syms[rand_r(&seed) % 8];
            oms_intent in =
                fx_intent(s, rand_r(&seed) % 2 ? OMS_BUY : OMS_SELL, rand_r(&seed) % 500 + 1);
            double px = fx_price(&f, s);
            if (rand_r(&seed) % 3 == 0) {
                in.type = OMS_LIMIT,
                in.limit_price = (tb_money)(rand_r(&seed) % 20000 + 100) * 10000;
                px = tb_money_to_double(in.limit_price);
            }
            if (!fx_gate(&f, &in)) continue; /* it only reduces: the gate does not price it */
            CHECK_STR(f.gate, "margin");
            /* The gate prints cents: a sum in another order may round a half cent apart. */
            const char *at = strstr(f.why, "requirement $");
            double got = at ? strtod(at + 13, NULL) : -1, want = ref_requirement(&f, &in, px);
            if (fabs(got - want) > 0.0100001) {
                CHECK_STR(f.why, "(the per-symbol requirement)");
                printf("  want $%.4f\n", want);
            }
            compared++;
        }
        fx_free(&f);
    }
    CHECK(compared > 300);
}
