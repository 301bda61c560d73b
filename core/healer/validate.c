/*
 * validate.c - what a change must pass on its branch before anyone may promote it: every
 * changed Lua file loads (strategies as the host loads them), the configuration validates
 * (`tradebot check --home <worktree>`), the home's committed busted specs pass (run_specs), and
 * a replay of the last sessions is not worse than the baseline on the configured
 * metrics.
 */
#include "healer/healer_priv.h"
#include "healer/proc.h"
#include "lua/sandbox.h"
#include "strategy/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ends_with(const char *s, const char *suffix)
{
    if (!s) return 0;
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int lua_file_loads(const char *dir, const char *rel, char *why, size_t len)
{
    char path[4096];
    tb_err e;
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (access(path, F_OK) != 0) return 0; /* deleted by the change */
    tb_lua_limits lim = {.mem_limit = 64u << 20, .instr_budget = 5000000, .time_limit_ms = 1000};
    if (tb_shost_check_file(path, rel, &lim, &e) == 0) return 0;
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

/*
 * The home's committed specs (the *_spec.lua files under tests/lua of the checkout's HEAD, i.e. of
 * main: the boundary keeps a change out of tests/), never a spec file the change brought. Specs are
 * plain Lua outside the sandbox, so they run only when the change touched no strategy code:
 * a changed strategy is judged by its sandboxed load and the sandboxed replay.
 */
static int run_specs(const char *dir, json_t *changed, int logfd, char *why, size_t len)
{
    size_t i;
    json_t *f;
    json_array_foreach(changed, i, f) if (ends_with(json_string_value(f), ".lua"))
    {
        hl_logf(logfd, "validation: busted not run: the change touches strategy code, which "
                       "runs only in the sandbox (load check and replay)\n");
        return 0;
    }
    const char *ls[] = {"git", "ls-tree", "-r", "--name-only", "HEAD", "--", "tests/lua", NULL};
    char *out = NULL;
    const char *argv[256] = {"busted"};
    int n = 1;
    if (hl_run(ls, dir, logfd, &out) == 0 && out)
        for (char *save = NULL, *l = strtok_r(out, "\n", &save); l && n < 255;
             l = strtok_r(NULL, "\n", &save))
            if (ends_with(l, "_spec.lua")) argv[n++] = l;
    argv[n] = NULL;
    int rc = 0;
    if (n == 1) {
        hl_logf(logfd, "validation: no committed specs in tests/lua\n");
    } else if (!on_path("busted")) {
        hl_logf(logfd, "validation: tests/lua has specs but busted is not installed: skipped\n");
    } else if (hl_run(argv, dir, logfd, NULL) != 0) {
        snprintf(why, len,
                 "the Lua specs (busted, the home's committed tests/lua) failed on the "
                 "branch");
        rc = -1;
    }
    free(out);
    return rc;
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
    return run_specs(dir, changed, logfd, why, len);
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

json_t *hl_replay_recorded(const char *dir, const char *sessions_dir, int last, int logfd)
{
    char n[16];
    snprintf(n, sizeof n, "%d", last);
    const char *argv[] = {
        "tradebot", "replay",       "--home",  dir,      "--sessions", sessions_dir, "--last",
        n,          "--strategies", "current", "--json", "--quiet",    NULL};
    char *text = NULL;
    int rc = hl_run(argv, dir, logfd, &text); /* 1: the change decides differently, as intended */
    json_t *rep = (rc == 0 || rc == 1) && text ? json_loads(text, 0, NULL) : NULL;
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
