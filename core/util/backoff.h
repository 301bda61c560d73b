/*
 * backoff.h - the reconnect backoff of every long-lived connection (the websocket client, the IB
 * Gateway connection): each failure waits a jittered half to whole of the current step, and the
 * step doubles up to a cap; a healthy connection starts again from the first step.
 */
#ifndef TB_UTIL_BACKOFF_H
#define TB_UTIL_BACKOFF_H

#include <stdint.h>

typedef struct tb_backoff {
    long min_ms, max_ms; /* the first step and the cap */
    long step_ms;        /* the current step */
    uint64_t rng;        /* tb_rand_next state */
} tb_backoff;

/* Starts at min_ms; seed picks the jitter (the monotonic clock where nothing needs repeating). */
void tb_backoff_init(tb_backoff *b, long min_ms, long max_ms, uint64_t seed);

/* The wait before the next attempt: in [step/2, step], and never below floor_ms (a server's own
 * "come back later"), which keeps up to 10% jitter of its own so peers do not return in step.
 * The step then doubles up to max_ms. */
long tb_backoff_next(tb_backoff *b, long floor_ms);

/* A jittered wait of floor_ms plus up to 10%, without touching the step. */
long tb_backoff_floor(tb_backoff *b, long floor_ms);

/* The connection is healthy again: the next failure waits from the first step. */
void tb_backoff_reset(tb_backoff *b);

#endif
