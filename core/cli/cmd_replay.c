/*
 * cmd_replay.c - `tradebot replay`: list the recorded sessions, or replay some and compare their
 * decisions with the recorded ones (core/replay/session_replay.h, docs/replay.md).
 * Exit 0 identical, 1 differences, 2 error.
 */
#include "cli/commands.h"
#include "config/config.h"
#include "home/home.h"
#include "log/log.h"
#include "replay/rec.h"
#include "replay/recorder.h"
#include "replay/session_replay.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot replay --list [--json]\n"
    "       tradebot replay SESSION... [--strategies recorded|current] [--json] [--quiet]\n"
    "       tradebot replay --last N [--sessions DIR] [--strategies recorded|current] [--json]\n\n"
    "Replays sessions the live engine recorded in data/sessions/ (SESSION: an id from --list, or\n"
    "a .rec file) through the same strategy versions (the text stored in the recording), the\n"
    "same gates and a broker answering with the recorded fills, rejects and cancels, and\n"
    "compares every decision with the recorded one.\n"
    "--strategies current uses the home's strategy files and configured params instead (to test\n"
    "a change). --last N replays the last N recordings as one run (the Healer's proof);\n"
    "--sessions DIR reads them from DIR instead of the home's data/sessions.\n"
    "--json prints {identical, differences, report, sessions, ...}; --quiet prints only the\n"
    "differences and the summary.\n\n"
    "Exit status: 0 identical, 1 differences, 2 error (unknown session, unreadable recording).\n";

typedef struct rp_args {
    int list, json, quiet, current, last;
    const char *sessions;
} rp_args;

static int parse(int argc, char **argv, rp_args *a)
{
    static const struct option opts[] = {
        {"list", no_argument, 0, 'l'},
        {"json", no_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},
        {"strategies", required_argument, 0, 's'},
        {"last", required_argument, 0, 'n'},
        {"sessions", required_argument, 0, 'd'},
        {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': a->list = 1; break;
        case 'j': a->json = 1; break;
        case 'q': a->quiet = 1; break;
        case 'n': a->last = atoi(optarg); break;
        case 'd': a->sessions = optarg; break;
        case 's':
            if (strcmp(optarg, "current") == 0)
                a->current = 1;
            else if (strcmp(optarg, "recorded") != 0)
                return -1;
            break;
        default: return -1;
        }
    }
    return 0;
}

static void list_sessions(const char *dir, int json)
{
    static char files[TB_REPLAY_MAX_FILES][4096];
    int n = tb_sreplay_list(dir, files, TB_REPLAY_MAX_FILES);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        tb_rec_reader r;
        tb_err e;
        long bars = 0, decisions = 0, updates = 0;
        int clean = 0, bad = 0;
        if (tb_rec_open(&r, files[i], &e) == 0) {
            tb_rec_rec x;
            int rc;
            while ((rc = tb_rec_next(&r, &x, &e)) == 1) {
                bars += x.type == TB_REC_BAR, decisions += x.type == TB_REC_DECISION;
                updates += x.type == TB_REC_UPDATE, clean |= x.type == TB_REC_END;
            }
            bad = rc < 0;
        } else {
            bad = 1;
        }
        const char *base = strrchr(files[i], '/') + 1;
        const char *state = bad ? "unreadable" : r.torn ? "torn tail" : clean ? "complete" : "open";
        if (json)
            json_array_append_new(arr,
                                  json_pack("{s:s%, s:s, s:I, s:I, s:I, s:s}", "id", base,
                                            strlen(base) - 4, "file", files[i], "bars",
                                            (json_int_t)bars, "decisions", (json_int_t)decisions,
                                            "updates", (json_int_t)updates, "state", state));
        else
            printf("%-24.*s bars=%-7ld decisions=%-6ld updates=%-6ld %s%s%s\n",
                   (int)strlen(base) - 4, base, bars, decisions, updates, state, bad ? ": " : "",
                   bad ? e.msg : "");
        tb_rec_close(&r);
    }
    if (json) {
        char *s = json_dumps(arr, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    } else if (!n) {
        printf("no recorded sessions in %s (a live-feed engine records them)\n", dir);
    }
    json_decref(arr);
}

/* A SESSION argument: an id in dir, else a path. */
static int resolve(const char *dir, const char *arg, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s.rec", dir, arg);
    if (access(out, R_OK) == 0) return 0;
    snprintf(out, cap, "%s", arg);
    return access(out, R_OK) == 0 ? 0 : -1;
}

static void print_json(const tb_sreplay_result *res)
{
    json_t *j =
        json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:O, s:o, s:b}", "identical",
                  res->differences == 0, "differences", (json_int_t)res->differences, "bars",
                  (json_int_t)res->bars, "recorded_decisions", (json_int_t)res->recorded,
                  "replayed_decisions", (json_int_t)res->replayed, "paper_orders",
                  (json_int_t)res->paper_orders, "unmatched_updates",
                  (json_int_t)res->unmatched_updates, "diffs", res->diffs, "sessions",
                  res->sessions, "report", tb_report_json(&res->report), "torn", res->torn);
    if (res->torn) json_object_set_new(j, "torn_note", json_string(res->torn_note));
    /* The report's figures at the top level too: the Healer compares them like a backtest's. */
    json_object_update_missing(j, json_object_get(j, "report"));
    char *s = json_dumps(j, JSON_INDENT(2));
    printf("%s\n", s);
    free(s);
    json_decref(j);
}

static int run(const rp_args *a, int argc, char **argv, const char *dir)
{
    static tb_sreplay_opts o;
    static char paths[TB_REPLAY_MAX_FILES][4096];
    memset(&o, 0, sizeof o);
    if (a->last > 0) {
        int n = tb_sreplay_list(dir, paths, TB_REPLAY_MAX_FILES);
        if (!n) {
            fprintf(stderr, "tradebot replay: no recorded sessions in %s\n", dir);
            return 2;
        }
        for (int i = n > a->last ? n - a->last : 0; i < n; i++) o.files[o.nfiles++] = paths[i];
    }
    for (int i = optind; i < argc && o.nfiles < TB_REPLAY_MAX_FILES; i++) {
        if (resolve(dir, argv[i], paths[o.nfiles], sizeof paths[0]) != 0) {
            fprintf(stderr, "tradebot replay: unknown session %s (no %s/%s.rec; see --list)\n",
                    argv[i], dir, argv[i]);
            return 2;
        }
        o.files[o.nfiles] = paths[o.nfiles];
        o.nfiles++;
    }
    if (!o.nfiles) {
        fprintf(stderr, "tradebot replay: name a SESSION, --last N or --list\n%s", usage);
        return 2;
    }
    tb_config cfg;
    tb_config_errors errs;
    char cpath[4096];
    if (a->current &&
        tb_config_load(tb_home_path(cpath, sizeof cpath, TB_CONFIG_PATH), 1, &cfg, &errs) != 0) {
        fprintf(stderr, "tradebot replay: %s\n", errs.n ? errs.msg[0] : "configuration");
        return 2;
    }
    o.current = a->current;
    o.cfg = a->current ? &cfg : NULL;
    o.out = a->json ? NULL : stdout;
    o.print_decisions = !a->quiet;
    tb_sreplay_result res;
    tb_err e;
    int rc = tb_sreplay_run(&o, &res, &e);
    if (a->current) tb_config_free(&cfg);
    if (rc != 0) {
        fprintf(stderr, "tradebot replay: %s\n", e.msg);
        json_decref(res.diffs), json_decref(res.sessions);
        return 2;
    }
    if (res.torn) fprintf(stderr, "tradebot replay: %s\n", res.torn_note);
    if (a->json) {
        print_json(&res);
    } else {
        printf("%s: %lld bars, %lld recorded decisions, %lld replayed; %s\n",
               o.nfiles == 1 ? o.files[0] : "sessions", (long long)res.bars,
               (long long)res.recorded, (long long)res.replayed,
               res.differences ? "DIFFERENT" : "identical");
        if (res.differences)
            printf("%lld differences (lines starting DIFF)\n", (long long)res.differences);
    }
    json_decref(res.diffs), json_decref(res.sessions);
    return res.differences ? 1 : 0;
}

int cmd_replay(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    rp_args a = {0};
    if (parse(argc, argv, &a) != 0) {
        fprintf(stderr, "tradebot replay: bad arguments\n%s", usage);
        return 2;
    }
    tb_err e;
    if (tb_home_init(&e) != 0) {
        fprintf(stderr, "tradebot replay: %s\n", e.msg);
        return 2;
    }
    tb_log_opts lo = {.level = TB_LOG_ERROR, .also_stderr = 1};
    tb_log_configure(&lo);
    char dir[4096];
    if (a.sessions)
        snprintf(dir, sizeof dir, "%s", a.sessions);
    else
        tb_home_path(dir, sizeof dir, TB_SESSIONS_DIR);
    if (a.list) {
        list_sessions(dir, a.json);
        return 0;
    }
    return run(&a, argc, argv, dir);
}
