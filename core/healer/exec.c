/*
 * exec.c - executing directives: each in its own git worktree on a branch
 * healer/auto-fix-{SYMBOL}-{TIMESTAMP}: baseline replay, apply, validate, replay, commit with
 * the finding and the figures. Success leaves the branch for review; failure deletes it and
 * keeps the failure log (data/healer_logs/<id>.log, and its tail in the directive).
 */
#include "healer/boundary.h"
#include "healer/healer.h"
#include "healer/healer_priv.h"
#include "healer/proc.h"
#include "healer/store.h"
#include "home/home.h"
#include "log/log.h"
#include "log/tail.h"
#include "replay/recorder.h"
#include "replay/session_replay.h"
#include "util/clock.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct sessions_ctx {
    char days[256][11];
    int n;
} sessions_ctx;

static void on_session(const char *line, size_t len, void *ud)
{
    sessions_ctx *c = ud;
    const char *p = tb_log_line_from(line, len, "replay", "session "); /* the engine's only */
    char day[11];
    /* A day of 10 characters puts " ended:" at p + 18 (a shorter one must not read past it). */
    if (!p || sscanf(p, "session %10s ended:", day) != 1 || strlen(day) != 10 ||
        strncmp(p + 18, " ended:", 7) != 0)
        return;
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->days[i], day) == 0) return;
    if (c->n == 256) memmove(c->days, c->days + 1, sizeof c->days[0] * 255), c->n--;
    snprintf(c->days[c->n++], 11, "%s", day);
}

/* The replay window: the last n sessions the engine played (from its log), or all. */
static void replay_window(int n, char from[11], char to[11])
{
    char path[4096];
    sessions_ctx c = {.n = 0};
    from[0] = to[0] = 0;
    tb_tail_lines(tb_home_path(path, sizeof path, "logs/trading_bot.log"), 16 << 20, on_session,
                  &c);
    if (!c.n) return;
    int first = c.n > n ? c.n - n : 0;
    for (int i = 0; i < c.n; i++) { /* lines are in time order but a replay may repeat: min/max */
        if (i < first) continue;
        if (!from[0] || strcmp(c.days[i], from) < 0) snprintf(from, 11, "%s", c.days[i]);
        if (!to[0] || strcmp(c.days[i], to) > 0) snprintf(to, 11, "%s", c.days[i]);
    }
}

static int branch_exists(const char *branch)
{
    const char *argv[] = {"git", "rev-parse", "--verify", "-q", branch, NULL};
    char *out = NULL;
    int rc = hl_run(argv, tb_home_dir(), -1, &out);
    free(out);
    return rc == 0;
}

/* healer/auto-fix-{SYMBOL}-{YYYYMMDDHHMMSS}; the symbol, else the strategy, else ALL. Two
 * directives for one symbol in the same second take the next free second. */
static void branch_name(json_t *d, char *out, size_t len)
{
    const char *sym = json_string_value(json_object_get(d, "symbol"));
    if (!sym) sym = json_string_value(json_object_get(json_object_get(d, "change"), "strategy"));
    if (!sym) sym = "ALL";
    char ts[40], clean[64];
    size_t k = 0;
    for (const char *p = sym; *p && k < sizeof clean - 1; p++)
        clean[k++] = (char)((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                                    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
                                ? *p
                                : '_');
    clean[k] = 0;
    int64_t now = tb_clock_now_ns();
    for (int i = 0; i < 600; i++) {
        tb_clock_fmt_utc(now + (int64_t)i * 1000000000LL, ts, sizeof ts);
        snprintf(out, len, "healer/auto-fix-%s-%.4s%.2s%.2s%.2s%.2s%.2s", clean, ts, ts + 5, ts + 8,
                 ts + 11, ts + 14, ts + 17);
        if (!branch_exists(out)) return;
    }
}

/* Every path git status reports in the checkout (tracked changes and untracked files anywhere,
 * not only where a change is expected), as {path: "XY"}. */
static json_t *status_map(const char *dir, int logfd)
{
    const char *argv[] = {"git", "status", "--porcelain=v1", "-z", "--untracked-files=all", NULL};
    char *out = NULL;
    json_t *map = json_object();
    if (hl_run(argv, dir, logfd, &out) == 0 && out) {
        for (char *p = out; *p;) {
            size_t n = strlen(p);
            if (n > 3) json_object_set_new(map, p + 3, json_stringn(p, 2));
            p += n + 1;
        }
    }
    free(out);
    return map;
}

/* What the change did to the checkout: the paths whose status differs from before it was
 * applied. Refuses (-1 with why) deletions, symlinks and anything not a regular file. */
static int changed_paths(const char *dir, json_t *before, json_t *after, json_t *changed, char *why,
                         size_t len)
{
    const char *path;
    json_t *xy;
    json_object_foreach(after, path, xy)
    {
        if (json_equal(xy, json_object_get(before, path))) continue;
        char full[4096];
        struct stat st;
        snprintf(full, sizeof full, "%s/%s", dir, path);
        if (strchr(json_string_value(xy), 'D'))
            return snprintf(why, len, "the change deletes %s: deletions are refused", path), -1;
        if (lstat(full, &st) != 0 || !S_ISREG(st.st_mode))
            return snprintf(why, len, "the change makes %s something other than a regular file",
                            path),
                   -1;
        json_array_append_new(changed, json_string(path));
    }
    return 0;
}

/* The boundary after the change is applied: every changed path and its content against the
 * checkout's HEAD (boundary.h). */
static int within_boundary(const char *wt, json_t *before, json_t *changed, int logfd, char *why,
                           size_t len)
{
    json_t *after = status_map(wt, logfd);
    int rc = changed_paths(wt, before, after, changed, why, len);
    json_decref(after);
    if (rc == 0) {
        hl_rev head = {wt, "HEAD"};
        hl_tree base = {hl_read_rev, &head}, cand = {hl_read_dir, (void *)wt};
        rc = hl_boundary_content(&base, &cand, changed, why, len);
    }
    return rc;
}

static char *read_tail(const char *path, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f) return strdup("");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    long from = size > (long)max ? size - (long)max : 0;
    fseek(f, from, SEEK_SET);
    char *s = calloc(1, max + 1);
    size_t n = s ? fread(s, 1, max, f) : 0;
    if (s) s[n] = 0;
    fclose(f);
    return s;
}

static json_t *figures(json_t *rep)
{
    return json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "fills", json_object_get(rep, "fills"),
                     "trades", json_object_get(rep, "trades"), "pnl", json_object_get(rep, "pnl"),
                     "win_rate", json_object_get(rep, "win_rate"), "max_drawdown_pct",
                     json_object_get(rep, "max_drawdown_pct"), "sharpe",
                     json_object_get(rep, "sharpe"));
}

static int commit(json_t *d, const char *wt, json_t *changed, json_t *base, json_t *cand, int logfd)
{
    char msg[2048];
    snprintf(msg, sizeof msg,
             "healer: %s for finding %s (%s)\n\n%s\n\nReplay of the last sessions: trades %lld -> "
             "%lld, pnl %.2f -> %.2f, max drawdown %.2f%% -> %.2f%%\nDirective %s.\n",
             json_string_value(json_object_get(d, "kind")),
             json_string_value(json_object_get(d, "finding")),
             json_string_value(json_object_get(d, "severity")),
             json_string_value(json_object_get(d, "rationale"))
                 ? json_string_value(json_object_get(d, "rationale"))
                 : "",
             (long long)json_integer_value(json_object_get(base, "trades")),
             (long long)json_integer_value(json_object_get(cand, "trades")),
             json_number_value(json_object_get(base, "pnl")),
             json_number_value(json_object_get(cand, "pnl")),
             json_number_value(json_object_get(base, "max_drawdown_pct")),
             json_number_value(json_object_get(cand, "max_drawdown_pct")),
             json_string_value(json_object_get(d, "id")));
    size_t i;
    json_t *f;
    json_array_foreach(changed, i, f)
    {
        const char *add[] = {"git", "add", "--", json_string_value(f), NULL};
        if (hl_run(add, wt, logfd, NULL) != 0) return -1;
    }
    const char *argv[] = {"git",
                          "-c",
                          "user.name=tradebot healer",
                          "-c",
                          "user.email=healer@localhost",
                          "commit",
                          "-q",
                          "-m",
                          msg,
                          NULL};
    return hl_run(argv, wt, logfd, NULL);
}

/* The committed change as a diff, for `healer show` and the dashboard (large diffs cut). */
static void keep_diff(json_t *d, const char *wt, int logfd)
{
    const char *argv[] = {"git", "show", "--format=", "--no-color", "HEAD", NULL};
    char *out = NULL;
    if (hl_run(argv, wt, logfd, &out) == 0 && out) {
        size_t n = strlen(out), cap = 256u << 10;
        json_object_set_new(d, "diff", json_stringn(out, n > cap ? cap : n));
    }
    free(out);
}

/* What the change is proven on: the last healer.replay_sessions recorded live sessions
 * (data/sessions, docs/replay.md), or, on a home that never recorded one, the engine's replay
 * data over its last sessions (and the proposal and the logs say so). */
typedef struct proof_src {
    int nrec; /* recorded sessions used; 0: sample or CSV data */
    char sessions[4096], from[11], to[11], data[4096], what[1024];
} proof_src;

static void proof_source(const tb_config *cfg, const char *id, proof_src *s, int logfd)
{
    static char files[TB_REPLAY_MAX_FILES][4096];
    int last = (int)cfg->healer.replay_sessions;
    memset(s, 0, sizeof *s);
    tb_home_path(s->sessions, sizeof s->sessions, TB_SESSIONS_DIR);
    int n = tb_sreplay_list(s->sessions, files, TB_REPLAY_MAX_FILES);
    if (n > 0) {
        s->nrec = n < last ? n : last;
        int k = snprintf(s->what, sizeof s->what, "recorded live sessions (%d):", s->nrec);
        for (int i = n - s->nrec; i < n && k > 0 && (size_t)k < sizeof s->what; i++) {
            const char *b = strrchr(files[i], '/') + 1;
            k += snprintf(s->what + k, sizeof s->what - (size_t)k, " %.*s", (int)strlen(b) - 4, b);
            /* the window's dates: the ids start with the sessions' start dates (oldest first) */
            if (!s->from[0]) snprintf(s->from, sizeof s->from, "%.10s", b);
            snprintf(s->to, sizeof s->to, "%.10s", b);
        }
    } else {
        replay_window(last, s->from, s->to);
        if (cfg->replay.data_dir && *cfg->replay.data_dir)
            tb_home_path(s->data, sizeof s->data, cfg->replay.data_dir);
        snprintf(s->what, sizeof s->what,
                 "%s %s .. %s: the home has never recorded a live session (data/sessions is "
                 "empty)",
                 s->data[0] ? "replay CSV data" : "sample data", s->from[0] ? s->from : "all",
                 s->to[0] ? s->to : "all");
    }
    hl_logf(logfd, "replay: proven on %s\n", s->what);
    TB_INFO("healer", "directive %s: proven on %s", id, s->what);
}

static json_t *prove(const proof_src *s, const tb_config *cfg, const char *wt, int logfd)
{
    if (s->nrec)
        return hl_replay_recorded(wt, s->sessions, (int)cfg->healer.replay_sessions, logfd);
    return hl_replay(wt, s->from, s->to, s->data, logfd);
}

/* The steps on the branch; fills why and returns -1 at the first that fails. */
static int on_branch(const tb_config *cfg, json_t *d, const char *wt, int logfd, char *why,
                     size_t len, int *refused)
{
    tb_err e;
    proof_src src;
    proof_source(cfg, json_string_value(json_object_get(d, "id")), &src, logfd);
    if (hl_boundary_directive(d, why, len) != 0) return *refused = 1, -1;
    json_t *base = prove(&src, cfg, wt, logfd);
    if (!base) return snprintf(why, len, "the baseline replay failed"), -1;
    json_t *before = status_map(wt, logfd);
    if (hl_apply_change(d, wt, logfd, &e) != 0) {
        json_decref(base), json_decref(before);
        return snprintf(why, len, "%s", e.msg), -1;
    }
    json_t *changed = json_array(), *cand = NULL;
    int rc = -1;
    int in = within_boundary(wt, before, changed, logfd, why, len);
    if (in != 0) {
        *refused = in == -1;
        hl_logf(logfd, "%s: %s\n", *refused ? "refused" : "validation", why);
    } else if (!json_array_size(changed)) {
        snprintf(why, len, "the change changed nothing");
    } else if (hl_validate(wt, changed, logfd, why, len) == 0) {
        cand = prove(&src, cfg, wt, logfd);
        if (!cand)
            snprintf(why, len, "the replay with the change failed");
        else if (hl_not_worse(cfg->healer.metrics, cfg->healer.nmetrics, base, cand, why, len))
            rc = commit(d, wt, changed, base, cand, logfd) == 0 ? 0 : -1;
        if (rc == 0) keep_diff(d, wt, logfd);
        if (rc && !why[0]) snprintf(why, len, "git commit failed");
    }
    json_object_set_new(d, "replay",
                        json_pack("{s:s, s:s, s:s, s:b, s:o, s:o?}", "from", src.from, "to", src.to,
                                  "source", src.what, "recorded", src.nrec > 0, "baseline",
                                  figures(base), "candidate", cand ? figures(cand) : NULL));
    json_object_set(d, "changed_files", changed);
    json_decref(changed), json_decref(base), json_decref(cand), json_decref(before);
    return rc;
}

int hl_execute(const tb_config *cfg, json_t *d, tb_err *e)
{
    const char *id = json_string_value(json_object_get(d, "id"));
    char branch[160], wt[4096], logrel[256], logpath[4096], why[512] = "";
    const char *home = tb_home_dir();
    branch_name(d, branch, sizeof branch);
    snprintf(wt, sizeof wt, "%s/%s/%s", home, cfg->healer.worktree_dir, id);
    snprintf(logrel, sizeof logrel, "data/healer_logs/%s.log", id);
    mkdir(tb_home_path(logpath, sizeof logpath, "data/healer_logs"), 0755);
    tb_home_path(logpath, sizeof logpath, logrel);
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    hl_logf(logfd, "== directive %s: %s on %s\n", id, json_string_value(json_object_get(d, "kind")),
            json_string_value(json_object_get(d, "target")));
    char parent[4096];
    snprintf(parent, sizeof parent, "%s/%s", home, cfg->healer.worktree_dir);
    const char *mk[] = {"mkdir", "-p", parent, NULL};
    const char *add[] = {"git", "worktree", "add", "-q", "-b", branch, wt, "HEAD", NULL};
    int rc = -1, refused = 0;
    if (hl_run(mk, home, logfd, NULL) != 0 || hl_run(add, home, logfd, NULL) != 0) {
        snprintf(why, sizeof why, "cannot create the worktree (is the home a git repository?)");
    } else {
        char run[4200];
        snprintf(run, sizeof run, "%s/run", wt);
        mkdir(run, 0755);
        rc = on_branch(cfg, d, wt, logfd, why, sizeof why, &refused);
        const char *rm[] = {"git", "worktree", "remove", "--force", wt, NULL};
        hl_run(rm, home, logfd, NULL);
    }
    json_object_set_new(d, "log", json_string(logrel));
    if (rc == 0) {
        json_object_set_new(d, "branch", json_string(branch));
        hl_logf(logfd, "== validated: branch %s left for review\n", branch);
        json_t *extra = json_pack("{s:O, s:O}", "replay", json_object_get(d, "replay"), "log",
                                  json_object_get(d, "log"));
        hl_set_status(d, "Executed", "validated; branch left for review", extra);
        json_decref(extra);
    } else {
        const char *del[] = {"git", "branch", "-D", branch, NULL};
        hl_run(del, home, logfd, NULL);
        hl_logf(logfd, "== failed: %s; branch %s deleted\n", why, branch);
        char *tail = read_tail(logpath, 6000);
        json_object_set_new(d, "error", json_string(why));
        json_object_set_new(d, "failure_log", json_string(tail));
        json_object_set_new(d, "deleted_branch", json_string(branch));
        json_object_del(d, "branch");
        json_t *extra = json_pack("{s:s, s:s, s:s}", "failure_log", tail, "log", logrel,
                                  "deleted_branch", branch);
        if (refused) hl_boundary_refused(d, why);
        hl_set_status(d, refused ? "Refused" : "Failed", why, extra);
        json_decref(extra);
        free(tail);
        tb_errf(e, "%s: %s", id, why);
    }
    if (logfd >= 0) close(logfd);
    return rc;
}
