#include "orch/status.h"

#include <string.h>

static const char *state_of(const tb_step_status *ss, int64_t now)
{
    if (!ss->scheduled && !ss->has_run) return "not scheduled";
    if (ss->has_run && (ss->run.final || strcmp(ss->run.status, "running") == 0))
        return ss->run.status;
    if (ss->has_run && strcmp(ss->run.source, "manual") == 0 && !ss->scheduled)
        return ss->run.status;
    if (ss->has_run) return "retrying"; /* a failed attempt with retries left */
    return ss->fire_ns <= now ? "due" : "pending";
}

int tb_orch_day_status(tb_db *db, const tb_schedule *s, const tb_cal *cal, tb_date d, int64_t now,
                       tb_step_status *out, int *complete, tb_err *e)
{
    *complete = 1;
    for (int i = 0; i < s->n; i++) {
        tb_step_status *ss = &out[i];
        memset(ss, 0, sizeof *ss);
        ss->step = &s->steps[i];
        ss->scheduled =
            tb_when_fire(&ss->step->when, cal, d, ss->step->skip_non_trading, &ss->fire_ns);
        int rc = tb_history_latest(db, ss->step->name, d, &ss->run, e);
        if (rc < 0) return -1;
        ss->has_run = rc;
        ss->state = state_of(ss, now);
        int settled_ok = ss->has_run && ss->run.final && tb_run_settled_ok(ss->run.status);
        if (ss->scheduled && !settled_ok) *complete = 0;
    }
    return 0;
}
