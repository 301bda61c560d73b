/*
 * validate.c - what a change must pass on its branch before anyone may promote it: every
 * changed Lua file loads (strategies as the host loads them), the configuration validates
 * (`tradebot check --home <worktree>`), the project's busted specs pass when the checkout has
 * them, and a replay of the last sessions is not worse than the baseline on the configured
 * metrics.
 */
#include "healer/healer_priv.h"
#include "healer/proc.h"
#include "lua/sandbox.h"
#include "strategy/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int lua_file_loads(const char *dir, const char *rel, char *why, size_t len)
{
    char path[4096];
    tb_err e;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (access(path, F_OK) != 0) return 0; /* deleted by the change */
    if (strncmp(rel, "strategies/", 11) == 0) {
        tb_lua_limits lim = {
            .mem_limit = 64u << 20, .instr_budget = 5000000, .time_limit_ms = 1000};
        if (tb_shost_check_file(path, rel, &lim, &e) == 0) return 0;
    } else {
        lua_State *L = tb_lua_new(TB_LUA_KIND_TRUSTED, NULL, &e);
        int rc = L ? tb_lua_loadfile(L, path, rel, &e) : -1;
        tb_lua_close(L);
        if (rc == 0) return 0;
    }
    snprintf(why, len, "%s does not load: %s", rel, e.msg);
    return -1;
}

static int on_path(const char *prog)
{
    const char *p = getenv("PATH");
    char buf[4096];
    while (p && *p) {
        size_t n = strcspn(p, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog);
        if (access(buf, X_OK) == 0) return 1;
        p += n + (p[n] == ':');
    }
    return 0;
}

int hl_validate(const char *dir, json_t *changed, int logfd, char *why, size_t len)
{
    size_t i;
    json_t *f;
    json_array_foreach(changed, i, f)
    {
        const char *rel = json_string_value(f);
        if (rel && ends_with(rel, ".lua") && lua_file_loads(dir, rel, why, len) != 0) {
            hl_logf(logfd, "validation: %s\n", why);
            return -1;
        }
    }
    hl_logf(logfd, "validation: %zu changed files load\n", json_array_size(changed));
    const char *check[] = {"tradebot", "check", "--home", dir, NULL};
    if (hl_run(check, dir, logfd, NULL) != 0) {
        snprintf(why, len, "tradebot check failed on the branch (see the log)");
        return -1;
    }
    char specs[4096];
    struct stat st;
    snprintf(specs, sizeof specs, "%s/tests/lua", dir);
    if (stat(specs, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!on_path("busted")) {
            hl_logf(logfd, "validation: tests/lua exists but busted is not installed: skipped\n");
        } else {
            const char *busted[] = {"busted", "tests/lua", NULL};
            if (hl_run(busted, dir, logfd, NULL) != 0) {
                snprintf(why, len, "the Lua specs (busted tests/lua) failed on the branch");
                return -1;
            }
        }
    }
    return 0;
}

json_t *hl_replay(const char *dir, const char *from, const char *to, const char *data_dir,
                  int logfd)
{
    char out[4096];
    snprintf(out, sizeof out, "%s/run/replay", dir);
    const char *argv[16] = {"tradebot", "backtest", "--home", dir,
                            "--config", "--json",   "--out",  out};
    int n = 8;
    if (from && *from) argv[n++] = "--from", argv[n++] = from;
    if (to && *to) argv[n++] = "--to", argv[n++] = to;
    if (data_dir && *data_dir) argv[n++] = "--data", argv[n++] = data_dir;
    argv[n] = NULL;
    char *text = NULL;
    int rc = hl_run(argv, dir, logfd, &text);
    json_t *rep = rc == 0 && text ? json_loads(text, 0, NULL) : NULL;
    hl_logf(logfd, "%s\n", text ? text : "");
    free(text);
    return rep;
}

/* Lower is better for drawdown; higher for the rest. */
int hl_not_worse(char *const *metrics, int nmetrics, json_t *base, json_t *cand, char *why,
                 size_t len)
{
    for (int i = 0; i < nmetrics; i++) {
        const char *m = metrics[i];
        json_t *b = json_object_get(base, m), *c = json_object_get(cand, m);
        if (!json_is_number(b) || !json_is_number(c)) {
            snprintf(why, len, "metric %s is not in the replay report", m);
            return 0;
        }
        double bv = json_number_value(b), cv = json_number_value(c);
        int lower_better = strncmp(m, "max_drawdown", 12) == 0;
        if (lower_better ? cv > bv + 1e-9 : cv < bv - 1e-9) {
            snprintf(why, len, "replay is worse on %s: %.4g against a baseline of %.4g", m, cv, bv);
            return 0;
        }
    }
    return 1;
}
