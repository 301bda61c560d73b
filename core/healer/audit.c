/*
 * audit.c - every operator decision on a Healer directive (approve, reject, rollback, from the
 * CLI or the dashboard) leaves a line in logs/control_audit_log.jsonl and a row in the
 * healer_audit table of ml_db/ml_data.db; a failed DB write is a WARN line, never silence.
 */
#include "healer/healer.h"
#include "healer/store.h"
#include "home/home.h"
#include "log/jsonl.h"
#include "log/log.h"
#include "store/db.h"

#include <stdio.h>

static int audit_row(const char *t, const char *action, const char *id, const char *who,
                     const char *detail, tb_err *e)
{
    char path[4096];
    tb_db_opts opts = {.busy_ms = 1000};
    tb_db *db = tb_db_open(tb_home_path(path, sizeof path, "ml_db/ml_data.db"), &opts, e);
    if (!db) return -1;
    sqlite3_stmt *st = NULL; /* healer_audit: a migration (store/migrations.c) */
    int rc = 0;
    if (sqlite3_prepare_v2(db->h,
                           "INSERT INTO healer_audit (t, action, directive, by, detail)"
                           " VALUES (?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        rc = tb_errf(e, "healer_audit: %s", sqlite3_errmsg(db->h));
    if (rc == 0) {
        const char *v[] = {t, action, id, who, detail ? detail : ""};
        for (int i = 0; i < 5; i++) sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = tb_errf(e, "healer_audit: %s", sqlite3_errmsg(db->h));
    }
    sqlite3_finalize(st);
    tb_db_close(db);
    return rc;
}

void hl_audit(const char *action, const char *id, const char *who, const char *detail)
{
    char path[4096], ts[40];
    tb_err e;
    hl_now(ts);
    tb_jsonl *j =
        tb_jsonl_open(tb_home_path(path, sizeof path, "logs/control_audit_log.jsonl"), 1, &e);
    if (j) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "t", ts, "action", action, "by", who,
                              "id", id, "detail", detail);
        if (tb_jsonl_write(j, o, &e) != 0)
            TB_WARN("healer", "control audit line for %s %s not written: %s", action, id, e.msg);
        json_decref(o);
        tb_jsonl_close(j);
    } else {
        TB_WARN("healer", "control audit log not writable: %s", e.msg);
    }
    if (audit_row(ts, action, id, who, detail, &e) != 0)
        TB_WARN("healer", "healer_audit row for %s %s not written: %s", action, id, e.msg);
}
