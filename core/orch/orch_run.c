/*
 * orch_run.c - how a step runs: the child's command line and environment, its output into
 * orchestrator.log, and the outcome into the run history.
 */
#include "orch/orch_priv.h"
#include "util/clock.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS               1000000000LL
#define EXIT_UNAVAILABLE 69 /* sysexits EX_UNAVAILABLE: "what this step needs does not exist" */
#define EXIT_SKIPPED     78 /* sysexits EX_CONFIG: "this home's configuration does not call for it" */
#define SKIP_PREFIX      "skipped: "

static void fill_run(tb_orch *o, const orch_item *it, tb_run *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->step, sizeof r->step, "%s", it->step);
    r->day = it->day;
    r->attempt = it->attempt;
    snprintf(r->source, sizeof r->source, "%s", it->manual ? "manual" : "schedule");
    r->due_ns = it->due_ns;
    r->started_ns = tb_clock_now_ns();
}

void orch_record(tb_orch *o, const orch_item *it, const char *status, const char *msg)
{
    tb_run r;
    fill_run(o, it, &r);
    r.finished_ns = r.started_ns;
    r.final = 1;
    snprintf(r.status, sizeof r.status, "%s", status);
    snprintf(r.message, sizeof r.message, "%s", msg);
    tb_err e;
    if (tb_history_insert(o->o.db, &r, &e) != 0)
        tb_orch_logf(&o->log, TB_LOG_ERROR, "run history: %s", e.msg);
    char day[16];
    tb_orch_logf(&o->log, TB_LOG_WARN, "step=%s day=%s status=%s: %s", it->step,
                 tb_date_fmt(it->day, day, sizeof day), status, msg);
    if (o->o.on_done) o->o.on_done(&r, o->o.ud);
}

static void on_line(const char *line, void *ud)
{
    tb_orch *o = ud;
    tb_orch_logf(&o->log, TB_LOG_INFO, "step=%s | %s", o->cur.step, line);
}

/* Why a step skipped itself: its last output line starting "skipped: " (run/orch/ID.out). */
static void skip_reason(const char *out_path, char *msg, size_t len)
{
    char line[512];
    snprintf(msg, len, "the step skipped itself (exit status %d) without saying why", EXIT_SKIPPED);
    FILE *f = fopen(out_path, "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, SKIP_PREFIX, strlen(SKIP_PREFIX)) == 0)
            snprintf(msg, len, "%.*s", (int)strcspn(line + strlen(SKIP_PREFIX), "\r\n"),
                     line + strlen(SKIP_PREFIX));
    if (f) fclose(f);
}

static const char *outcome(const tb_child_result *r, tb_run *run, const char *out_path)
{
    if (r->timed_out) return "timeout";
    if (r->exit_code == 0) return "ok";
    if (r->exit_code == EXIT_UNAVAILABLE) return "unavailable";
    if (r->exit_code == EXIT_SKIPPED && !r->signaled) {
        skip_reason(out_path, run->message, sizeof run->message);
        return "skipped";
    }
    snprintf(run->message, sizeof run->message, "%s %d",
             r->signaled ? "killed by signal" : "exit status",
             r->signaled ? r->exit_code - 128 : r->exit_code);
    return "failed";
}

void orch_run_files(const tb_orch *o, int64_t id, char *out, char *status, size_t len)
{
    snprintf(out, len, "%s/run/orch/%lld.out", o->home, (long long)id);
    snprintf(status, len, "%s/run/orch/%lld.status", o->home, (long long)id);
}

void orch_settle(tb_orch *o, const tb_child_result *res)
{
    const tb_step *st = tb_schedule_find(o->sched, o->cur.step);
    tb_run *r = &o->run;
    char out[PATH_MAX + 32], status[PATH_MAX + 32];
    orch_run_files(o, r->id, out, status, sizeof out);
    snprintf(r->status, sizeof r->status, "%s", res->lost ? "interrupted" : outcome(res, r, out));
    if (res->lost)
        snprintf(r->message, sizeof r->message,
                 "adopted after a restart; it ended without an exit status (its process group "
                 "was killed): it runs again");
    if (res->timed_out)
        snprintf(r->message, sizeof r->message, "killed after its %d s timeout",
                 st ? st->timeout_s : 0);
    r->exit_code = res->exit_code;
    r->finished_ns = tb_clock_now_ns();
    int ok = tb_run_settled_ok(r->status);
    r->final = !res->lost && (ok || o->cur.manual || !st || o->cur.attempt > st->retries);
    double secs = (double)(tb_clock_mono_ns() - o->cur_mono_ns) / 1e9;
    tb_err e;
    if (tb_history_finish(o->o.db, r, &e) != 0)
        tb_orch_logf(&o->log, TB_LOG_ERROR, "run history: %s", e.msg);
    tb_orch_logf(&o->log, ok ? TB_LOG_INFO : TB_LOG_ERROR,
                 "step=%s status=%s duration=%.1fs attempt=%d%s%s", r->step, r->status, secs,
                 r->attempt, r->message[0] ? " message=" : "", r->message);
    if (!r->final && !res->lost) {
        orch_set_retry(o, r->step, r->day, tb_clock_now_ns() + (int64_t)st->retry_delay_s * NS);
        tb_orch_logf(&o->log, TB_LOG_WARN, "step=%s will retry in %d s (attempt %d of %d)", r->step,
                     st->retry_delay_s, r->attempt + 1, st->retries + 1);
    }
    unlink(out); /* its lines are in orchestrator.log now */
    unlink(status);
}

static void on_exit_cb(const tb_child_result *res, void *ud)
{
    tb_orch *o = ud;
    tb_run *r = &o->run;
    orch_settle(o, res);
    tb_child_free(o->child);
    o->child = NULL;
    if (o->o.on_done) o->o.on_done(r, o->o.ud);
    event_active(o->kick, 0, 0);
}

/* The argument vector: tradebot's own sub-command, or the script's Lua function. */
static int build_argv(tb_orch *o, const tb_step *st, char **argv)
{
    int n = 0;
    argv[n++] = o->exe;
    if (st->lua[0]) {
        argv[n++] = "lua";
        argv[n++] = o->script;
        argv[n++] = "--call";
        argv[n++] = (char *)st->lua;
    } else {
        for (int i = 0; i < st->argc; i++) argv[n++] = (char *)st->argv[i];
    }
    argv[n] = NULL;
    return n;
}

static int spawn(tb_orch *o, const tb_step *st)
{
    char *argv[TB_STEP_MAX_ARGS + 8];
    build_argv(o, st, argv);
    char home[PATH_MAX + 16], step[96], day[32], pid[48], dbuf[16];
    snprintf(home, sizeof home, "TRADEBOT_HOME=%s", o->home);
    snprintf(step, sizeof step, "TB_ORCH_STEP=%s", st->name);
    snprintf(day, sizeof day, "TB_ORCH_DAY=%s", tb_date_fmt(o->cur.day, dbuf, sizeof dbuf));
    snprintf(pid, sizeof pid, "TB_ORCH_ENGINE_PID=%d", o->o.engine_pid);
    const char *env[] = {home, step, day, o->o.engine_pid ? pid : NULL, NULL};
    char out[PATH_MAX + 32], status[PATH_MAX + 32], dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/run/orch", o->home);
    mkdir(dir, 0700);
    tb_child_opts co = {.argv = argv,
                        .cwd = o->home,
                        .out_path = out,
                        .status_path = status,
                        .env = env,
                        .timeout_s = st->timeout_s,
                        .on_line = on_line,
                        .on_exit = on_exit_cb,
                        .ud = o};
    tb_err e;
    fill_run(o, &o->cur, &o->run);
    snprintf(o->run.status, sizeof o->run.status, "running");
    if (tb_history_insert(o->o.db, &o->run, &e) != 0) {
        tb_orch_logf(&o->log, TB_LOG_ERROR, "run history: %s", e.msg);
        return -1;
    }
    o->cur_mono_ns = tb_clock_mono_ns();
    orch_run_files(o, o->run.id, out, status, sizeof out);
    if (!(o->child = tb_child_spawn(o->o.base, &co, &e))) {
        snprintf(o->run.status, sizeof o->run.status, "failed");
        snprintf(o->run.message, sizeof o->run.message, "%s", e.msg);
        o->run.final = 1;
        tb_history_finish(o->o.db, &o->run, NULL);
        tb_orch_logf(&o->log, TB_LOG_ERROR, "step=%s status=failed: %s", st->name, e.msg);
        return -1;
    }
    /* Recorded at once: a restarted orchestrator adopts the step instead of starting it twice. */
    o->run.pid = (int)tb_child_pid(o->child);
    o->run.pid_start = tb_child_start_ticks(o->child);
    if (tb_history_set_pid(o->o.db, &o->run, &e) != 0)
        tb_orch_logf(&o->log, TB_LOG_ERROR, "run history: %s", e.msg);
    char what[512];
    tb_orch_logf(&o->log, TB_LOG_INFO, "step=%s started: %s attempt=%d day=%s source=%s pid=%d",
                 st->name, tb_step_describe(st, what, sizeof what), o->cur.attempt, dbuf,
                 o->run.source, o->run.pid);
    return 0;
}

void orch_start_next(tb_orch *o)
{
    while (!o->child && o->nqueue > 0) {
        o->cur = o->queue[0];
        memmove(o->queue, o->queue + 1, (size_t)--o->nqueue * sizeof o->queue[0]);
        const tb_step *st = tb_schedule_find(o->sched, o->cur.step);
        if (!st) continue; /* removed from the script since it was queued */
        if (st->argc > 0 && o->o.has_command && !o->o.has_command(st->argv[0])) {
            char msg[256];
            snprintf(msg, sizeof msg, "step %s: `tradebot %s` does not exist yet", st->name,
                     st->argv[0]);
            orch_record(o, &o->cur, "unavailable", msg);
            continue;
        }
        spawn(o, st);
    }
}
