/* orch_priv.h - the orchestrator's state, shared by orch.c (when) and orch_run.c (how). */
#ifndef TB_ORCH_ORCH_PRIV_H
#define TB_ORCH_ORCH_PRIV_H

#include "orch/child.h"
#include "orch/orch.h"
#include "orch/orch_log.h"

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

/* The files of run id: the step's output and its exit status (run/orch/ID.out, .status). */
void orch_run_files(const tb_orch *o, int64_t id, char *out, char *status, size_t len);

/* Records the outcome of the current step (o->cur, o->run) and logs it; schedules a retry. */
void orch_settle(tb_orch *o, const tb_child_result *res);

/* A new owner's look at rows a stopped orchestrator left `running` (orch_adopt.c): a step
 * whose process still runs is adopted, one that ended meanwhile settled from its status file,
 * one gone without a trace marked interrupted (it runs again). */
int orch_recover(tb_orch *o, tb_err *e);

/* Starts the queue's next step when none runs (orch_run.c). */
void orch_start_next(tb_orch *o);

/* Records a settled outcome without running anything (missed, unavailable). */
void orch_record(tb_orch *o, const orch_item *it, const char *status, const char *msg);

/* Remembers when a failed step may be tried again. */
void orch_set_retry(tb_orch *o, const char *step, tb_date day, int64_t at_ns);

#endif
