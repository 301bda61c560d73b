/*
 * orch_adopt.c - what a new owner of the daily sequence does with the steps a stopped
 * orchestrator left `running` (kill -9, a crash, a host that lost power). A step is never
 * started while its previous process still runs: that process is adopted (followed until it
 * ends, with what is left of its timeout); a step that ended meanwhile is settled from the
 * exit status its supervisor wrote; only a step gone without a trace is marked interrupted and
 * runs again.
 */
#include "orch/orch_priv.h"
#include "util/clock.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#define NS       1000000000LL
#define MAX_LEFT 16

static void on_line(const char *line, void *ud)
{
    tb_orch *o = ud;
    tb_orch_logf(&o->log, TB_LOG_INFO, "step=%s | %s", o->cur.step, line);
}

static void on_exit_cb(const tb_child_result *res, void *ud)
{
    tb_orch *o = ud;
    orch_settle(o, res);
    tb_child_free(o->child);
    o->child = NULL;
    if (o->o.on_done) o->o.on_done(&o->run, o->o.ud);
    event_active(o->kick, 0, 0);
}

/* The row becomes the current step, as if this process had started it. */
static void take_over(tb_orch *o, const tb_run *r)
{
    memset(&o->cur, 0, sizeof o->cur);
    snprintf(o->cur.step, sizeof o->cur.step, "%s", r->step);
    o->cur.day = r->day;
    o->cur.due_ns = r->due_ns;
    o->cur.attempt = r->attempt;
    o->cur.manual = strcmp(r->source, "manual") == 0;
    o->run = *r;
    o->cur_mono_ns = tb_clock_mono_ns() - (tb_clock_now_ns() - r->started_ns);
}

static int adopt(tb_orch *o, const tb_run *r, const char *out, const char *status)
{
    const tb_step *st = tb_schedule_find(o->sched, r->step);
    int timeout = 0;
    if (st && st->timeout_s > 0) {
        int64_t left = r->started_ns + (int64_t)st->timeout_s * NS - tb_clock_now_ns();
        timeout = left > NS ? (int)(left / NS) : 1;
    }
    tb_child_opts co = {.out_path = out,
                        .status_path = status,
                        .timeout_s = timeout,
                        .on_line = on_line,
                        .on_exit = on_exit_cb,
                        .ud = o};
    tb_err e;
    take_over(o, r);
    if (!(o->child = tb_child_adopt(o->o.base, r->pid, r->pid_start, &co, &e))) return -1;
    tb_orch_logf(&o->log, TB_LOG_WARN,
                 "step=%s adopted: pid %d still runs (started by a previous orchestrator, "
                 "attempt=%d); waiting for it instead of starting it again",
                 r->step, r->pid, r->attempt);
    return 0;
}

static void interrupted(tb_orch *o, tb_run *r, const char *msg)
{
    tb_err e;
    snprintf(r->status, sizeof r->status, "interrupted");
    snprintf(r->message, sizeof r->message, "%s", msg);
    r->finished_ns = tb_clock_now_ns();
    if (tb_history_finish(o->o.db, r, &e) != 0)
        tb_orch_logf(&o->log, TB_LOG_ERROR, "run history: %s", e.msg);
    tb_orch_logf(&o->log, TB_LOG_WARN, "step=%s status=interrupted: %s; it runs again", r->step,
                 msg);
}

int orch_recover(tb_orch *o, tb_err *e)
{
    tb_run left[MAX_LEFT];
    int n = tb_history_running(o->o.db, left, MAX_LEFT, e);
    if (n < 0) return -1;
    for (int i = 0; i < n; i++) {
        tb_run *r = &left[i];
        char out[PATH_MAX + 32], status[PATH_MAX + 32];
        orch_run_files(o, r->id, out, status, sizeof out);
        int alive = r->pid > 0 && tb_proc_start_ticks(r->pid) == r->pid_start;
        tb_child_result res;
        if (alive && !o->child && adopt(o, r, out, status) == 0) continue;
        if (alive) { /* one step at a time: a second survivor is ended, and runs again */
            kill(-r->pid, SIGKILL);
            interrupted(o, r, "a second step process was still running; it was ended");
        } else if (tb_child_read_status(status, &res)) {
            take_over(o, r);
            tb_orch_logf(&o->log, TB_LOG_WARN,
                         "step=%s ended while no orchestrator ran: its recorded status is used",
                         r->step);
            orch_settle(o, &res);
            if (o->o.on_done) o->o.on_done(&o->run, o->o.ud);
        } else {
            interrupted(o, r, "the process running it stopped before it finished");
        }
    }
    return 0;
}
