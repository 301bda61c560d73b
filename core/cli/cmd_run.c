#include "cli/commands.h"
#include "engine/engine.h"
#include "home/home.h"
#include "http/dashboard.h"
#include "log/log.h"
#include "orch/orch_env.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot run [--home DIR] [--port N]\n\n"
    "Runs the engine on config/trading_config.json (written from the embedded default when\n"
    "missing). Stops cleanly on Ctrl-C or SIGTERM; SIGHUP reloads the configuration. Files under\n"
    "strategies/, scripts/ and config/ reload when they change. `tradebot repl` attaches.\n\n"
    "  --port N   the dashboard's port instead of dashboard.port (0: any free port; the log\n"
    "             line `dashboard listening on ...` says which)\n";

/* --port N out of argv (shifted); 0 when absent (port stays -1), -1 on a bad value. */
static int take_port(int *argc, char **argv, int *port)
{
    *port = -1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--port") != 0) continue;
        char *end = NULL;
        long v = i + 1 < *argc ? strtol(argv[i + 1], &end, 10) : -1;
        if (!end || *end || end == argv[i + 1] || v < 0 || v > 65535) return -1;
        *port = (int)v;
        for (int j = i; j + 2 <= *argc; j++) argv[j] = argv[j + 2];
        *argc -= 2;
        return 0;
    }
    return 0;
}

static int has_command(const char *name)
{
    return tb_command_find(name) != NULL;
}

/* The engine trades without its dashboard: a taken port is an error in the log, not a stop. */
static void open_dashboard(tb_engine *en)
{
    tb_err de;
    if (!en->cfg.dashboard.enabled) return;
    if (!(en->dash = tb_dashboard_open(en, &de)))
        TB_ERROR("dashboard", "dashboard not started: %s", de.msg);
    else
        en->dash_port = tb_dashboard_port(en->dash);
}

int cmd_run(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    tb_engine_args args;
    if (take_port(&argc, argv, &args.dashboard_port) != 0) {
        fprintf(stderr, "tradebot run: --port needs a port number from 0 to 65535\n%s", usage);
        return 2;
    }
    if (argc > 1) {
        fprintf(stderr, "tradebot run: unexpected argument '%s'\n%s", argv[1], usage);
        return 2;
    }
    tb_err e;
    if (tb_home_init(&e) != 0) {
        fprintf(stderr, "tradebot run: %s\n", e.msg);
        return 1;
    }
    /* First of all: a second engine must not recover, journal or log into a live one's home. */
    int holder = 0;
    int lock = tb_home_lock(TB_HOME_ENGINE_LOCK, &holder, &e);
    if (lock < 0) {
        if (holder > 0)
            fprintf(stderr,
                    "tradebot run: another engine (pid %d) is already running in %s; stop it "
                    "first\n",
                    holder, tb_home_dir());
        else
            fprintf(stderr, "tradebot run: %s\n", e.msg);
        return 1;
    }
    char logpath[PATH_MAX], archives[PATH_MAX];
    tb_log_opts lo = {.level = TB_LOG_INFO,
                      .also_stderr = 1,
                      .archive_dir = tb_home_path(archives, sizeof archives, "data/archives")};
    if (tb_log_open(tb_home_path(logpath, sizeof logpath, "logs/trading_bot.log"), &lo, &e) != 0) {
        fprintf(stderr, "tradebot run: %s\n", e.msg);
        return 1;
    }
    tb_orch_has_command = has_command; /* orchestrator steps naming a missing command */
    tb_engine en;
    int rc = 1;
    if (tb_engine_open(&en, &args, &e) != 0) {
        TB_ERROR("engine", "cannot start: %s", e.msg);
        fprintf(stderr, "tradebot run: %s\n", e.msg);
    } else {
        open_dashboard(&en);
        rc = tb_engine_run(&en) == 0 ? 0 : 1;
    }
    tb_dashboard_close(en.dash);
    tb_engine_close(&en);
    tb_log_close();
    close(lock); /* last: the log's final line is written while we still own the home */
    return rc;
}
