/*
 * bench.h - what the benchmark programs share: a timer in seconds, the reproducible uniform
 * numbers their synthetic inputs are drawn from, and removal of a scratch database. Header-only
 * (static inline), included by bench_*.c.
 */
#ifndef TB_BENCH_H
#define TB_BENCH_H

#include "util/clock.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Monotonic seconds, for the duration of a timed loop. */
static inline double bench_now(void)
{
    return (double)tb_clock_mono_ns() * 1e-9;
}

/* Uniform in [0, 1) from a xorshift64 stream with a fixed seed: every run of a benchmark sees
 * the same inputs, so its figures compare across builds. Each program has its own stream. */
static uint64_t bench_rng = 88172645463325252ull;
static inline double bench_urand(void)
{
    bench_rng ^= bench_rng << 13;
    bench_rng ^= bench_rng >> 7;
    bench_rng ^= bench_rng << 17;
    return (double)(bench_rng >> 11) / 9007199254740992.0;
}

/* Removes the scratch SQLite database at path and the -wal and -shm files beside it. */
static inline void bench_remove_db(const char *path)
{
    char side[4096 + 8];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* Writes to path the strategy whose orders the latency benchmarks time: one share bought every
 * 40th bar it sees (bench_backtest's latency part, bench_record). Returns path. */
static inline const char *bench_every40_strategy(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs("return { on_bar = function(ctx, bar)\n"
          "  ctx.state.n = (ctx.state.n or 0) + 1\n"
          "  if ctx.state.n % 40 == 0 then ctx:buy{ qty = 1, reason = 'bench' } end\n"
          "end }\n",
          f);
    fclose(f);
    return path;
}

#endif
