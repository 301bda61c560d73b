/*
 * status.h - "did today's sequence complete?": each step of the schedule on one day, with its
 * fire time and the outcome the run history holds.
 */
#ifndef TB_ORCH_STATUS_H
#define TB_ORCH_STATUS_H

#include "orch/history.h"
#include "orch/schedule.h"

typedef struct tb_step_status {
    const tb_step *step;
    int scheduled;   /* fires that day */
    int64_t fire_ns; /* when it fires (scheduled only) */
    int has_run;
    tb_run run; /* the latest run (final preferred) when has_run */
    /* ok skipped failed timeout unavailable missed interrupted running due pending
       "not scheduled" */
    const char *state;
} tb_step_status;

/*
 * Fills out[0 .. s->n-1] for day d as seen at now. *complete is 1 when every step scheduled that
 * day settled as ok, skipped (the step does not apply to this home, with the reason) or
 * unavailable (a missing command is reported, not counted as failing).
 */
int tb_orch_day_status(tb_db *db, const tb_schedule *s, const tb_cal *cal, tb_date d, int64_t now,
                       tb_step_status *out, int *complete, tb_err *e);

#endif
