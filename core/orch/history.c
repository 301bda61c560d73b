#include "orch/history.h"

#include <stdio.h>
#include <string.h>

static int prep(tb_db *db, const char *sql, sqlite3_stmt **st, tb_err *e)
{
    int rc = sqlite3_prepare_v2(db->h, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : tb_db_fail(db, rc, "orch_runs", e);
}

static int done(tb_db *db, sqlite3_stmt *st, int rc, tb_err *e)
{
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : tb_db_fail(db, rc, "orch_runs", e);
}

int tb_run_settled_ok(const char *status)
{
    return strcmp(status, "ok") == 0 || strcmp(status, "skipped") == 0 ||
           strcmp(status, "unavailable") == 0;
}

int tb_history_insert(tb_db *db, tb_run *r, tb_err *e)
{
    int rc = TB_DB_RUN(db,
                       "INSERT INTO orch_runs (step, day, attempt, source, due_ns, started_ns,"
                       " finished_ns, status, final, exit_code, message)"
                       " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       "orch_runs", e, TB_DB_TEXT(r->step), TB_DB_INT(r->day),
                       TB_DB_INT(r->attempt), TB_DB_TEXT(r->source), TB_DB_INT(r->due_ns),
                       TB_DB_INT(r->started_ns), TB_DB_INT(r->finished_ns), TB_DB_TEXT(r->status),
                       TB_DB_INT(r->final), TB_DB_INT(r->exit_code), TB_DB_TEXT(r->message));
    r->id = sqlite3_last_insert_rowid(db->h);
    return rc;
}

int tb_history_finish(tb_db *db, const tb_run *r, tb_err *e)
{
    return TB_DB_RUN(db,
                     "UPDATE orch_runs SET status=?, final=?, exit_code=?, finished_ns=?, message=?"
                     " WHERE id=?",
                     "orch_runs", e, TB_DB_TEXT(r->status), TB_DB_INT(r->final),
                     TB_DB_INT(r->exit_code), TB_DB_INT(r->finished_ns), TB_DB_TEXT(r->message),
                     TB_DB_INT(r->id));
}

static int count(tb_db *db, const char *sql, const char *step, tb_date day, int *n, tb_err *e)
{
    sqlite3_stmt *st;
    if (prep(db, sql, &st, e) != 0) return -1;
    TB_DB_BIND(st, TB_DB_TEXT(step), TB_DB_INT(day));
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    return done(db, st, rc, e);
}

int tb_history_settled(tb_db *db, const char *step, tb_date day, tb_err *e)
{
    int n;
    if (count(db,
              "SELECT count(*) FROM orch_runs WHERE step=? AND day=? AND final=1"
              " AND source='schedule'",
              step, day, &n, e) != 0)
        return -1;
    return n > 0;
}

int tb_history_attempts(tb_db *db, const char *step, tb_date day, int *n, tb_err *e)
{
    return count(db,
                 "SELECT count(*) FROM orch_runs WHERE step=? AND day=? AND source='schedule'"
                 " AND status NOT IN ('interrupted', 'running')",
                 step, day, n, e);
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t len)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    snprintf(dst, len, "%s", s ? (const char *)s : "");
}

#define RUN_COLS                                                                                   \
    "id, step, day, attempt, source, due_ns, started_ns, finished_ns, status, final, exit_code,"   \
    " message, pid, pid_start"

static void read_run(sqlite3_stmt *st, tb_run *out)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    copy_col(st, 1, out->step, sizeof out->step);
    out->day = sqlite3_column_int(st, 2);
    out->attempt = sqlite3_column_int(st, 3);
    copy_col(st, 4, out->source, sizeof out->source);
    out->due_ns = sqlite3_column_int64(st, 5);
    out->started_ns = sqlite3_column_int64(st, 6);
    out->finished_ns = sqlite3_column_int64(st, 7);
    copy_col(st, 8, out->status, sizeof out->status);
    out->final = sqlite3_column_int(st, 9);
    out->exit_code = sqlite3_column_int(st, 10);
    copy_col(st, 11, out->message, sizeof out->message);
    out->pid = sqlite3_column_int(st, 12);
    out->pid_start = sqlite3_column_int64(st, 13);
}

int tb_history_latest(tb_db *db, const char *step, tb_date day, tb_run *out, tb_err *e)
{
    sqlite3_stmt *st;
    if (prep(db,
             "SELECT " RUN_COLS " FROM orch_runs WHERE step=? AND day=?"
             " ORDER BY final DESC, id DESC LIMIT 1",
             &st, e) != 0)
        return -1;
    TB_DB_BIND(st, TB_DB_TEXT(step), TB_DB_INT(day));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_run(st, out);
    if (done(db, st, rc, e) != 0) return -1;
    return rc == SQLITE_ROW;
}

int tb_history_set_pid(tb_db *db, const tb_run *r, tb_err *e)
{
    return TB_DB_RUN(db, "UPDATE orch_runs SET pid=?, pid_start=? WHERE id=?", "orch_runs", e,
                     TB_DB_INT(r->pid), TB_DB_INT(r->pid_start), TB_DB_INT(r->id));
}

int tb_history_running(tb_db *db, tb_run *out, int max, tb_err *e)
{
    sqlite3_stmt *st;
    if (prep(db, "SELECT " RUN_COLS " FROM orch_runs WHERE status='running' ORDER BY id", &st, e) !=
        0)
        return -1;
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (n < max) read_run(st, &out[n++]);
    return done(db, st, rc, e) == 0 ? n : -1;
}

int tb_history_failures(sqlite3 *db, int max, tb_history_failure_fn fn, void *ud)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT step, status, message FROM orch_runs WHERE final = 1 AND"
                           " status NOT IN ('ok','unavailable') ORDER BY id DESC LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int(st, 1, max);
    while (sqlite3_step(st) == SQLITE_ROW)
        fn(ud, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return 0;
}
