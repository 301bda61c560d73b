/*
 * rand.h - the engine's one random generator: splitmix64, the same numbers from the same seed
 * on every machine (the paper broker's latencies, the sample generator's seeds, sweep sets, the
 * HTTP client's retry jitter, the reconnect backoff). Never rand(): its sequence differs by libc
 * and it shares hidden state.
 */
#ifndef TB_UTIL_RAND_H
#define TB_UTIL_RAND_H

#include <stdint.h>

/* The next number of the stream whose state is *s (any value, 0 included, is a valid seed). */
static inline uint64_t tb_rand_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* "Equal jitter": half of wait_ms fixed, the other half drawn from rnd, so clients that failed
 * together do not come back together. */
static inline long tb_jitter_half(long wait_ms, uint64_t rnd)
{
    return wait_ms / 2 + (long)(rnd % (uint64_t)(wait_ms / 2 + 1));
}

#endif
