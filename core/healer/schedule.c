/*
 * schedule.c - when directives run: CRITICAL ones at the next orchestrator run (any
 * `healer run`), WARNING and ERROR ones from 22:30 UTC to midnight (the nightly run, or --now);
 * only those with can_auto_apply run without an operator, the others wait in Queued for
 * `approve`. The nightly run started late, past midnight, leaves the WARNING and ERROR ones
 * Queued and says so: a `skipped` line per directive in the history, and the run reports it.
 */
#include "healer/healer.h"
#include "healer/proc.h"
#include "healer/store.h"
#include "home/home.h"
#include "log/log.h"
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_SEC (22 * 3600 + 30 * 60)

static int nightly_window(void)
{
    int64_t sec = tb_clock_now_ns() / 1000000000LL % 86400;
    return sec >= WINDOW_SEC;
}

/* 1 due, 0 not (waits for an operator or its time), -1 due but for the nightly window. */
static int due(json_t *d, hl_run_mode mode)
{
    const char *sev = json_string_value(json_object_get(d, "severity"));
    if (!json_is_true(json_object_get(d, "can_auto_apply")) || !sev) return 0;
    if (strcmp(sev, "CRITICAL") == 0) return 1;
    if (strcmp(sev, "WARNING") != 0 && strcmp(sev, "ERROR") != 0) return 0;
    return mode == HL_RUN_NOW || nightly_window() ? 1 : -1;
}

/* A WARNING/ERROR directive the late nightly run leaves for the next window: a history line. */
static void record_skipped(json_t *d, char *reason, size_t len)
{
    int64_t sec = tb_clock_now_ns() / 1000000000LL % 86400;
    snprintf(reason, len,
             "WARNING and ERROR directives run from 22:30 UTC until midnight and the nightly run "
             "started at %02d:%02d UTC; they wait for the next nightly run (or `healer run --now`)",
             (int)(sec / 3600), (int)(sec / 60 % 60));
    json_t *ev = json_pack("{s:O?, s:s, s:O?, s:s}", "id", json_object_get(d, "id"), "status",
                           "skipped", "severity", json_object_get(d, "severity"), "reason", reason);
    hl_history(ev);
    json_decref(ev);
}

int hl_home_is_repo(void)
{
    const char *argv[] = {"git", "rev-parse", "--verify", "-q", "HEAD", NULL};
    char *out = NULL;
    int rc = hl_run(argv, tb_home_dir(), -1, &out);
    free(out);
    return rc == 0;
}

/* The status of directive id in the file now (an operator may have decided since the run read
 * it), copied into st. */
static void stored_status(const char *id, char *st, size_t len)
{
    tb_err e;
    json_t *root = hl_store_load(&e), *cur = root && id ? hl_store_find(root, id) : NULL;
    snprintf(st, len, "%s", cur ? hl_status(cur) : "gone");
    json_decref(root);
}

/* d was decided on (rejected) while it ran: its result is not written over that decision, and
 * the branch it made goes, so nobody can promote what the operator turned down. */
static void drop_result(json_t *d)
{
    const char *id = json_string_value(json_object_get(d, "id"));
    const char *branch = json_string_value(json_object_get(d, "branch"));
    char st[40];
    stored_status(id, st, sizeof st);
    if (branch) {
        const char *del[] = {"git", "branch", "-D", branch, NULL};
        hl_run(del, tb_home_dir(), -1, NULL);
    }
    TB_WARN("healer", "healer directive %s was %s while it ran: its result is dropped%s%s",
            id ? id : "?", st, branch ? ", branch deleted: " : "", branch ? branch : "");
    json_t *ev = json_pack("{s:s?, s:s, s:s, s:s?}", "id", id, "status", "dropped", "kept", st,
                           "deleted_branch", branch);
    hl_history(ev);
    json_decref(ev);
}

int hl_run_due(const tb_config *cfg, hl_run_mode mode, const char *only_id, hl_run_counts *n,
               tb_err *e)
{
    memset(n, 0, sizeof *n);
    if (!hl_home_is_repo())
        return tb_errf(e,
                       "%s is not a git repository with a commit; the Healer works on branches "
                       "of it (docs/operations.md 4.7)",
                       tb_home_dir());
    json_t *root = hl_store_load(e);
    if (!root) return -1;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(root, "directives"), i, d)
    {
        const char *id = json_string_value(json_object_get(d, "id"));
        if (only_id && (!id || strcmp(id, only_id) != 0)) continue;
        int when = strcmp(hl_status(d), "Queued") == 0 ? due(d, mode) : 0;
        if (when < 0 && mode == HL_RUN_NIGHTLY) {
            record_skipped(d, n->skip_reason, sizeof n->skip_reason);
            n->skipped++;
        } else if (when > 0) {
            hl_set_status(d, "PENDING_EXECUTION", "due by schedule (can_auto_apply)", NULL);
            if (hl_store_put_if(d, "Queued", e) < 0) goto out; /* 1: decided meanwhile */
        }
    }
    json_array_foreach(json_object_get(root, "directives"), i, d)
    {
        const char *id = json_string_value(json_object_get(d, "id"));
        if (only_id && (!id || strcmp(id, only_id) != 0)) continue;
        if (strcmp(hl_status(d), "PENDING_EXECUTION") != 0) continue;
        char now[40];
        stored_status(id, now, sizeof now);
        if (strcmp(now, "PENDING_EXECUTION") != 0) continue; /* rejected since it was read */
        tb_err xe;
        if (hl_execute(cfg, d, &xe) != 0) n->failed++;
        n->ran++;
        int put = hl_store_put_if(d, "PENDING_EXECUTION", e);
        if (put < 0) goto out;
        if (put == 1) drop_result(d);
    }
out:
    json_decref(root);
    return n->ran;
}
