/*
 * db_testutil.h - a raw SQLite handle with the engine's schema, for tests that hand a handle to
 * oms_store, ml_store or kv (which no longer create their tables: store/migrations.c does).
 * Works for ":memory:", which tb_db_open refuses (no WAL there); a file gets WAL as the engine's.
 */
#ifndef TB_DB_TESTUTIL_H
#define TB_DB_TESTUTIL_H

#include "store/db.h"
#include "tbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Applies every missing migration to an open handle; fails the test when one fails. */
static inline void tbt_db_migrate(sqlite3 *h)
{
    tb_db w = {.h = h};
    snprintf(w.path, sizeof w.path, "%s", "test handle");
    tb_err e = {{0}};
    if (tb_db_migrate(&w, tb_db_migrations, tb_db_nmigrations, &e) != 0)
        TBT_FAIL("migrate: %s", e.msg);
}

/* Opens path and applies every migration; fails the test (and returns the handle as far as it
 * got) when either step fails. */
static inline sqlite3 *tbt_db_open(const char *path)
{
    sqlite3 *h = NULL;
    if (sqlite3_open(path, &h) != SQLITE_OK) TBT_FAIL("open %s", path);
    if (strcmp(path, ":memory:") != 0) sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    tbt_db_migrate(h);
    return h;
}

/* The first column of sql's first row as an integer; -1 when it has no row or does not compile. */
static inline int64_t tbt_db_scalar(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* query's rows as text: each column as SQLite's text of it ("NULL" for NULL) joined by '|', each
 * row ended by '\n'; one buffer, reused. "" with the test failed when query does not compile. */
static inline const char *tbt_db_rows(sqlite3 *h, const char *query)
{
    static char out[16384];
    size_t n = 0;
    out[0] = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, query, -1, &st, NULL) != SQLITE_OK) {
        TBT_FAIL("%s: %s", query, sqlite3_errmsg(h));
        return "";
    }
    while (sqlite3_step(st) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            int last = c == sqlite3_column_count(st) - 1;
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", v ? v : "NULL",
                                  last ? "\n" : "|");
            if (n >= sizeof out) n = sizeof out - 1;
        }
    sqlite3_finalize(st);
    return out;
}

static char tbt_db_dir[64];

static inline void tbt_db_dir_remove(void)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tbt_db_dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tbt_db_dir);
}

/* A fresh engine database (tb_db_open: WAL and every migration) in this executable's temporary
 * directory, which is removed at exit; the file's path in tbt_db_path. NULL with the test failed.
 */
static char tbt_db_path[128];
static inline tb_db *tbt_db_fresh(void)
{
    static int n;
    if (!tbt_db_dir[0]) {
        snprintf(tbt_db_dir, sizeof tbt_db_dir, "/tmp/tb_test_db_XXXXXX");
        if (!mkdtemp(tbt_db_dir)) TBT_FAIL("mkdtemp %s", tbt_db_dir);
        atexit(tbt_db_dir_remove);
    }
    snprintf(tbt_db_path, sizeof tbt_db_path, "%s/db%d.db", tbt_db_dir, n++);
    tb_err e = {{0}};
    tb_db *db = tb_db_open(tbt_db_path, NULL, &e);
    if (!db) TBT_FAIL("open %s: %s", tbt_db_path, e.msg);
    return db;
}

#endif
