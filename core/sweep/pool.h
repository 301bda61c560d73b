/*
 * pool.h - a worker pool of processes: runs a list of tasks, at most `jobs` at a time, each in
 * a fresh child forked for it. The child writes its answer to a pipe and exits; the parent
 * collects answers as they come (poll), so a slow task never holds up the others and a task
 * that crashes (a signal, a non-zero exit) is reported as such without taking the pool down.
 *
 * One process per task costs a fork (well under a millisecond here) and buys isolation: a
 * task's global state (Lua states, logs, caches) can never leak into the next one, so a task
 * gives the same answer whichever worker runs it and in whatever order.
 */
#ifndef TB_SWEEP_POOL_H
#define TB_SWEEP_POOL_H

#include "util/err.h"

#include <stddef.h>

typedef struct tb_pool_opts {
    int jobs;            /* processes at once (>= 1) */
    const size_t *tasks; /* task ids, run in this order */
    size_t ntasks;
    size_t max_output; /* bytes a child may write (0: 16 MB); more is a failed task */
    /* In the child: runs task and writes its answer to fd. The return value is the exit code. */
    int (*run)(void *ud, size_t task, int fd);
    /* In the parent, once per task: buf (NUL-terminated) is what the child wrote; failed is 0,
     * or the child's exit code, or 128 + the signal that ended it. A -1 return stops the pool
     * (the children still running are ended) with e passed on. */
    int (*done)(void *ud, size_t task, const char *buf, size_t len, int failed, tb_err *e);
    /* Called after each task and about once a second (may be NULL). */
    void (*progress)(void *ud, size_t finished, size_t total);
    void *ud;
} tb_pool_opts;

/* Runs every task. 0 when each one was handed to done (whatever its outcome), -1 with e when
 * the pool could not go on (no fork, no pipe, done refused). */
int tb_pool_run(const tb_pool_opts *o, tb_err *e);

#endif
