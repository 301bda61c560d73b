#include "orch/orch_priv.h"
#include "loop/stall.h"
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NS 1000000000LL

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_ORCH, "orchestrator step start", NULL);
    orch_start_next(arg);
    tb_work_end();
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_ORCH, "orchestrator tick", NULL);
    tb_orch *o = arg;
    tb_orch_tick(o);
    tb_orch_start(o);
    tb_work_end();
}

tb_orch *tb_orch_new(const tb_orch_opts *opts, tb_err *e)
{
    tb_orch *o = calloc(1, sizeof *o);
    if (!o || !(o->sched = calloc(1, sizeof *o->sched))) {
        free(o);
        tb_errf(e, "orchestrator: out of memory");
        return NULL;
    }
    o->o = *opts;
    snprintf(o->script, sizeof o->script, "%s", opts->script);
    snprintf(o->script_rel, sizeof o->script_rel, "%s",
             opts->script_rel ? opts->script_rel : opts->script);
    snprintf(o->home, sizeof o->home, "%s", opts->home ? opts->home : ".");
    if (opts->exe) {
        snprintf(o->exe, sizeof o->exe, "%s", opts->exe);
    } else {
        ssize_t n = readlink("/proc/self/exe", o->exe, sizeof o->exe - 1);
        o->exe[n > 0 ? n : 0] = '\0';
    }
    tb_orch_log_init(&o->log, opts->log_path);
    o->log.echo = opts->echo;
    o->kick = event_new(opts->base, -1, 0, kick_cb, o);
    o->timer = evtimer_new(opts->base, timer_cb, o);
    if (tb_schedule_load(o->script, o->script_rel, o->sched, e) != 0 ||
        (opts->owner && orch_recover(o, e) != 0)) {
        tb_orch_free(o);
        return NULL;
    }
    tb_orch_logf(&o->log, TB_LOG_INFO, "orchestrator schedule loaded: steps=%d file=%s",
                 o->sched->n, o->script_rel);
    return o;
}

int tb_orch_reload(tb_orch *o, tb_err *e)
{
    tb_schedule *s = calloc(1, sizeof *s);
    if (!s) return tb_errf(e, "orchestrator: out of memory");
    if (tb_schedule_load(o->script, o->script_rel, s, e) != 0) {
        free(s);
        tb_orch_logf(&o->log, TB_LOG_ERROR,
                     "orchestrator schedule reload failed: %s (keeping the running schedule)",
                     e->msg);
        return -1;
    }
    free(o->sched);
    o->sched = s;
    tb_orch_logf(&o->log, TB_LOG_INFO, "orchestrator schedule reloaded: steps=%d file=%s", s->n,
                 o->script_rel);
    if (evtimer_pending(o->timer, NULL)) {
        tb_orch_tick(o); /* a new step that is already due runs now */
        tb_orch_start(o);
    }
    return 0;
}

static int queued(const tb_orch *o, const char *step, tb_date day)
{
    if (o->child && strcmp(o->cur.step, step) == 0 && o->cur.day == day) return 1;
    for (int i = 0; i < o->nqueue; i++)
        if (strcmp(o->queue[i].step, step) == 0 && o->queue[i].day == day) return 1;
    return 0;
}

static int64_t retry_at(const tb_orch *o, const char *step, tb_date day)
{
    for (int i = 0; i < o->nretries; i++)
        if (strcmp(o->retries[i].step, step) == 0 && o->retries[i].day == day)
            return o->retries[i].at_ns;
    return 0;
}

void orch_set_retry(tb_orch *o, const char *step, tb_date day, int64_t at_ns)
{
    int i = 0;
    while (i < o->nretries && (strcmp(o->retries[i].step, step) || o->retries[i].day != day)) i++;
    if (i == o->nretries) {
        if (o->nretries == ORCH_QUEUE_MAX)
            i = 0; /* forget the oldest: it retries at once */
        else
            o->nretries++;
    }
    snprintf(o->retries[i].step, sizeof o->retries[i].step, "%s", step);
    o->retries[i].day = day;
    o->retries[i].at_ns = at_ns;
}

/* Inserts in due order; equal times keep schedule order (the pre-market sequence). */
static void enqueue(tb_orch *o, const orch_item *it)
{
    if (o->nqueue == ORCH_QUEUE_MAX) return;
    int i = o->nqueue;
    while (i > 0 && o->queue[i - 1].due_ns > it->due_ns && !o->queue[i - 1].manual) {
        o->queue[i] = o->queue[i - 1];
        i--;
    }
    o->queue[i] = *it;
    o->nqueue++;
}

static void consider(tb_orch *o, const tb_step *st, tb_date d, int64_t now)
{
    int64_t fire;
    if (!tb_when_fire(&st->when, o->o.cal, d, st->skip_non_trading, &fire) || fire > now) return;
    if (queued(o, st->name, d)) return;
    tb_err e;
    int settled = tb_history_settled(o->o.db, st->name, d, &e);
    if (settled < 0) {
        tb_orch_logf(&o->log, TB_LOG_ERROR, "run history: %s", e.msg);
        return;
    }
    if (settled || retry_at(o, st->name, d) > now) return;
    orch_item it = {.day = d, .due_ns = fire};
    snprintf(it.step, sizeof it.step, "%s", st->name);
    if (now >= fire + (int64_t)st->grace_s * NS) {
        orch_record(o, &it, "missed", "not run within its grace period after the due time");
        return;
    }
    int n = 0;
    if (tb_history_attempts(o->o.db, st->name, d, &n, &e) != 0) return;
    it.attempt = n + 1;
    enqueue(o, &it);
}

void tb_orch_tick(tb_orch *o)
{
    int64_t now = tb_clock_now_ns();
    tb_date today = tb_cal_session_day(now);
    /* Yesterday too: a UTC-clock step and a late evening restart can belong to it. */
    for (tb_date d = today - 1; d <= today + 1; d++)
        for (int i = 0; i < o->sched->n; i++) consider(o, &o->sched->steps[i], d, now);
    if (!o->child && o->nqueue) event_active(o->kick, 0, 0);
}

int64_t tb_orch_next_fire(const tb_orch *o, int64_t now_ns, const tb_step **step)
{
    int64_t best = INT64_MAX;
    if (step) *step = NULL;
    tb_date today = tb_cal_session_day(now_ns);
    for (tb_date d = today - 1; d <= today + 10; d++)
        for (int i = 0; i < o->sched->n; i++) {
            const tb_step *st = &o->sched->steps[i];
            int64_t t;
            if (tb_when_fire(&st->when, o->o.cal, d, st->skip_non_trading, &t) && t > now_ns &&
                t < best) {
                best = t;
                if (step) *step = st;
            }
        }
    return best;
}

void tb_orch_start(tb_orch *o)
{
    int64_t now = tb_clock_now_ns(), next = tb_orch_next_fire(o, now, NULL);
    int64_t wait = next == INT64_MAX ? 30 * NS : next - now;
    if (wait > 30 * NS) wait = 30 * NS; /* clock changes and edits are noticed soon */
    if (wait < 0) wait = 0;
    struct timeval tv = {(time_t)(wait / NS), (suseconds_t)(wait % NS / 1000)};
    evtimer_add(o->timer, &tv);
}

int tb_orch_busy(const tb_orch *o)
{
    return o->child != NULL || o->nqueue > 0;
}

int tb_orch_run_now(tb_orch *o, const char *name, tb_err *e)
{
    if (!tb_schedule_find(o->sched, name))
        return tb_errf(e, "no step named \"%s\" in %s (`tradebot orchestrate --list`)", name,
                       o->script_rel);
    if (o->nqueue == ORCH_QUEUE_MAX) return tb_errf(e, "the orchestrator queue is full");
    orch_item it = {.day = tb_cal_session_day(tb_clock_now_ns()),
                    .due_ns = tb_clock_now_ns(),
                    .attempt = 1,
                    .manual = 1};
    snprintf(it.step, sizeof it.step, "%s", name);
    o->queue[o->nqueue++] = it;
    if (!o->child) event_active(o->kick, 0, 0);
    return 0;
}

const tb_schedule *tb_orch_schedule(const tb_orch *o)
{
    return o->sched;
}

void tb_orch_free(tb_orch *o)
{
    if (!o) return;
    if (o->child) {
        tb_child_free(o->child);
        o->child = NULL;
        snprintf(o->run.status, sizeof o->run.status, "interrupted");
        snprintf(o->run.message, sizeof o->run.message, "stopped with the orchestrator");
        o->run.finished_ns = tb_clock_now_ns();
        tb_history_finish(o->o.db, &o->run, NULL);
        tb_orch_logf(&o->log, TB_LOG_WARN, "step=%s status=interrupted (orchestrator stopping)",
                     o->cur.step);
        char out[PATH_MAX + 32], status[PATH_MAX + 32];
        orch_run_files(o, o->run.id, out, status, sizeof out);
        unlink(out);
        unlink(status);
    }
    if (o->kick) event_free(o->kick);
    if (o->timer) event_free(o->timer);
    tb_orch_log_close(&o->log);
    free(o->sched);
    free(o);
}
