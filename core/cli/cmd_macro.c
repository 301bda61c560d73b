/*
 * cmd_macro.c - `tradebot macro [--force]`: recomputes the macro state and writes
 * data/macro.json atomically (runbook 4.5 step 2, the original's macro_analyzer.py --force).
 * A running engine picks the new file up within a second; no restart.
 */
#include "cli/commands.h"
#include "config/config.h"
#include "home/home.h"
#include "risk/macro.h"
#include "util/clock.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot macro [--force]\n\n"
    "Computes the macro state (VIX from risk.survival.source, survival mode at or above\n"
    "risk.survival.vix_threshold) and writes data/macro.json. Without --force an existing state\n"
    "younger than risk.survival.max_age_hours is kept and printed.\n";

static void show(const tb_macro *m)
{
    printf("vix=%.2f date=%s source=%s survival=%s\n", m->vix, m->vix_date, m->source,
           m->survival ? "on" : "off");
}

int cmd_macro(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    int force = argc == 2 && strcmp(argv[1], "--force") == 0;
    if (argc > 1 && !force) {
        fputs(usage, stderr);
        return 2;
    }
    tb_err e;
    tb_config cfg;
    char out[PATH_MAX];
    if (tb_cli_home_config("macro", &cfg) != 0) return 1;
    tb_home_path(out, sizeof out, "data/macro.json");
    tb_macro m;
    int rc = 0;
    if (!force && tb_macro_read(out, &m, &e) == 0 &&
        (double)(tb_clock_now_ns() - m.time_ns) / 3600e9 <= cfg.risk.survival.max_age_hours) {
        show(&m);
    } else if (tb_macro_compute(&cfg, &m, &e) != 0 ||
               tb_macro_write(out, &m, cfg.risk.survival.vix_threshold, &e) != 0) {
        fprintf(stderr, "tradebot macro: %s\n", e.msg);
        rc = 1;
    } else {
        show(&m);
    }
    tb_config_free(&cfg);
    return rc;
}
