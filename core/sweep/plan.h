/*
 * plan.h - a sweep's task list: every parameter set on every segment of the data. Without
 * walk-forward there is one segment, the whole period. With walk-forward {train = T, test = S}
 * the sessions are cut into windows k = 0, 1, ...: train sessions [kS, kS+T), test sessions
 * [kS+T, kS+T+S); every set runs on every train and every test segment, and the report picks
 * each window's set on its train segment only, then reads that set's test segment (rank.h).
 *
 * Task t is set t / nseg on segment t % nseg; shard I of N runs the tasks with t % N == I, a
 * split that depends on nothing but the spec, so shards computed on different machines never
 * overlap and together cover the list.
 */
#ifndef TB_SWEEP_PLAN_H
#define TB_SWEEP_PLAN_H

#include "sweep/spec.h"

#include <stddef.h>

typedef enum { TB_SEG_FULL = 'F', TB_SEG_TRAIN = 'T', TB_SEG_TEST = 'O' } tb_seg_kind;

typedef struct tb_sweep_seg {
    char kind;  /* tb_seg_kind */
    int window; /* walk-forward window (0 for the full period) */
    char from[16], to[16];
} tb_sweep_seg;

typedef struct tb_sweep_plan {
    tb_sweep_seg *seg;
    int nseg;
    size_t nsets, ntasks;
    int nsessions;
    char first[16], last[16]; /* the data's first and last session */
} tb_sweep_plan;

/* Reads the data's sessions once (sample data is generated, CSV files read) and cuts them into
 * segments. An error when the walk-forward split does not fit in the sessions. */
int tb_sweep_plan_make(tb_sweep_plan *p, const tb_sweep_spec *s, tb_err *e);

/* The segments from a list of sessions ("YYYY-MM-DD", in order); used by tb_sweep_plan_make
 * and the tests. */
int tb_sweep_plan_cut(tb_sweep_plan *p, const tb_sweep_spec *s, char (*days)[16], int ndays,
                      tb_err *e);

void tb_sweep_plan_free(tb_sweep_plan *p);

/* "I/N" into shard and nshards (0 <= I < N <= 100000). */
int tb_sweep_shard_parse(const char *arg, int *shard, int *nshards, tb_err *e);

/* 1 when task belongs to shard I of N. */
static inline int tb_sweep_shard_has(size_t task, int shard, int nshards)
{
    return (int)(task % (size_t)nshards) == shard;
}

#endif
