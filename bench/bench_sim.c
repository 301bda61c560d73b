/*
 * bench_sim.c - the deterministic simulation (tests/sim/, docs/simulation.md) over many seeds:
 * steps per second, and violations per invariant.
 *
 *   bench_sim [SEEDS] [STEPS] [CHECKS]      defaults: 10 seeds x 10000 steps, checks "all"
 *   SIM_SEED=N SIM_STEPS=M [SIM_TRACE=1] [SIM_CHECKS=1,5] bench_sim    replays one seed
 *   SIM_PAPER=1: the engine's paper broker instead of the misbehaving one
 *   SIM_KEEP=1: keep each run's directory (its ml_data.db journal) for inspection
 *   SIM_NO_REPLACE=1: the operator never replaces an order
 *
 * Seeds run from SIM_FIRST_SEED (default 1). A violation prints its seed, step and invariant;
 * the exit status is 1 when a checked invariant was violated.
 */
#include "../tests/sim/sim.h"
#include "log/log.h"
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>

static const char *env_or(const char *k, const char *def)
{
    const char *v = getenv(k);
    return v && *v ? v : def;
}

int main(int argc, char **argv)
{
    /* The engine's own log: on stderr while replaying a trace, else dropped. */
    int tr = atoi(env_or("SIM_TRACE", "0"));
    tb_log_opts lo = {.level = tr ? TB_LOG_INFO : TB_LOG_ERROR, .also_stderr = tr};
    tb_err le;
    if (tr || tb_log_open("/dev/null", &lo, &le) != 0) tb_log_configure(&lo);
    const char *one = getenv("SIM_SEED");
    int seeds = one ? 1 : argc > 1 ? atoi(argv[1]) : 10;
    long long steps = atoll(env_or("SIM_STEPS", argc > 2 ? argv[2] : "10000"));
    unsigned checks;
    if (sim_parse_checks(env_or("SIM_CHECKS", argc > 3 ? argv[3] : "all"), &checks) != 0) {
        fprintf(stderr, "bench_sim: CHECKS is a list of 1..5 (e.g. 1,2,5) or all\n");
        return 2;
    }
    uint64_t first = strtoull(one ? one : env_or("SIM_FIRST_SEED", "1"), NULL, 10);
    int64_t t0 = tb_clock_mono_ns(), total = 0, bad = 0, seen[5] = {0};
    for (int i = 0; i < seeds; i++) {
        sim_cfg c = {.seed = first + (uint64_t)i,
                     .steps = steps,
                     .checks = checks,
                     .print_trace = tr,
                     .risk_files = atoi(env_or("SIM_RISK_FILES", "0")),
                     .paper = atoi(env_or("SIM_PAPER", "0")),
                     .keep_dir = atoi(env_or("SIM_KEEP", "0")),
                     .no_replace = atoi(env_or("SIM_NO_REPLACE", "0"))};
        sim_result r;
        tb_err e;
        if (sim_run(&c, &r, &e) != 0) {
            fprintf(stderr, "seed %llu: %s\n", (unsigned long long)c.seed, e.msg);
            return 2;
        }
        total += r.steps;
        bad += r.violations;
        for (int k = 0; k < 5; k++) seen[k] += r.seen[k];
        printf("seed %llu: %lld steps hash %016llx orders %lld fills %lld crashes %lld "
               "disconnects %lld day_trades %lld kill_toggles %lld replaces %lld violations %lld "
               "[%lld %lld %lld %lld %lld]\n",
               (unsigned long long)c.seed, (long long)r.steps, (unsigned long long)r.hash,
               (long long)r.orders, (long long)r.fills, (long long)r.crashes,
               (long long)r.disconnects, (long long)r.day_trades, (long long)r.kill_toggles,
               (long long)r.replaces, (long long)r.violations, (long long)r.seen[0],
               (long long)r.seen[1], (long long)r.seen[2], (long long)r.seen[3],
               (long long)r.seen[4]);
        if (r.violations)
            printf("  FAIL seed %llu: %s\n  replay: SIM_SEED=%llu SIM_STEPS=%lld SIM_TRACE=1 "
                   "bench_sim\n",
                   (unsigned long long)c.seed, r.first, (unsigned long long)c.seed,
                   (long long)r.first_step + 1);
        fflush(stdout);
    }
    double s = (double)(tb_clock_mono_ns() - t0) / 1e9;
    printf("simulation: %d seeds, %lld steps, %.1f s, %.0f steps/s, checked violations %lld, "
           "per invariant 1..5: %lld %lld %lld %lld %lld\n",
           seeds, (long long)total, s, (double)total / s, (long long)bad, (long long)seen[0],
           (long long)seen[1], (long long)seen[2], (long long)seen[3], (long long)seen[4]);
    return bad ? 1 : 0;
}
