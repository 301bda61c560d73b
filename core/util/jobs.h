/*
 * jobs.h - independent jobs over a pool of worker processes, their output merged in job order.
 *
 * Each job runs in a child forked from the caller, so it has its own everything (Lua states,
 * SQLite handles, globals) and a crash or exit() in one job cannot take the others or the caller
 * with it. At most `workers` children run at a time. A job's stdout and stderr go to files of
 * its own; the caller gets them through on_done in job order (0, 1, 2, ...) as soon as every
 * earlier job has finished, whatever order they finish in: the merged output of N workers is
 * byte for byte the output of one worker. Progress (one line per finished job: count, name,
 * status, seconds) goes to o->progress.
 *
 * The caller must not hold threads when it calls tb_jobs_run (fork copies only the calling
 * thread): start workers before anything that starts a thread (the strategy watchdog, a loop).
 * Children are reaped by pid; other children of the process are left alone.
 *
 * Used by `tradebot backtest --separate --jobs N`; meant for `tradebot sweep` too.
 */
#ifndef TB_UTIL_JOBS_H
#define TB_UTIL_JOBS_H

#include "util/err.h"

#include <stddef.h>
#include <stdio.h>

typedef struct tb_jobs_opts {
    size_t njobs;
    int workers; /* children at a time; <= 0: the CPUs this process may run on */
    /* In the child: runs job i and returns its exit status (0 ok, 1..255 failed). stdout and
     * stderr are the job's own files; the child _exits after flushing them. */
    int (*run)(void *ud, size_t i);
    /* In the caller: the job's name for progress lines (NULL: "job I"). */
    const char *(*name)(void *ud, size_t i);
    /* In the caller, in job order: job i ended with status (exit code, or 128 + signal when a
     * signal killed it) having written out (stdout) and err (stderr), NUL-terminated. */
    void (*on_done)(void *ud, size_t i, int status, const char *out, size_t outlen, const char *err,
                    size_t errlen);
    FILE *progress;     /* "PREFIX: [3/8] NAME ok in 1.2 s"; NULL: none */
    const char *prefix; /* of the progress lines ("tradebot backtest") */
    void *ud;
} tb_jobs_opts;

typedef struct tb_jobs_result {
    size_t failed;      /* jobs with a non-zero status */
    int first_status;   /* status of the first of them (in job order); 0 when none */
    size_t first_index; /* its index */
} tb_jobs_result;

/* Runs every job. 0 when every job could be started (res says how they ended); -1 with e set
 * when a child or its output files could not be made (jobs already started are waited for). */
int tb_jobs_run(const tb_jobs_opts *o, tb_jobs_result *res, tb_err *e);

/* The CPUs this process may run on (its affinity mask), at least 1. */
int tb_jobs_cpus(void);

#endif
