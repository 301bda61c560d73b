/*
 * cmd_vix.c - `tradebot vix`: the current VIX from the configured source (runbook 4.5 step 1,
 * the original's scripts/check_vix.py).
 */
#include "cli/commands.h"
#include "config/config.h"
#include "home/home.h"
#include "risk/macro.h"

#include <jansson.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: tradebot vix [--json]\n\n"
    "Prints the current VIX from risk.survival.source (sample data, a CSV, or Polygon's I:VIX)\n"
    "and whether it is at or above risk.survival.vix_threshold (survival mode).\n";

int cmd_vix(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    int json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (argc > 1 && !json) {
        fputs(usage, stderr);
        return 2;
    }
    tb_err e;
    tb_config cfg;
    if (tb_cli_home_config("vix", &cfg) != 0) return 1;
    double vix;
    char date[16] = "", src[300] = "";
    int rc = tb_macro_fetch_vix(&cfg, &vix, date, sizeof date, src, sizeof src, &e);
    double thr = cfg.risk.survival.vix_threshold;
    tb_config_free(&cfg);
    if (rc != 0) {
        fprintf(stderr, "tradebot vix: %s\n", e.msg);
        return 1;
    }
    if (json)
        tb_cli_print_json(json_pack("{s:f, s:s, s:s, s:b}", "vix", round(vix * 100) / 100, "date",
                                    date, "source", src, "survival", vix >= thr));
    else
        printf("VIX %.2f (%s, %s)%s\n", vix, date, src,
               vix >= thr ? ": survival mode (at or above the threshold)" : "");
    return 0;
}
