#include "cli/orch_cli.h"
#include "orch/status.h"
#include "util/clock.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000LL

/* "14:00Z (09:00 ET)" */
static char *fmt_due(int64_t t, char *buf, size_t len)
{
    tb_date d;
    int sec;
    tb_cal_local_time(t, &d, &sec);
    int64_t u = (t / NS) % 86400;
    snprintf(buf, len, "%02d:%02dZ (%02d:%02d ET)", (int)(u / 3600), (int)(u / 60 % 60), sec / 3600,
             sec / 60 % 60);
    return buf;
}

static double duration_s(const tb_run *r)
{
    return r->finished_ns > r->started_ns ? (double)(r->finished_ns - r->started_ns) / 1e9 : 0;
}

static json_t *status_json(const tb_step_status *ss, int n, tb_date d, int complete)
{
    char day[16], when[40];
    json_t *steps = json_array();
    for (int i = 0; i < n; i++) {
        const tb_step_status *s = &ss[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "name", s->step->name, "at", s->step->at,
                              "status", s->state, "scheduled", s->scheduled);
        if (s->scheduled)
            json_object_set_new(o, "due", json_string(tb_clock_fmt_utc(s->fire_ns, when, 40)));
        if (s->has_run) {
            json_object_set_new(o, "duration_s", json_real(duration_s(&s->run)));
            json_object_set_new(o, "attempt", json_integer(s->run.attempt));
            json_object_set_new(o, "source", json_string(s->run.source));
            json_object_set_new(o, "message", json_string(s->run.message));
        }
        json_array_append_new(steps, o);
    }
    return json_pack("{s:s, s:b, s:o}", "date", tb_date_fmt(d, day, sizeof day), "complete",
                     complete, "steps", steps);
}

int tb_orch_print_status(tb_orch_env *env, const char *date, int json)
{
    int64_t now = tb_clock_now_ns();
    tb_date d = tb_cal_session_day(now);
    tb_err e;
    if (date && tb_date_parse(date, &d, &e) != 0) {
        fprintf(stderr, "tradebot orchestrate: --date: %s\n", e.msg);
        return 2;
    }
    tb_step_status ss[TB_ORCH_MAX_STEPS];
    int complete;
    if (tb_orch_day_status(env->db, env->sched, &env->cal, d, now, ss, &complete, &e) != 0) {
        fprintf(stderr, "tradebot orchestrate: %s\n", e.msg);
        return 1;
    }
    if (json) {
        json_t *j = status_json(ss, env->sched->n, d, complete);
        char *s = json_dumps(j, JSON_INDENT(2));
        puts(s);
        free(s);
        json_decref(j);
        return complete ? 0 : 1;
    }
    char day[16], due[40];
    int scheduled = 0;
    for (int i = 0; i < env->sched->n; i++) scheduled += ss[i].scheduled;
    printf("daily sequence %s: %s\n", tb_date_fmt(d, day, sizeof day),
           !scheduled ? "complete (nothing scheduled: the market is closed)"
           : complete ? "complete"
                      : "NOT complete");
    for (int i = 0; i < env->sched->n; i++) {
        const tb_step_status *s = &ss[i];
        printf("  %-20s %-19s %-13s", s->step->name,
               s->scheduled ? fmt_due(s->fire_ns, due, sizeof due) : "-", s->state);
        if (s->has_run && s->run.finished_ns)
            printf(" %6.1fs  attempt %d%s", duration_s(&s->run), s->run.attempt,
                   strcmp(s->run.source, "manual") == 0 ? " (manual)" : "");
        if (s->has_run && s->run.message[0]) printf("  %s", s->run.message);
        putchar('\n');
    }
    return complete ? 0 : 1;
}

int tb_orch_print_list(tb_orch_env *env, int json)
{
    json_t *arr = json ? json_array() : NULL;
    for (int i = 0; i < env->sched->n; i++) {
        const tb_step *st = &env->sched->steps[i];
        char what[512];
        tb_step_describe(st, what, sizeof what);
        if (arr)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:b}", "name",
                                                 st->name, "at", st->at, "run", what, "timeout",
                                                 st->timeout_s, "retries", st->retries,
                                                 "retry_delay", st->retry_delay_s,
                                                 "skip_non_trading", st->skip_non_trading));
        else
            printf("%-20s %-26s %-28s timeout=%ds retries=%d%s\n", st->name, st->at, what,
                   st->timeout_s, st->retries, st->skip_non_trading ? "" : " every day");
    }
    if (arr) {
        char *s = json_dumps(arr, JSON_INDENT(2));
        puts(s);
        free(s);
        json_decref(arr);
    }
    return 0;
}

typedef struct firing {
    int64_t t;
    int idx;
} firing;

static int by_time(const void *a, const void *b)
{
    const firing *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->idx - y->idx;
}

int tb_orch_print_dry_run(tb_orch_env *env, int days)
{
    int64_t now = tb_clock_now_ns(), end = now + (int64_t)days * 86400 * NS;
    tb_date today = tb_cal_session_day(now);
    int cap = (days + 3) * TB_ORCH_MAX_STEPS, n = 0;
    firing *f = calloc((size_t)cap, sizeof *f);
    if (!f) return 1;
    for (tb_date d = today - 1; d <= today + days + 1; d++)
        for (int i = 0; i < env->sched->n; i++) {
            const tb_step *st = &env->sched->steps[i];
            int64_t t;
            if (n < cap && tb_when_fire(&st->when, &env->cal, d, st->skip_non_trading, &t) &&
                t >= now && t < end)
                f[n++] = (firing){t, i};
        }
    qsort(f, (size_t)n, sizeof *f, by_time);
    char ts[40], due[40], what[512];
    printf("next %d day(s) from %s: %d step run(s)\n", days, tb_clock_fmt_utc(now, ts, 40), n);
    for (int k = 0; k < n; k++) {
        const tb_step *st = &env->sched->steps[f[k].idx];
        tb_clock_fmt_utc(f[k].t, ts, sizeof ts);
        ts[10] = '\0';
        printf("%s %s  %-20s %s\n", ts, fmt_due(f[k].t, due, sizeof due), st->name,
               tb_step_describe(st, what, sizeof what));
    }
    free(f);
    return 0;
}

int tb_orch_run_step(tb_orch_env *env, const char *name)
{
    tb_err e;
    struct event_base *base = event_base_new();
    int rc = 1;
    if (base && tb_orch_env_start(env, base, 1, 0, 0, &e) == 0 &&
        tb_orch_run_now(env->orch, name, &e) == 0) {
        while (tb_orch_busy(env->orch)) event_base_loop(base, EVLOOP_ONCE);
        tb_run r;
        tb_date today = tb_cal_session_day(tb_clock_now_ns());
        if (tb_history_latest(env->db, name, today, &r, &e) == 1) {
            printf("step=%s status=%s duration=%.1fs%s%s\n", name, r.status, duration_s(&r),
                   r.message[0] ? " message=" : "", r.message);
            rc = strcmp(r.status, "ok") == 0 || strcmp(r.status, "skipped") == 0 ? 0 : 1;
        }
    } else {
        fprintf(stderr, "tradebot orchestrate: %s\n", e.msg);
    }
    tb_orch_free(env->orch);
    env->orch = NULL;
    if (base) event_base_free(base);
    return rc;
}
