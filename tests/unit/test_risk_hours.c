#include "tbtest.h"
#include "risk_fixture.h"

/* The fixture with extended hours on. */
static void extended_hours(fx *f)
{
    tb_risk_cfg c = fx_cfg();
    c.extended_hours = 1;
    fx_init(f, &c);
}

TEST(hours_pass_in_the_regular_session)
{
    fx f;
    fx_init_default(&f);
    oms_intent in = fx_intent("AAA", OMS_BUY, 10);
    fx_at(&f, 20260107, 9, 30);
    CHECK_STR(fx_verdict(&f, &in), "pass");
    fx_at(&f, 20260107, 15, 59);
    CHECK_STR(fx_verdict(&f, &in), "pass");
    fx_free(&f);
}

TEST(hours_block_pre_market_by_default)
{
    fx f;
    fx_init_default(&f);
    oms_intent in = fx_intent("AAA", OMS_BUY, 10);
    fx_at(&f, 20260107, 8, 0);
    CHECK_STR(fx_blocked_by(&f, &in), "hours");
    CHECK_STR(f.why, "outside the regular session (extended hours are off)");
    fx_at(&f, 20260107, 16, 0); /* the close itself is outside [open, close) */
    CHECK_INT(fx_gate(&f, &in), 1);
    fx_free(&f);
}

TEST(hours_extended_take_limit_orders_only)
{
    fx f;
    extended_hours(&f);
    fx_at(&f, 20260107, 17, 0);
    oms_intent mkt = fx_intent("AAA", OMS_BUY, 10);
    CHECK_STR(fx_verdict(&f, &mkt), "extended hours take limit orders only");
    oms_intent lim = fx_limit_intent("AAA", OMS_BUY, 10, 100);
    CHECK_STR(fx_verdict(&f, &lim), "pass");
    fx_free(&f);
}

TEST(hours_block_everything_when_the_market_is_closed)
{
    fx f;
    extended_hours(&f);
    oms_intent lim = fx_limit_intent("AAA", OMS_SELL, 10, 100);
    fx_at(&f, 20260107, 21, 0);
    CHECK_STR(fx_verdict(&f, &lim), "market closed");
    fx_at(&f, 20260110, 11, 0); /* a Saturday */
    CHECK_STR(fx_verdict(&f, &lim), "market closed");
    fx_free(&f);
}

/* The verdict and reason for in at f's time, with the context's session set to s (or NULL). */
static int hours_verdict(fx *f, const oms_intent *in, const tb_session *s, char *why, size_t n)
{
    f->cx.session = s;
    int v = fx_gate(f, in);
    snprintf(why, n, "%s", v ? f->why : "");
    return v;
}

/* The session the trader hands the gates (computed once per session) must never change a
 * verdict: every 5 minutes of a normal day, an early close, a DST change and a holiday, with
 * the day's own session, the previous trading day's (a stale one) and none. */
TEST(hours_session_in_the_context_gives_the_calendars_verdicts)
{
    static const int32_t days[] = {20260107, 20261127, 20260309, 20260308, 20260703};
    fx f;
    extended_hours(&f);
    oms_intent mkt = fx_intent("AAA", OMS_BUY, 10), lim = fx_limit_intent("AAA", OMS_BUY, 10, 100);
    int checked = 0, blocked = 0;
    for (size_t k = 0; k < sizeof days / sizeof days[0]; k++) {
        tb_date d = tb_date_from_ymd(days[k] / 10000, days[k] / 100 % 100, days[k] % 100);
        tb_session own, stale;
        tb_cal_session(&f.cal, d, &own);
        tb_cal_session(&f.cal, tb_cal_prev_trading_day(&f.cal, d), &stale);
        for (int m = 0; m < 24 * 60; m += 5) {
            fx_at(&f, days[k], m / 60, m % 60);
            for (int o = 0; o < 2; o++) {
                const oms_intent *in = o ? &lim : &mkt;
                char want[256], got[256];
                int v = hours_verdict(&f, in, NULL, want, sizeof want);
                CHECK_INT(hours_verdict(&f, in, &own, got, sizeof got), v);
                CHECK_STR(got, want);
                CHECK_INT(hours_verdict(&f, in, &stale, got, sizeof got), v);
                CHECK_STR(got, want);
                checked++;
                blocked += v;
            }
        }
    }
    CHECK(blocked > 0 && blocked < checked); /* both verdicts were compared */
    fx_free(&f);
}
