#include "store/db.h"

#include <fcntl.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int tb_db_fail(tb_db *db, int rc, const char *what, tb_err *e)
{
    const char *path = db ? db->path : "?";
    const char *msg = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return tb_errf(e,
                       "%s: database is locked by another process or connection (%s); "
                       "stop the other writer or retry",
                       path, what);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return tb_errf(e,
                       "%s: file is corrupt or not an SQLite database (%s: %s); restore it "
                       "from data/archives/ or move it aside",
                       path, what, msg);
    default: return tb_errf(e, "%s: %s: %s", path, what, msg);
    }
}

int tb_db_bind(sqlite3_stmt *st, const tb_db_val *v, int n)
{
    for (int i = 0; i < n; i++) {
        int rc, k = i + 1;
        switch (v[i].kind) {
        case TB_DB_V_TEXT:
            rc = v[i].text ? sqlite3_bind_text(st, k, v[i].text, -1, SQLITE_STATIC)
                           : sqlite3_bind_null(st, k);
            break;
        case TB_DB_V_INT: rc = sqlite3_bind_int64(st, k, v[i].i); break;
        case TB_DB_V_REAL: rc = sqlite3_bind_double(st, k, v[i].d); break;
        default:
            rc = isfinite(v[i].d) ? sqlite3_bind_double(st, k, v[i].d) : sqlite3_bind_null(st, k);
        }
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

int tb_db_run(tb_db *db, const char *sql, const tb_db_val *v, int n, const char *what, tb_err *e)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return tb_db_fail(db, rc, what, e);
    rc = tb_db_bind(st, v, n);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : tb_db_fail(db, rc, what, e);
}

/* The database holds orders, fills and account history: the owner's alone. SQLite gives the
 * -wal and -shm files the database file's mode, so creating it 0600 covers all three; files of
 * an older home made 0644 are tightened. A path SQLite treats specially (":memory:") is skipped. */
static void restrict_mode(const char *path)
{
    if (path[0] == ':' || strncmp(path, "file:", 5) == 0) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        fchmod(fd, 0600); /* whatever the umask */
        close(fd);
    }
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        char p[PATH_MAX + 16];
        struct stat st;
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077)) chmod(p, 0600);
    }
}

int tb_db_set_busy(tb_db *db, int ms)
{
    int old = db->busy_ms;
    if (ms != old) sqlite3_busy_timeout(db->h, ms);
    db->busy_ms = ms;
    return old;
}

int tb_db_last_busy(sqlite3 *h)
{
    int rc = sqlite3_extended_errcode(h) & 0xff;
    return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

int tb_db_exec(tb_db *db, const char *sql, tb_err *e)
{
    char *errmsg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &errmsg);
    sqlite3_free(errmsg);
    return rc == SQLITE_OK ? 0 : tb_db_fail(db, rc, sql, e);
}

int tb_db_pragma_int(tb_db *db, const char *name, int *out, tb_err *e)
{
    char sql[64], what[64];
    snprintf(sql, sizeof sql, "PRAGMA %s", name);
    snprintf(what, sizeof what, "reading %s", name);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return tb_db_fail(db, rc, what, e);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : tb_db_fail(db, rc, what, e);
}

int tb_db_user_version(tb_db *db, int *version, tb_err *e)
{
    return tb_db_pragma_int(db, "user_version", version, e);
}

int tb_db_migrate(tb_db *db, const tb_db_migration *steps, int n, tb_err *e)
{
    int v;
    if (tb_db_user_version(db, &v, e) != 0) return -1;
    if (v > n)
        return tb_errf(e, "%s: schema version %d is newer than this tradebot knows (%d)", db->path,
                       v, n);
    for (; v < n; v++) {
        char what[160], bump[48];
        snprintf(what, sizeof what, "migration %d (%s)", v + 1, steps[v].name);
        int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK) return tb_db_fail(db, rc, what, e);
        snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
        rc = sqlite3_exec(db->h, steps[v].sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK) rc = sqlite3_exec(db->h, bump, NULL, NULL, NULL);
        if (rc == SQLITE_OK) rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            tb_db_fail(db, rc, what, e);
            sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
            return -1;
        }
    }
    return 0;
}

tb_db *tb_db_open(const char *path, const tb_db_opts *opts, tb_err *e)
{
    tb_db *db = calloc(1, sizeof *db);
    if (!db) {
        tb_errf(e, "%s: out of memory", path);
        return NULL;
    }
    snprintf(db->path, sizeof db->path, "%s", path);
    int busy = opts && opts->busy_ms > 0 ? opts->busy_ms : TB_DB_DEFAULT_BUSY_MS;
    const tb_db_migration *steps = opts && opts->migrations ? opts->migrations : tb_db_migrations;
    int nsteps = opts && opts->migrations ? opts->nmigrations : tb_db_nmigrations;
    restrict_mode(path);
    int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        tb_db_fail(db, rc, "open", e);
        goto fail;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, busy);
    db->busy_ms = busy;
    /* journal_mode answers with a row; read it to notice a file that is not a database. */
    sqlite3_stmt *st;
    rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
            sqlite3_finalize(st);
            tb_errf(e, "%s: cannot switch to WAL mode (a network file system?)", path);
            goto fail;
        }
        sqlite3_finalize(st);
        if (rc == SQLITE_ROW) rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) {
        tb_db_fail(db, rc, "setting WAL mode", e);
        goto fail;
    }
    if (tb_db_exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", e) != 0) goto fail;
    if (tb_db_migrate(db, steps, nsteps, e) != 0) goto fail;
    return db;
fail:
    tb_db_close(db);
    return NULL;
}

void tb_db_close(tb_db *db)
{
    if (!db) return;
    sqlite3_close(db->h);
    free(db);
}

int tb_db_quick_check(tb_db *db, tb_err *e)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->h, "PRAGMA quick_check", -1, &st, NULL);
    if (rc != SQLITE_OK) return tb_db_fail(db, rc, "quick_check", e);
    rc = sqlite3_step(st);
    int ok = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    if (!ok && rc == SQLITE_ROW)
        tb_errf(e, "%s: quick_check: %s", db->path, (const char *)sqlite3_column_text(st, 0));
    else if (!ok)
        tb_db_fail(db, rc, "quick_check", e);
    sqlite3_finalize(st);
    return ok ? 0 : -1;
}
