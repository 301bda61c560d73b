#include "cli/commands.h"
#include "config/config.h"
#include "home/home.h"
#include "lua/sandbox.h"
#include "orch/schedule.h"
#include "ml/schema.h"
#include "strategy/host.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot check [--home DIR] [--json]\n\n"
    "Validates config/trading_config.json (every error at once), loads every configured\n"
    "strategy in its sandbox and compiles every script under scripts/, and compares the live\n"
    "ML feature set with ml_db/models/current/feature_schema.json. Exit status 0 when all\n"
    "is well, 1 otherwise. --json prints {ok, errors:[...]} for scripts.\n";

typedef struct report {
    json_t *errors;
    int checked;
} report;

static void add(report *r, const char *msg)
{
    json_array_append_new(r->errors, json_string(msg));
}

static void check_scripts(report *r, const char *dir, const char *rel)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[PATH_MAX], sub[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(sub, sizeof sub, "%s/%s", rel, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            check_scripts(r, path, sub);
            continue;
        }
        size_t n = strlen(de->d_name);
        if (n < 4 || strcmp(de->d_name + n - 4, ".lua") != 0) continue;
        tb_err e;
        lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, NULL, &e);
        if (!L || tb_lua_loadfile(L, path, sub, &e) != 0) add(r, e.msg);
        tb_lua_close(L);
        r->checked++;
    }
    closedir(d);
}

/* The daily sequence: every step's time and fields, as the orchestrator will read them. */
static void check_schedule(report *r, const char *rel)
{
    char abs[PATH_MAX];
    tb_err e;
    tb_schedule *s = calloc(1, sizeof *s);
    if (access(tb_home_path(abs, sizeof abs, rel), F_OK) == 0 && s &&
        tb_schedule_load(abs, rel, s, &e) != 0)
        add(r, e.msg);
    free(s);
}

/* The model in service was trained on a schema: say every way the live features differ. */
static void check_ml_schema(report *r)
{
    char path[PATH_MAX];
    tb_home_path(path, sizeof path, "ml_db/models/current/feature_schema.json");
    if (access(path, F_OK) != 0) return;
    r->checked++;
    tb_ml_schema s;
    tb_err e;
    if (tb_ml_schema_load(&s, path, &e) != 0) {
        add(r, e.msg);
        return;
    }
    char diff[4096], msg[4200];
    if (tb_ml_schema_diff(&s, diff, sizeof diff) == 0) return;
    for (char *line = strtok(diff, "\n"); line; line = strtok(NULL, "\n")) {
        snprintf(msg, sizeof msg, "ml_db/models/current/feature_schema.json: %s", line);
        add(r, msg);
    }
}

int cmd_check(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else {
            fprintf(stderr, "tradebot check: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    tb_err e;
    if (tb_home_resolve(&e) != 0) {
        fprintf(stderr, "tradebot check: %s\n", e.msg);
        return 1;
    }
    report r = {.errors = json_array()};
    char path[PATH_MAX];
    tb_home_path(path, sizeof path, TB_CONFIG_PATH);
    tb_config cfg;
    tb_config_errors errs;
    if (tb_config_load(path, 1, &cfg, &errs) != 0) {
        for (int i = 0; i < errs.n; i++) add(&r, errs.msg[i]);
    } else {
        tb_lua_limits lim;
        tb_shost_limits(&cfg, &lim);
        for (int i = 0; i < cfg.nstrategies; i++) {
            char abs[PATH_MAX];
            tb_home_path(abs, sizeof abs, cfg.strategies[i].file);
            if (tb_shost_check_file(abs, cfg.strategies[i].file, &lim, &e) != 0) add(&r, e.msg);
            r.checked++;
        }
        check_schedule(&r, cfg.orchestrator.script);
        tb_config_free(&cfg);
    }
    check_scripts(&r, tb_home_path(path, sizeof path, "scripts"), "scripts");
    check_ml_schema(&r);
    size_t nerr = json_array_size(r.errors);
    if (as_json) {
        json_t *o = json_pack("{s:b, s:i, s:O}", "ok", nerr == 0, "files_checked", r.checked,
                              "errors", r.errors);
        char *s = json_dumps(o, JSON_INDENT(2));
        puts(s);
        free(s);
        json_decref(o);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(r.errors, i, v) fprintf(stderr, "%s\n", json_string_value(v));
        if (nerr == 0)
            printf("check: configuration valid, %d files checked, no errors\n", r.checked);
        else
            fprintf(stderr, "check: %zu error%s\n", nerr, nerr == 1 ? "" : "s");
    }
    json_decref(r.errors);
    return nerr == 0 ? 0 : 1;
}
