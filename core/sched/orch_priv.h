/* orch_priv.h - the orchestrator's state, shared by orch.c (when) and orch_run.c (how). */
#ifndef TB_SCHED_ORCH_PRIV_H
#define TB_SCHED_ORCH_PRIV_H

#include "sched/child.h"
#include "sched/orch.h"
#include "sched/orch_log.h"

#include <limits.h>

#define ORCH_QUEUE_MAX 128

typedef struct orch_item {
    char step[64];
    tb_date day;
    int64_t due_ns;
    int attempt;
    int manual;
} orch_item;

typedef struct orch_retry {
    char step[64];
    tb_date day;
    int64_t at_ns;
} orch_retry;

struct tb_orch {
    tb_orch_opts o;
    char script[PATH_MAX], script_rel[PATH_MAX], exe[PATH_MAX], home[PATH_MAX];
    tb_schedule *sched;
    tb_orch_log log;
    orch_item queue[ORCH_QUEUE_MAX];
    int nqueue;
    orch_retry retries[ORCH_QUEUE_MAX];
    int nretries;
    /* the running step */
    tb_child *child;
    orch_item cur;
    tb_run run;
    int64_t cur_mono_ns;
    struct event *kick, *timer;
};

/* Starts the queue's next step when none runs (orch_run.c). */
void orch_start_next(tb_orch *o);

/* Records a settled outcome without running anything (missed, unavailable). */
void orch_record(tb_orch *o, const orch_item *it, const char *status, const char *msg);

/* Remembers when a failed step may be tried again. */
void orch_set_retry(tb_orch *o, const char *step, tb_date day, int64_t at_ns);

#endif
