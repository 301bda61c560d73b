#include "cli/commands.h"
#include "cli/orch_cli.h"
#include "engine/watch.h"
#include "home/home.h"
#include "loop/loop.h"
#include "sched/lock.h"
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
    "               every scheduled step settled ok (or unavailable: its command does not exist\n"
    "               yet), 1 when not\n"
    "  --list       the steps as read from the script\n"
    "  --dry-run    what would run when over the next N days (default 1)\n"
    "  --step NAME  run one step now and wait for it; exit 0 when it succeeded\n"
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
        rc = tb_loop_run(loop);
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
