/*
 * cmd_sweep_report.c - `tradebot sweep merge OUT.db SHARD...` and `tradebot sweep report FILE.db
 * [--html FILE] [--propose]` (usage in cmd_sweep.c).
 */
#include "cli/commands.h"
#include "home/home.h"
#include "sweep/propose.h"
#include "sweep/report_html.h"
#include "sweep/store.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_sweep_merge(int argc, char **argv)
{
    if (tb_wants_help(argc, argv) || argc < 3) {
        fprintf(argc < 3 ? stderr : stdout,
                "usage: tradebot sweep merge OUT.db SHARD.db...\nCopies the shards' results into "
                "OUT.db (created when missing). Every shard must be of the same sweep, and a task "
                "two shards both ran must have the same result in both.\n");
        return argc < 3 ? 2 : 0;
    }
    tb_err e;
    size_t missing = 0;
    if (tb_sweep_db_merge(argv[1], argv + 2, argc - 2, &missing, &e) != 0) {
        fprintf(stderr, "tradebot sweep merge: %s\n", e.msg);
        return 1;
    }
    printf("merged     %d shards into %s\n", argc - 2, argv[1]);
    if (missing)
        fprintf(stderr,
                "tradebot sweep merge: %zu tasks still have no result (a shard missing or "
                "unfinished)\n",
                missing);
    return 0;
}

static int report(const char *file, const char *html, int propose, int json)
{
    tb_err e;
    tb_db *db = tb_sweep_db_open(file, &e);
    tb_sweep_view v;
    memset(&v, 0, sizeof v);
    int rc = db ? tb_sweep_view_load(&v, db, &e) : -1;
    char path[PATH_MAX], id[64];
    if (rc == 0) {
        if (json) {
            json_t *j = tb_sweep_json(&v);
            char *t = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
            puts(t ? t : "null");
            free(t);
            json_decref(j);
        } else {
            tb_sweep_print(&v, stdout);
        }
        if (html)
            snprintf(path, sizeof path, "%s", html);
        else
            snprintf(path, sizeof path, "%s.html", file);
        rc = tb_sweep_write_html(&v, path, &e);
        if (rc == 0) fprintf(stderr, "report     %s\n", path);
    }
    if (rc == 0 && v.missing)
        fprintf(stderr, "tradebot sweep report: INCOMPLETE, %zu of %zu tasks have no result\n",
                v.missing, v.ntasks);
    if (rc == 0 && propose && tb_home_init(&e) == 0 &&
        (rc = tb_sweep_propose(&v, id, sizeof id, &e)) == 0)
        fprintf(json ? stderr : stdout,
                "proposed   Healer directive %s (Queued): `tradebot healer approve %s`\n", id, id);
    else if (rc == 0 && propose)
        rc = -1;
    if (rc) fprintf(stderr, "tradebot sweep report: %s\n", e.msg);
    tb_sweep_view_free(&v);
    tb_db_close(db);
    return rc ? 1 : 0;
}

int cmd_sweep_report(int argc, char **argv)
{
    static const struct option opts[] = {{"html", required_argument, 0, 'h'},
                                         {"propose", no_argument, 0, 'p'},
                                         {"json", no_argument, 0, 'j'},
                                         {0, 0, 0, 0}};
    if (tb_wants_help(argc, argv)) {
        printf("usage: tradebot sweep report FILE.db [--html FILE] [--propose] [--json]\n(see "
               "`tradebot "
               "sweep --help`)\n");
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    const char *html = NULL;
    int propose = 0, json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'h')
            html = optarg;
        else if (c == 'p')
            propose = 1;
        else if (c == 'j')
            json = 1;
        else
            return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tradebot sweep report: needs one FILE.db\n");
        return 2;
    }
    return report(argv[optind], html, propose, json);
}
