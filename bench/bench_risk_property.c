/*
 * bench_risk_property.c - the day-trade budget property (tests/unit/risk_property.h) over many
 * seeds: random signals of three strategies, fills, partial fills, rejections, cancels and
 * session changes; the ledger must never exceed the budget in any window.
 *
 *   bench_risk_property [SEEDS] [STEPS]     (defaults: 500 seeds of 4000 steps)
 */
#include "../tests/unit/risk_fixture.h"
#include "../tests/unit/risk_property.h"
#include "log/log.h"
#include "util/clock.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
    int seeds = argc > 1 ? atoi(argv[1]) : 500, steps = argc > 2 ? atoi(argv[2]) : 4000;
    tb_log_opts lo = {.level = TB_LOG_ERROR, .also_stderr = 1};
    tb_log_configure(&lo);
    int64_t t0 = tb_clock_mono_ns();
    long long made = 0;
    int failures = 0;
    for (int i = 0; i < seeds; i++) {
        char fail[200] = "";
        int dts = 0, max = 1 + i % 3, keep = (i / 3) % 2;
        if (risk_property_run(0xC0FFEEULL + (uint64_t)i, steps, max, keep, fail, sizeof fail,
                              &dts) != 0) {
            printf("FAIL %s\n", fail);
            failures++;
        }
        made += dts;
    }
    double s = (double)(tb_clock_mono_ns() - t0) / 1e9;
    printf("risk property: %d seeds x %d steps, %lld day trades made, %d budget violations, "
           "%.1f s (%.0f steps/s)\n",
           seeds, steps, made, failures, s, (double)seeds * steps / s);
    return failures ? 1 : 0;
}
