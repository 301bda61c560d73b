#include "cli/commands.h"
#include "config/config.h"
#include "home/home.h"
#include "orch/defaults.h"
#include "sentinel/sentinel.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: tradebot sentinel [--home DIR] [--date YYYY-MM-DD] [--json] [--facts]\n\n"
    "The nightly audit (the orchestrator runs it at 22:30 UTC). Gathers the day's facts from\n"
    "ml_db/ml_data.db and the logs (trades, P&L, drawdown, decisions and gate blocks, missed\n"
    "opportunities, stale data, connectivity incidents, model calibration, database integrity,\n"
    "log and disk growth), judges them with every rule in scripts/sentinel/*.lua, appends each\n"
    "finding and action to logs/sentinel_activity.jsonl and writes the directives for the\n"
    "running engine (\"Strategic Reset\", pause_symbol, reduce_size) to\n"
    "data/sentinel_feedback.json. --date: the session to audit (default: the last one played).\n"
    "--json prints {date, findings, directives} (and facts with --facts). Exit 1 when a\n"
    "CRITICAL finding was made, so the orchestrator records the audit as failed.\n";

static void print_text(json_t *out)
{
    size_t i;
    json_t *f;
    printf("Sentinel audit of %s: %zu findings\n", json_string_value(json_object_get(out, "date")),
           json_array_size(json_object_get(out, "findings")));
    json_array_foreach(json_object_get(out, "findings"), i, f)
    {
        const char *sym = json_string_value(json_object_get(f, "symbol"));
        printf("%-8s %-22s %s%s%s\n", json_string_value(json_object_get(f, "severity")),
               json_string_value(json_object_get(f, "rule")), sym ? sym : "", sym ? ": " : "",
               json_string_value(json_object_get(f, "message")));
    }
    json_array_foreach(json_object_get(out, "directives"), i, f)
        printf("directive %s: %s\n", json_string_value(json_object_get(f, "id")),
               json_string_value(json_object_get(f, "type")));
}

static int has_critical(json_t *out)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(out, "findings"), i, f)
    {
        const char *s = json_string_value(json_object_get(f, "severity"));
        if (s && strcmp(s, "CRITICAL") == 0) return 1;
    }
    return 0;
}

int cmd_sentinel(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    static const struct option opts[] = {{"date", required_argument, 0, 'd'},
                                         {"json", no_argument, 0, 'j'},
                                         {"facts", no_argument, 0, 'f'},
                                         {0, 0, 0, 0}};
    const char *date = NULL;
    int json = 0, with_facts = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd')
            date = optarg;
        else if (c == 'j')
            json = 1;
        else if (c == 'f')
            with_facts = 1;
        else
            return 2;
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    tb_err e;
    tb_config cfg;
    if (tb_cli_home_config("sentinel", &cfg) != 0) return 1;
    tb_orch_write_default_scripts(); /* a new home gets the shipped rules */
    json_t *out = tb_sentinel_run(&cfg, date, &e);
    tb_config_free(&cfg);
    if (!out) {
        fprintf(stderr, "tradebot sentinel: %s\n", e.msg);
        return 1;
    }
    if (!with_facts) json_object_del(out, "facts");
    if (json) {
        char *s = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(10));
        puts(s);
        free(s);
    } else {
        print_text(out);
    }
    int critical = has_critical(out);
    json_decref(out);
    if (critical)
        fprintf(stderr, "tradebot sentinel: CRITICAL findings (see %s)\n", TB_SENTINEL_ACTIVITY);
    return critical ? 1 : 0;
}
