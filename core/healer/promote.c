/*
 * promote.c - what operators decide: approve (promote a validated branch by merging it into
 * the home's checkout, which the running engine then hot-reloads; or let a queued directive
 * run), reject, roll the last promotion back (git revert of its merge), clean up branches.
 */
#include "healer/boundary.h"
#include "healer/healer.h"
#include "healer/proc.h"
#include "healer/store.h"
#include "home/home.h"
#include "log/jsonl.h"
#include "log/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int open_log(const char *id)
{
    char rel[256], path[4096];
    snprintf(rel, sizeof rel, "data/healer_logs/%s.log", id);
    return open(tb_home_path(path, sizeof path, rel), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                0640);
}

static char *git_out(const char *const *argv, int logfd)
{
    char *out = NULL;
    if (hl_run(argv, tb_home_dir(), logfd, &out) != 0) {
        free(out);
        return NULL;
    }
    if (out) out[strcspn(out, "\n")] = 0;
    return out;
}

static int merge(json_t *d, const char *who, int logfd, tb_err *e)
{
    const char *branch = json_string_value(json_object_get(d, "branch"));
    const char *id = json_string_value(json_object_get(d, "id"));
    const char *head[] = {"git", "rev-parse", "HEAD", NULL};
    char *before = git_out(head, logfd);
    char msg[512];
    snprintf(msg, sizeof msg, "healer: promote %s (%s, finding %s) approved by %s", id, branch,
             json_string_value(json_object_get(d, "finding")), who);
    const char *mg[] = {"git",
                        "-c",
                        "user.name=tradebot healer",
                        "-c",
                        "user.email=healer@localhost",
                        "merge",
                        "--no-ff",
                        "-q",
                        "-m",
                        msg,
                        branch,
                        NULL};
    char why[512];
    if (branch && hl_boundary_branch(tb_home_dir(), branch, why, sizeof why) != 0) {
        free(before);
        hl_boundary_refused(d, why);
        hl_logf(logfd, "== not merged: %s\n", why);
        return tb_errf(e, "%s: %s is not merged: %s", id, branch, why);
    }
    if (!before || hl_run(mg, tb_home_dir(), logfd, NULL) != 0) {
        const char *abort[] = {"git", "merge", "--abort", NULL};
        hl_run(abort, tb_home_dir(), logfd, NULL);
        free(before);
        return tb_errf(e, "%s: merging %s into the home's checkout failed (see %s)", id,
                       branch ? branch : "(no branch)",
                       json_string_value(json_object_get(d, "log")));
    }
    char *after = git_out(head, logfd);
    json_object_set_new(d, "promoted_from", json_string(before));
    json_object_set_new(d, "merge_commit", json_string(after ? after : ""));
    json_object_set_new(d, "promoted_by", json_string(who));
    json_t *extra = json_pack("{s:s, s:s, s:s}", "by", who, "merge_commit", after ? after : "",
                              "promoted_from", before);
    hl_set_status(d, "Promoted", "branch merged into the home's checkout", extra);
    json_decref(extra);
    free(before), free(after);
    return 0;
}

/* The directives file (*root, the caller's to free) and the directive id in it; NULL with the
 * reason in e (and nothing to free) when the file cannot be read or has no such directive. */
static json_t *load_directive(const char *id, json_t **root, tb_err *e)
{
    if (!(*root = hl_store_load(e))) return NULL;
    json_t *d = hl_store_find(*root, id);
    if (!d) {
        json_decref(*root);
        tb_errf(e, "no directive %s", id);
    }
    return d;
}

static int approve_locked(const char *id, const char *who, json_t **result, tb_err *e)
{
    json_t *root, *d = load_directive(id, &root, e);
    if (!d) return -1;
    const char *st = hl_status(d);
    int rc = 0, logfd = open_log(id);
    if (strcmp(st, "Executed") == 0) {
        rc = merge(d, who, logfd, e);
    } else if (strcmp(st, "Queued") == 0 || strcmp(st, "Failed") == 0) {
        json_object_set_new(d, "approved_by", json_string(who));
        hl_set_status(d, "PENDING_EXECUTION",
                      "approved by an operator: runs at the next healer run", NULL);
    } else {
        rc = tb_errf(e, "directive %s is %s: nothing to approve", id, st);
    }
    if (logfd >= 0) close(logfd);
    if (rc == 0) {
        rc = hl_store_save(root, e);
        hl_audit("healer_directive_approved", id, who, hl_status(d));
        TB_INFO("healer", "healer directive approved: id=%s by=%s status=%s", id, who,
                hl_status(d));
    }
    if (rc == 0 && result) *result = json_incref(d);
    json_decref(root);
    return rc;
}

static int reject_locked(const char *id, const char *who, json_t **result, tb_err *e)
{
    (void)result; /* a rejection changes no directive: nothing to hand back */
    json_t *root, *d = load_directive(id, &root, e);
    if (!d) return -1;
    const char *st = hl_status(d);
    if (strcmp(st, "Promoted") == 0 || strcmp(st, "RolledBack") == 0 ||
        strcmp(st, "Rejected") == 0) {
        tb_errf(e, "directive %s is %s: nothing to reject%s", id, st,
                strcmp(st, "Promoted") == 0 ? " (roll the promotion back instead)" : "");
        json_decref(root);
        return -1;
    }
    const char *branch = json_string_value(json_object_get(d, "branch"));
    int logfd = open_log(id);
    if (branch) {
        const char *del[] = {"git", "branch", "-D", branch, NULL};
        hl_run(del, tb_home_dir(), logfd, NULL);
    }
    if (logfd >= 0) close(logfd);
    json_object_set_new(d, "rejected_by", json_string(who));
    hl_set_status(d, "Rejected", "rejected by an operator", NULL);
    int rc = hl_store_save(root, e);
    hl_audit("healer_directive_rejected", id, who, NULL);
    json_decref(root);
    return rc;
}

static int rollback_locked(const char *want, const char *who, json_t **result, tb_err *e)
{
    json_t *root = hl_store_load(e), *d, *last = NULL;
    if (!root) return -1;
    size_t i;
    const char *last_t = "";
    json_array_foreach(json_object_get(root, "directives"), i, d)
    {
        const char *t =
            json_string_value(json_object_get(json_object_get(d, "timestamps"), "Promoted"));
        if (strcmp(hl_status(d), "Promoted") == 0 && t && strcmp(t, last_t) > 0)
            last = d, last_t = t;
    }
    if (!last) {
        json_decref(root);
        return tb_errf(e, "no promotion to roll back");
    }
    const char *id = json_string_value(json_object_get(last, "id"));
    if (want && (!id || strcmp(want, id) != 0)) {
        tb_errf(e, "%s is not the last promotion (%s is): only the last one can be rolled back",
                want, id ? id : "?");
        json_decref(root);
        return -1;
    }
    const char *merge = json_string_value(json_object_get(last, "merge_commit"));
    int logfd = open_log(id), rc = 0;
    const char *rv[] = {"git",
                        "-c",
                        "user.name=tradebot healer",
                        "-c",
                        "user.email=healer@localhost",
                        "revert",
                        "--no-edit",
                        "-m",
                        "1",
                        merge,
                        NULL};
    if (!merge || hl_run(rv, tb_home_dir(), logfd, NULL) != 0) {
        const char *abort[] = {"git", "revert", "--abort", NULL};
        hl_run(abort, tb_home_dir(), logfd, NULL);
        rc = tb_errf(e, "%s: git revert of %s failed (see data/healer_logs/%s.log)", id,
                     merge ? merge : "?", id);
    } else {
        json_object_set_new(last, "rolled_back_by", json_string(who));
        hl_set_status(last, "RolledBack", "promotion reverted in the home's checkout", NULL);
        rc = hl_store_save(root, e);
        hl_audit("healer_promotion_rolled_back", id, who, merge);
        if (result) *result = json_incref(last);
    }
    if (logfd >= 0) close(logfd);
    json_decref(root);
    return rc;
}

/* Runs one of the verbs below under the directives file's lock (hl_store_lock): the Healer
 * command and the dashboard change the file from different processes. */
static int under_lock(int (*verb)(const char *, const char *, json_t **, tb_err *), const char *id,
                      const char *who, json_t **result, tb_err *e)
{
    int lock = hl_store_lock();
    int rc = verb(id, who, result, e);
    hl_store_unlock(lock);
    return rc;
}

int hl_approve(const char *id, const char *who, json_t **result, tb_err *e)
{
    return under_lock(approve_locked, id, who, result, e);
}

int hl_reject(const char *id, const char *who, tb_err *e)
{
    return under_lock(reject_locked, id, who, NULL, e);
}

int hl_rollback(const char *id, const char *who, json_t **result, tb_err *e)
{
    return under_lock(rollback_locked, id, who, result, e);
}

static int awaits_review(json_t *root, const char *branch)
{
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(root, "directives"), i, d)
    {
        const char *b = json_string_value(json_object_get(d, "branch"));
        if (b && strcmp(b, branch) == 0 && strcmp(hl_status(d), "Executed") == 0) return 1;
    }
    return 0;
}

int hl_cleanup(int all, tb_err *e)
{
    json_t *root = hl_store_load(e);
    if (!root) return -1;
    const char *prune[] = {"git", "worktree", "prune", NULL};
    const char *list[] = {
        "git", "branch", "--list", "--format=%(refname:short)", "healer/auto-fix-*", NULL};
    char *out = NULL;
    int n = 0;
    hl_run(prune, tb_home_dir(), -1, NULL);
    if (hl_run(list, tb_home_dir(), -1, &out) == 0 && out) {
        for (char *save = NULL, *b = strtok_r(out, "\n", &save); b;
             b = strtok_r(NULL, "\n", &save)) {
            if (!all && awaits_review(root, b)) continue;
            const char *del[] = {"git", "branch", "-D", b, NULL};
            if (hl_run(del, tb_home_dir(), -1, NULL) == 0) n++;
        }
    }
    free(out);
    json_t *ev = json_pack("{s:s, s:i}", "status", "cleanup", "deleted_branches", n);
    hl_history(ev);
    json_decref(ev);
    json_decref(root);
    return n;
}
