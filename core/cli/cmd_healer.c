#include "cli/commands.h"
#include "config/config.h"
#include "healer/healer.h"
#include "healer/store.h"
#include "home/home.h"
#include "log/log.h"
#include "orch/defaults.h"
#include "util/clock.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: tradebot healer [--home DIR] [list [--json] | show ID | run [--now | --nightly]\n"
    "                        [--id ID] [--no-propose] | approve ID | reject ID | rollback [ID] |\n"
    "                        cleanup [--all]]\n\n"
    "Repairs from the Sentinel's findings (docs/operations.md 4.7). The home must be a git\n"
    "repository. `run` (the default) turns the last audit's findings into directives with the\n"
    "Lua files of scripts/healer/ (and the LLM proposer when healer.llm_enabled), then executes\n"
    "the due ones: CRITICAL at once, WARNING and ERROR from 22:30 UTC to midnight (--now:\n"
    "regardless of the time; --nightly, the orchestrator's nightly step: started past midnight,\n"
    "it records the WARNING and ERROR ones it leaves as skipped and exits 78), only those with\n"
    "can_auto_apply true or approved by an operator. A home without git: exit 78, skipped. Each\n"
    "runs in its own\n"
    "git worktree on branch healer/auto-fix-{SYMBOL}-{TIMESTAMP}: apply, validate (changed Lua\n"
    "files load, tradebot check, busted specs if any, a replay of the last healer.replay_sessions\n"
    "sessions not worse on healer.metrics), commit. Success leaves the branch; failure deletes\n"
    "it and keeps data/healer_logs/ID.log. A change may touch only strategies/*.lua and the\n"
    "params/symbol_params of config/trading_config.json within the tunable bounds each\n"
    "strategy declares; anything else is Refused (a healer_boundary finding). `show ID` prints\n"
    "the full diff, the replay figures and the finding. `approve ID` merges an Executed "
    "directive's branch\n"
    "into the home (the running engine hot-reloads it) or lets a Queued one run; `rollback`\n"
    "reverts the last promotion; `cleanup` deletes branches nobody awaits review on (--all:\n"
    "every healer/auto-fix-* branch). Everything goes to logs/healer_history.jsonl.\n";

/* The change as a diff: the committed one when it ran, else the proposed patch. */
static const char *diff_of(json_t *d)
{
    const char *diff = json_string_value(json_object_get(d, "diff"));
    return diff ? diff : json_string_value(json_object_get(json_object_get(d, "change"), "patch"));
}

/* Prints text a proposer wrote (an LLM's diff, rationale, finding) with its control characters
 * made visible (\r, \x1b): a carriage return or an escape sequence would otherwise let a diff
 * hide from the reviewer a line of the very change being approved. Newlines and tabs stay. */
static void put_visible(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n' || *p == '\t' || (*p >= 0x20 && *p != 0x7f))
            putchar(*p);
        else if (*p == '\r')
            fputs("\\r", stdout);
        else
            printf("\\x%02x", *p);
    }
}

/* "2 files +3 -1" for a diff, else the change itself in one line. */
static void summary(json_t *d, char *out, size_t len)
{
    const char *diff = diff_of(d);
    if (!diff) {
        char *c = json_dumps(json_object_get(d, "change"), JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(out, len, "%.60s%s", c ? c : "", c && strlen(c) > 60 ? "..." : "");
        free(c);
        return;
    }
    int files = 0, add = 0, del = 0;
    for (const char *l = diff; *l;) {
        size_t n = strcspn(l, "\n");
        if (strncmp(l, "+++ ", 4) == 0)
            files++;
        else if (strncmp(l, "--- ", 4) != 0 && n && l[0] == '+')
            add++;
        else if (strncmp(l, "--- ", 4) != 0 && n && l[0] == '-')
            del++;
        l += n + (l[n] == '\n');
    }
    snprintf(out, len, "%d file%s +%d -%d", files, files == 1 ? "" : "s", add, del);
}

static void print_list(json_t *root, int json)
{
    if (json) {
        char *s = json_dumps(root, JSON_INDENT(2));
        puts(s);
        free(s);
        return;
    }
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(root, "directives"), i, d)
    {
        const char *b = json_string_value(json_object_get(d, "branch"));
        char sum[96];
        summary(d, sum, sizeof sum);
        char line[1024];
        snprintf(line, sizeof line, "%-22s %-18s %-8s %-13s %-26s %-6s %s%s%s\n",
                 json_string_value(json_object_get(d, "id")), hl_status(d),
                 json_string_value(json_object_get(d, "severity")),
                 json_string_value(json_object_get(d, "kind")),
                 json_string_value(json_object_get(d, "target")),
                 json_is_true(json_object_get(d, "can_auto_apply")) ? "auto" : "manual", sum,
                 b ? " " : "", b ? b : "");
        put_visible(line);
    }
}

static void field(const char *name, json_t *v)
{
    if (!json_is_string(v)) return;
    printf("%-10s ", name);
    put_visible(json_string_value(v));
    putchar('\n');
}

static void print_figures(const char *name, json_t *f)
{
    if (!json_is_object(f)) return;
    printf("  %-10s trades %lld  pnl %.2f  win rate %.2f  max drawdown %.2f%%  sharpe %.2f\n", name,
           (long long)json_integer_value(json_object_get(f, "trades")),
           json_number_value(json_object_get(f, "pnl")),
           json_number_value(json_object_get(f, "win_rate")),
           json_number_value(json_object_get(f, "max_drawdown_pct")),
           json_number_value(json_object_get(f, "sharpe")));
}

/* Everything an operator needs to decide: the finding, the change in full, the replay. */
static void print_one(json_t *d)
{
    static const char *const fields[][2] = {
        {"proposer", "proposer"},       {"kind", "kind"},           {"target", "target"},
        {"severity", "severity"},       {"symbol", "symbol"},       {"finding", "finding"},
        {"message", "finding_message"}, {"rationale", "rationale"}, {"error", "error"},
        {"branch", "branch"},           {"merge", "merge_commit"},  {"log", "log"}};
    field("id", json_object_get(d, "id"));
    printf("%-10s %s\n", "status", hl_status(d));
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        field(fields[i][0], json_object_get(d, fields[i][1]));
    json_t *r = json_object_get(d, "replay");
    if (json_is_object(r)) {
        printf("replay     %s .. %s\n", json_string_value(json_object_get(r, "from")),
               json_string_value(json_object_get(r, "to")));
        /* what the proof stands on: recorded live sessions, or sample data on a new home */
        field("  on", json_object_get(r, "source"));
        print_figures("baseline", json_object_get(r, "baseline"));
        print_figures("candidate", json_object_get(r, "candidate"));
    } else {
        printf("replay     not run yet\n");
    }
    const char *diff = diff_of(d);
    if (diff) {
        fputs("diff:\n", stdout);
        put_visible(diff);
        if (diff[0] && diff[strlen(diff) - 1] != '\n') putchar('\n');
    } else {
        char *c = json_dumps(json_object_get(d, "change"), JSON_INDENT(2) | JSON_SORT_KEYS);
        fputs("change (not applied yet):\n", stdout);
        put_visible(c ? c : "");
        putchar('\n');
        free(c);
    }
}

static int fail(const char *msg)
{
    fprintf(stderr, "tradebot healer: %s\n", msg);
    return 1;
}

/* Why a run proposed less than the audit found: the findings no directive answers, per rule. */
static void say_unanswered(json_t *u)
{
    const char *rule;
    json_t *n;
    int first = 1;
    json_object_foreach(u, rule, n)
    {
        printf("%s%s %lld", first ? "healer: findings no directive answers: " : ", ", rule,
               (long long)json_integer_value(n));
        first = 0;
    }
    if (!first)
        printf(" (no file of scripts/healer/ changes a strategy for them; docs/operations.md "
               "4.7)\n");
}

/* sysexits EX_CONFIG: the orchestrator records the step `skipped` with the "skipped: " line. */
#define EXIT_SKIPPED 78

static int do_run(const tb_config *cfg, int argc, char **argv)
{
    hl_run_mode mode = HL_RUN_SCHEDULE;
    int propose = 1;
    const char *only = NULL;
    tb_err e;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--now") == 0)
            mode = HL_RUN_NOW;
        else if (strcmp(argv[i], "--nightly") == 0 && mode != HL_RUN_NOW)
            mode = HL_RUN_NIGHTLY;
        else if (strcmp(argv[i], "--no-propose") == 0)
            propose = 0;
        else if (strcmp(argv[i], "--id") == 0 && i + 1 < argc)
            only = argv[++i];
        else
            return fprintf(stderr, "%s", usage), 2;
    }
    json_t *unanswered = NULL;
    int added = propose ? hl_propose(cfg, &unanswered, &e) : 0;
    if (added < 0) return fail(e.msg);
    say_unanswered(unanswered);
    json_decref(unanswered);
    if (!hl_home_is_repo()) { /* a default home: nothing can run, which is not a failure */
        printf("healer: %d proposed, 0 executed\nskipped: %s is not a git repository with a "
               "commit; the Healer runs directives on branches of it (docs/operations.md 4.7)\n",
               added, tb_home_dir());
        return EXIT_SKIPPED;
    }
    hl_run_counts n;
    if (hl_run_due(cfg, mode, only, &n, &e) < 0) return fail(e.msg);
    printf("healer: %d proposed, %d executed, %d failed\n", added, n.ran, n.failed);
    if (n.skipped == 0) return 0;
    printf("skipped: %d directive%s not run (%d executed): %s\n", n.skipped,
           n.skipped == 1 ? "" : "s", n.ran, n.skip_reason);
    return EXIT_SKIPPED;
}

int cmd_healer(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    tb_clock_from_env(); /* tests pick the hour: the nightly window whatever the real time */
    tb_err e;
    tb_config cfg;
    tb_config_errors errs;
    char cfgpath[PATH_MAX];
    if (tb_home_init(&e) != 0) return fail(e.msg);
    /* Refusals and decisions are engine-log lines too (the Sentinel and operators read it). */
    tb_log_opts lo = {.level = TB_LOG_INFO};
    if (tb_log_open(tb_home_path(cfgpath, sizeof cfgpath, "logs/trading_bot.log"), &lo, &e) != 0)
        return fail(e.msg);
    tb_orch_write_default_scripts(); /* a new home gets the shipped proposers */
    if (tb_config_load(tb_home_path(cfgpath, sizeof cfgpath, TB_CONFIG_PATH), 1, &cfg, &errs) != 0)
        return fail(errs.msg[0]);
    const char *sub = argc > 1 ? argv[1] : "run";
    int rc = 0;
    json_t *res = NULL;
    if (strcmp(sub, "run") == 0) {
        rc = do_run(&cfg, argc, argv);
    } else if (strcmp(sub, "list") == 0) {
        json_t *root = hl_store_load(&e);
        if (!root)
            rc = fail(e.msg);
        else
            print_list(root, argc > 2 && strcmp(argv[2], "--json") == 0);
        json_decref(root);
    } else if (strcmp(sub, "show") == 0 && argc == 3) {
        json_t *root = hl_store_load(&e);
        json_t *d = root ? hl_store_find(root, argv[2]) : NULL;
        if (!root)
            rc = fail(e.msg);
        else if (!d)
            fprintf(stderr, "tradebot healer: no directive %s\n", argv[2]), rc = 1;
        else
            print_one(d);
        json_decref(root);
    } else if (strcmp(sub, "approve") == 0 && argc == 3) {
        if (hl_approve(argv[2], "cli", &res, &e) != 0)
            rc = fail(e.msg);
        else
            printf("%s: %s\n", argv[2], hl_status(res));
    } else if (strcmp(sub, "reject") == 0 && argc == 3) {
        if (hl_reject(argv[2], "cli", &e) != 0)
            rc = fail(e.msg);
        else
            printf("%s: Rejected\n", argv[2]);
    } else if (strcmp(sub, "rollback") == 0 && argc <= 3) {
        if (hl_rollback(argc == 3 ? argv[2] : NULL, "cli", &res, &e) != 0)
            rc = fail(e.msg);
        else
            printf("%s: RolledBack\n", json_string_value(json_object_get(res, "id")));
    } else if (strcmp(sub, "cleanup") == 0) {
        int n = hl_cleanup(argc > 2 && strcmp(argv[2], "--all") == 0, &e);
        if (n < 0)
            rc = fail(e.msg);
        else
            printf("healer: %d branches deleted\n", n);
    } else {
        fputs(usage, stderr);
        rc = 2;
    }
    json_decref(res);
    tb_config_free(&cfg);
    tb_log_close();
    return rc;
}
