/*
 * sim_rng.h - the simulation's only source of randomness: splitmix64 streams, one per concern
 * (market, broker, world), each seeded from the run's seed, so a change in how often one draws
 * does not shift the others.
 */
#ifndef TB_SIM_RNG_H
#define TB_SIM_RNG_H

#include <stdint.h>

#include "util/hash.h"
#include "util/rand.h"

typedef struct sim_rng {
    uint64_t s;
} sim_rng;

static inline uint64_t sim_next(sim_rng *r)
{
    return tb_rand_next(&r->s);
}

/* Uniform in [0, n); n > 0. */
static inline int sim_pick(sim_rng *r, int n)
{
    return (int)(sim_next(r) % (uint64_t)n);
}

/* 1 with probability per_mille / 1000. */
static inline int sim_chance(sim_rng *r, int per_mille)
{
    return sim_pick(r, 1000) < per_mille;
}

/* A stream of its own for one concern of the run. */
static inline sim_rng sim_stream(uint64_t seed, uint64_t concern)
{
    sim_rng r = {seed * 0x2545f4914f6cdd1dULL ^ (concern * 0x9e3779b97f4a7c15ULL)};
    sim_next(&r);
    return r;
}

/* FNV-1a over bytes: the event trace's fingerprint. */
static inline uint64_t sim_fnv(uint64_t h, const void *p, unsigned long n)
{
    return tb_fnv64(h, p, n);
}

#endif
