#include "cli/commands.h"
#include "cli/orch_cli.h"
#include "engine/watch.h"
#include "home/home.h"
#include "loop/loop.h"
#include "orch/lock.h"
#include "data/calendar.h"
#include "util/clock.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot orchestrate [--home DIR] [--status [--date D] [--json] | --list [--json] |\n"
    "                            --dry-run [--days N] | --step NAME]\n\n"
    "Runs the daily sequence of scripts/orchestrator.lua (orchestrator.script): each step at its\n"
    "time, as a child process with a timeout and retries, logged to logs/orchestrator.log, every\n"
    "attempt recorded in ml_db/ml_data.db so a restart resumes the day. The script reloads when "
    "it\n"
    "changes. Without options it runs until Ctrl-C or SIGTERM.\n\n"
    "  --status     did today's (or --date D's) sequence complete? one line per step; exit 0 when\n"
    "               every scheduled step settled ok, skipped (it does not apply to this home,\n"
    "               e.g. the Healer without git: exit status 78 and a \"skipped: WHY\" line) or\n"
    "               unavailable (its command does not exist yet), 1 when not\n"
    "  --list       the steps as read from the script\n"
    "  --dry-run    what would run when over the next N days (default 1)\n"
    "  --step NAME  run one step now and wait for it; exit 0 when it succeeded or skipped\n"
    "  --json       machine-readable --status / --list\n";

typedef struct opts {
    const char *mode, *step, *date;
    int json, days;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->days = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_next = i + 1 < argc;
        if (!strcmp(a, "--status") || !strcmp(a, "--list") || !strcmp(a, "--dry-run")) {
            if (o->mode) return -1;
            o->mode = a + 2;
        } else if (!strcmp(a, "--step") && has_next && !o->mode) {
            o->mode = "step", o->step = argv[++i];
        } else if (!strcmp(a, "--date") && has_next) {
            o->date = argv[++i];
        } else if (!strcmp(a, "--days") && has_next) {
            o->days = atoi(argv[++i]);
            if (o->days < 1 || o->days > 60) return -1;
        } else if (!strcmp(a, "--json")) {
            o->json = 1;
        } else {
            return -1;
        }
    }
    return 0;
}

static void on_script_changed(const char *path, void *ud)
{
    tb_orch_env *env = ud;
    tb_err e;
    if (strcmp(path, env->script) == 0) tb_orch_reload(env->orch, &e);
}

/* What the daemon waits for, said when it changes: a foreground `tradebot orchestrate` would
 * otherwise print nothing for hours between steps. */
typedef struct next_line {
    tb_orch_env *env;
    const tb_step *step;
    int64_t at_ns;
    int busy;
} next_line;

static void say_next(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    next_line *nl = arg;
    const tb_step *st;
    int64_t now = tb_clock_now_ns(), at = tb_orch_next_fire(nl->env->orch, now, &st);
    int busy = tb_orch_busy(nl->env->orch);
    if (st == nl->step && at == nl->at_ns && busy == nl->busy) return;
    nl->step = st, nl->at_ns = at, nl->busy = busy;
    if (busy) return; /* the step's own lines say what happens */
    if (!st) {
        printf("tradebot orchestrate: no step is due in the next 10 days\n");
    } else {
        char utc[40];
        int sod;
        tb_cal_local_time(at, NULL, &sod);
        int64_t in_min = (at - now) / 60000000000LL;
        printf("tradebot orchestrate: next step %s at %s (%02d:%02d ET), in %lldh%02lldm\n",
               st->name, tb_clock_fmt_utc(at, utc, sizeof utc), sod / 3600, sod / 60 % 60,
               (long long)(in_min / 60), (long long)(in_min % 60));
    }
    fflush(stdout);
}

static void on_stop(void *ud, int signo)
{
    fprintf(stderr, "tradebot orchestrate: signal %d: stopping\n", signo);
}

static int run_daemon(tb_orch_env *env)
{
    tb_err e;
    int lock = tb_orch_lock(&e);
    tb_loop *loop = lock >= 0 ? tb_loop_new(0, &e) : NULL;
    tb_loop_hooks hooks = {.on_stop = on_stop, .ud = env};
    tb_watch *w = NULL;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", env->script);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    int rc = -1;
    if (loop && tb_loop_handle_signals(loop, &hooks, &e) == 0 &&
        (w = tb_watch_new(tb_loop_base(loop), 100, on_script_changed, env, &e)) &&
        tb_watch_add_dir(w, dir, 0, &e) == 0 &&
        tb_orch_env_start(env, tb_loop_base(loop), isatty(2), 0, 1, &e) == 0) {
        tb_orch_tick(env->orch);
        tb_orch_start(env->orch);
        const tb_schedule *sc = tb_orch_schedule(env->orch);
        printf("tradebot orchestrate: %d steps from %s (logs/orchestrator.log has each run)\n",
               sc ? sc->n : 0, env->script);
        next_line nl = {.env = env, .at_ns = -1, .busy = -1};
        struct event *say = event_new(tb_loop_base(loop), -1, EV_PERSIST, say_next, &nl);
        struct timeval every = {1, 0};
        if (say) event_add(say, &every);
        say_next(-1, 0, &nl);
        rc = tb_loop_run(loop);
        if (say) event_free(say);
    }
    if (rc != 0 && e.msg[0]) fprintf(stderr, "tradebot orchestrate: %s\n", e.msg);
    tb_orch_free(env->orch);
    env->orch = NULL;
    tb_watch_free(w);
    tb_loop_free(loop);
    if (lock >= 0) close(lock);
    return rc == 0 ? 0 : 1;
}

static int has_command(const char *name)
{
    return tb_command_find(name) != NULL;
}

int cmd_orchestrate(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    opts o;
    if (parse(argc, argv, &o) != 0) {
        fputs(usage, stderr);
        return 2;
    }
    tb_orch_has_command = has_command;
    tb_clock_from_env(); /* tests pick the day: a trading day whatever the real date */
    tb_orch_env env;
    tb_err e = {""};
    if (tb_orch_env_open(&env, NULL, NULL, &e) != 0) {
        fprintf(stderr, "tradebot orchestrate: %s\n", e.msg);
        tb_orch_env_close(&env);
        return 1;
    }
    int rc;
    if (!o.mode)
        rc = run_daemon(&env);
    else if (!strcmp(o.mode, "status"))
        rc = tb_orch_print_status(&env, o.date, o.json);
    else if (!strcmp(o.mode, "list"))
        rc = tb_orch_print_list(&env, o.json);
    else if (!strcmp(o.mode, "dry-run"))
        rc = tb_orch_print_dry_run(&env, o.days);
    else
        rc = tb_orch_run_step(&env, o.step);
    tb_orch_env_close(&env);
    return rc;
}
