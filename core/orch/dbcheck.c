#include "orch/dbcheck.h"
#include "store/db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int lock_state(sqlite3 *h, int busy_ms, char *why, size_t len)
{
    int rc = sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
        return 0;
    }
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        snprintf(why, len,
                 "LOCKED: another process held the write lock for more than %d ms "
                 "(find it with `fuser -v FILE`; a stopped engine releases it)",
                 busy_ms);
    else
        snprintf(why, len, "cannot take the write lock: %s", sqlite3_errstr(rc));
    return -1;
}

int tb_dbcheck(const char *path, int busy_ms, char *report, size_t len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(report, len, "%s: MISSING: no such file (`tradebot run` creates it)", path);
        return -1;
    }
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        snprintf(report, len, "%s: cannot open: %s", path, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return -1;
    }
    sqlite3_busy_timeout(h, busy_ms);
    char lock[300] = "", check[600] = "";
    int bad = lock_state(h, busy_ms, lock, sizeof lock);
    tb_db db = {.h = h};
    snprintf(db.path, sizeof db.path, "%s", path);
    tb_err e;
    if (tb_db_quick_check(&db, &e) != 0) {
        snprintf(check, sizeof check, "CORRUPT or unreadable: %s", e.msg);
        bad = -1;
    }
    int version = -1;
    tb_db_user_version(&db, &version, &e);
    sqlite3_close(h);
    if (version > tb_db_nmigrations) bad = -1;
    snprintf(report, len, "%s: %s; %s; quick_check %s; schema version %d of %d%s; %.1f MB", path,
             bad ? "PROBLEM" : "ok", lock[0] ? lock : "not locked", check[0] ? check : "ok",
             version, tb_db_nmigrations,
             version > tb_db_nmigrations ? " (written by a newer tradebot)" : "",
             (double)st.st_size / 1048576.0);
    return bad ? -1 : 0;
}
