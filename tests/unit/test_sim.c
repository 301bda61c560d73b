/*
 * The deterministic simulation (tests/sim/, docs/simulation.md) on a short fixed set of seeds:
 * the real trader, risk gates, order manager and SQLite journal with generated Lua strategies,
 * against a broker that fills partially, rejects, delivers late, twice and out of order, and
 * disconnects, with kill -9 restarts in between. The long run is bench/bench_sim.c.
 */
#include "tbtest.h"
#include "../sim/sim.h"
#include "log/log.h"

/* All five (docs/simulation.md). On the tree before per-strategy positions (p17core) and the
 * day-trade fixes (p17pdt), seed 1 broke invariant 2 at step 123, seed 4 at step 8, seed 7 at
 * step 1, seed 10 at step 7 (a strategy's sell with no shares of its own opened a short). */
#define SUITE_CHECKS SIM_INV_ALL

static void quiet(void)
{
    tb_log_opts lo = {.level = TB_LOG_ERROR, .also_stderr = 0};
    tb_err e;
    if (tb_log_open("/dev/null", &lo, &e) != 0) tb_log_configure(&lo);
}

static int run(uint64_t seed, int64_t steps, unsigned checks, int lose_exec, sim_result *r)
{
    sim_cfg c = {.seed = seed, .steps = steps, .checks = checks, .lose_exec = lose_exec};
    tb_err e = {{0}};
    int rc = sim_run(&c, r, &e);
    if (rc != 0) TBT_FAIL("seed %llu: %s", (unsigned long long)seed, e.msg);
    return rc;
}

TEST(seeded_runs_with_crashes_and_a_bad_broker_keep_all_five_invariants)
{
    quiet();
    static const uint64_t seeds[] = {1, 4, 7, 10};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        sim_result r;
        if (run(seeds[i], 1500, SUITE_CHECKS, 0, &r) != 0) continue;
        printf("  seed %llu: %lld orders, %lld fills, %lld crashes, %lld disconnects, %lld day "
               "trades, hash %016llx\n",
               (unsigned long long)seeds[i], (long long)r.orders, (long long)r.fills,
               (long long)r.crashes, (long long)r.disconnects, (long long)r.day_trades,
               (unsigned long long)r.hash);
        if (r.violations)
            TBT_FAIL("seed %llu: %s (replay: SIM_SEED=%llu SIM_STEPS=%lld SIM_TRACE=1 "
                     "build/bench_sim)",
                     (unsigned long long)seeds[i], r.first, (unsigned long long)seeds[i],
                     (long long)r.first_step + 1);
        CHECK(r.orders > 0 && r.fills > 0 && r.crashes > 0 && r.disconnects > 0);
    }
}

TEST(the_paper_broker_mode_keeps_all_five_invariants_across_crashes)
{
    quiet();
    sim_cfg c = {.seed = 2, .steps = 1500, .checks = SUITE_CHECKS, .paper = 1};
    sim_result r;
    tb_err e = {{0}};
    if (sim_run(&c, &r, &e) != 0) {
        TBT_FAIL("paper seed 2: %s", e.msg);
        return;
    }
    if (r.violations)
        TBT_FAIL("paper seed 2: %s (replay: SIM_PAPER=1 SIM_SEED=2 SIM_STEPS=%lld SIM_TRACE=1 "
                 "build/bench_sim)",
                 r.first, (long long)r.first_step + 1);
    CHECK(r.orders > 0 && r.fills > 0 && r.crashes > 0);
}

TEST(the_same_seed_replays_bit_for_bit_and_another_seed_does_not)
{
    quiet();
    sim_result a, b, c;
    if (run(3, 800, 0, 0, &a) || run(3, 800, 0, 0, &b) || run(5, 800, 0, 0, &c)) return;
    CHECK(a.hash == b.hash);
    CHECK_INT(a.fills, b.fills);
    CHECK_INT(a.crashes, b.crashes);
    CHECK(a.hash != c.hash);
}

TEST(a_fill_the_broker_sent_and_the_engine_never_got_is_reported_at_its_step)
{
    quiet();
    sim_result r;
    if (run(4, 400, SIM_INV_ALL, 3, &r) != 0) return;
    CHECK(r.seen[4] > 0); /* invariant 5: delivered, not persisted */
    CHECK(r.seen[0] > 0); /* invariant 1: the broker holds shares the account does not */
    CHECK(r.first_step >= 0);
    CHECK(strstr(r.first, "invariant") != NULL);
}
