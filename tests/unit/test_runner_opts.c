/* tb_runner_opts_from_config: the one place a backtest, the training replay and the engine take
 * their replay and account settings from the configuration. */
#include "tbtest.h"
#include "trade/runner.h"

TEST(config_money_becomes_exact_micro_dollars)
{
    tb_config c = {0};
    c.paper.initial_cash = 0.0157; /* 15699.999999999998 micros as a double: `* 1e6` gave 15699 */
    c.paper.commission_per_share = 0.005;
    c.paper.slippage_bps = 3;
    tb_runner_opts ro = {0};
    tb_runner_opts_from_config(&ro, &c);
    CHECK_INT(ro.initial_cash, 15700);
    CHECK_INT(ro.commission_per_share, 5000);
    CHECK_INT(ro.slippage_bps, 3);
    c.paper.initial_cash = 100000;
    tb_runner_opts_from_config(&ro, &c);
    CHECK_INT(ro.initial_cash, 100000LL * TB_MONEY_SCALE);
}

TEST(replay_fields_come_from_the_config_and_others_are_left_alone)
{
    tb_config c = {0};
    c.replay.seed = 7, c.replay.days = 12, c.replay.symbols = 5;
    c.replay.start = "2026-01-05";
    c.replay.data_dir = "";
    c.orders.reject_hold_minutes = 2.5;
    c.risk.allow_short = 1;
    tb_runner_opts ro = {.speed = 3, .data_dir = "x", .log_component = "me"};
    tb_runner_opts_from_config(&ro, &c);
    CHECK_INT(ro.seed, 7);
    CHECK_INT(ro.days, 12);
    CHECK_INT(ro.nsymbols, 5);
    CHECK_STR(ro.start, "2026-01-05");
    CHECK(ro.data_dir == NULL); /* empty in the configuration: sample data */
    CHECK(ro.reject_hold_minutes == 2.5);
    CHECK_INT(ro.allow_short, 1);
    CHECK(ro.speed == 3);
    CHECK_STR(ro.log_component, "me");
}
