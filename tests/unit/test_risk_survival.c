#include "tbtest.h"
#include "risk_fixture.h"
#include "risk/macro.h"

#include <stdlib.h>
#include <unistd.h>

static void set_vix(fx *f, double vix, int64_t age_hours)
{
    tb_macro m = {
        .vix = vix, .valid = 1, .time_ns = tb_clock_now_ns() - age_hours * 3600000000000LL};
    snprintf(m.source, sizeof m.source, "test");
    tb_risk_set_macro(f->r, &m);
}

TEST(survival_passes_entries_below_the_threshold)
{
    fx f;
    fx_init_default(&f);
    set_vix(&f, 39.99, 0);
    CHECK_STR(fx_verdict_for(&f, "AAA", OMS_BUY, 10), "pass");
    fx_free(&f);
}

TEST(survival_blocks_entries_at_vix_40_and_passes_exits)
{
    fx f;
    fx_init_default(&f);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    set_vix(&f, 40, 0);
    CHECK_STR(fx_blocked_by_for(&f, "BBB", OMS_BUY, 10), "survival");
    CHECK_STR(f.why, "Survival Mode: VIX 40.00 >= 40");
    CHECK_STR(fx_verdict_for(&f, "AAA", OMS_SELL, 10), "pass");
    fx_free(&f);
}

TEST(survival_stale_state_applies_the_fail_safe)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    fx_init(&f, &c);
    set_vix(&f, 15, 25); /* older than max_age_hours (24) */
    oms_intent in = fx_intent("AAA", OMS_BUY, 10);
    CHECK_STR(fx_verdict(&f, &in),
              "Survival Mode: macro state is stale (run `tradebot macro --force`)");
    c.survival.stale_is_survival = 0;
    tb_risk_configure(f.r, &c);
    CHECK_STR(fx_verdict(&f, &in), "pass");
    fx_free(&f);
}

TEST(survival_picks_up_a_new_macro_json_without_restart)
{
    char dir[] = "/tmp/tb-macro-XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/macro.json", dir);
    tb_macro m = {.vix = 45, .valid = 1, .survival = 1, .time_ns = tb_clock_now_ns()};
    snprintf(m.source, sizeof m.source, "test");
    snprintf(m.vix_date, sizeof m.vix_date, "2026-01-07");
    tb_err e;
    CHECK_INT(tb_macro_write(path, &m, 40, &e), 0);
    tb_risk_cfg c = fx_cfg();
    tb_risk *r = tb_risk_new(&c, dir, &e);
    tb_macro got;
    int surv, stale;
    tb_risk_macro_get(r, &got, &surv, &stale);
    CHECK_INT(surv, 1);
    CHECK_INT(stale, 0);
    CHECK_NEAR(got.vix, 45, 1e-9);
    m.vix = 22;
    m.survival = 0;
    CHECK_INT(tb_macro_write(path, &m, 40, &e), 0);
    tb_risk_poll(r, 1);
    tb_risk_macro_get(r, &got, &surv, &stale);
    CHECK_INT(surv, 0);
    CHECK_NEAR(got.vix, 22, 1e-9);
    tb_risk_free(r);
    unlink(path);
    rmdir(dir);
}

TEST(macro_file_with_a_bad_vix_is_refused)
{
    char path[] = "/tmp/tb-macro-bad-XXXXXX";
    int fd = mkstemp(path);
    CHECK(write(fd, "{\"vix\": \"high\", \"time\": \"2026-01-07T15:00:00Z\"}", 47) == 47);
    close(fd);
    tb_macro m;
    tb_err e;
    CHECK_INT(tb_macro_read(path, &m, &e), -1);
    CHECK_CONTAINS(e.msg, "\"vix\" must be a number");
    unlink(path);
}
