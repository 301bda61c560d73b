#include "util/backoff.h"
#include "util/rand.h"

void tb_backoff_init(tb_backoff *b, long min_ms, long max_ms, uint64_t seed)
{
    b->min_ms = min_ms;
    b->max_ms = max_ms;
    b->step_ms = min_ms;
    b->rng = seed;
}

long tb_backoff_floor(tb_backoff *b, long floor_ms)
{
    return floor_ms + (long)(tb_rand_next(&b->rng) % (uint64_t)(floor_ms / 10 + 1));
}

long tb_backoff_next(tb_backoff *b, long floor_ms)
{
    long wait = tb_jitter_half(b->step_ms, tb_rand_next(&b->rng));
    if (wait < floor_ms) wait = tb_backoff_floor(b, floor_ms);
    b->step_ms = b->step_ms * 2 > b->max_ms ? b->max_ms : b->step_ms * 2;
    return wait;
}

void tb_backoff_reset(tb_backoff *b)
{
    b->step_ms = b->min_ms;
}
