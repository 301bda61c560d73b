/*
 * db.h - opening ml_db/ml_data.db (or any engine SQLite file): WAL mode, a busy timeout,
 * foreign keys, and schema migrations.
 *
 * Migrations are one ordered array (core/store/migrations.c); PRAGMA user_version counts how
 * many have been applied. Opening applies the missing ones, each in its own transaction
 * together with the user_version bump, so a failed step leaves the file at the previous
 * version. Errors name the file and say what to do when it is locked or corrupt.
 */
#ifndef TB_STORE_DB_H
#define TB_STORE_DB_H

#include "util/err.h"

#include <sqlite3.h>
#include <stdint.h>

typedef struct tb_db_migration {
    const char *name; /* short description, shown in errors */
    const char *sql;  /* one or more statements */
} tb_db_migration;

/* The engine's schema, in order. Append new steps at the end; never edit or reorder. */
extern const tb_db_migration tb_db_migrations[];
extern const int tb_db_nmigrations;

/* The positions per (strategy, symbol): once shared by oms_store_open (oms/oms_store.c) and the
 * migration that creates it (store/migrations.c), which is released: this text never changes, a
 * change is a new step. */
#define TB_DB_OMS_STRATEGY_POSITIONS_DDL                                                           \
    "CREATE TABLE IF NOT EXISTS oms_strategy_positions ("                                          \
    " strategy TEXT NOT NULL, symbol TEXT NOT NULL, qty INTEGER, cost_basis INTEGER,"              \
    " avg_price INTEGER, realized_pnl INTEGER, fees INTEGER, day INTEGER, opened_today INTEGER,"   \
    " PRIMARY KEY (strategy, symbol));"

/* Lock waits (ms). The engine's loop connection waits TB_DB_LOOP_BUSY_MS: a write that cannot
 * get the lock in that time is kept in memory and retried from a timer (bar sink, deferred
 * rows, fills waiting to be committed). Journaling an intent before it is sent may wait
 * TB_DB_JOURNAL_BUSY_MS, then the order is refused. Children and tools keep the default. */
#define TB_DB_LOOP_BUSY_MS    20
#define TB_DB_JOURNAL_BUSY_MS 50
#define TB_DB_DEFAULT_BUSY_MS 5000

typedef struct tb_db {
    sqlite3 *h;
    char path[1024];
    int busy_ms; /* the connection's lock wait now */
} tb_db;

typedef struct tb_db_opts {
    int busy_ms;                       /* wait this long on a lock (0: 5000) */
    const tb_db_migration *migrations; /* NULL: tb_db_migrations */
    int nmigrations;
} tb_db_opts;

/* Opens (creating) path, sets WAL, busy timeout, foreign keys and synchronous=NORMAL, and
 * applies missing migrations. opts may be NULL. Returns NULL with e set on failure. */
tb_db *tb_db_open(const char *path, const tb_db_opts *opts, tb_err *e);

/* Closes the database (finalize statements first). NULL is fine. */
void tb_db_close(tb_db *db);

/* Runs SQL statements without results. */
int tb_db_exec(tb_db *db, const char *sql, tb_err *e);

/* Reads PRAGMA user_version: the number of migrations applied. */
/* The integer a PRAGMA answers with (name: "synchronous", "user_version", ...). 0 or -1 with e. */
int tb_db_pragma_int(tb_db *db, const char *name, int *out, tb_err *e);

int tb_db_user_version(tb_db *db, int *version, tb_err *e);

/* Applies steps[version .. n-1], one transaction each. Fails when the file is newer than n. */
int tb_db_migrate(tb_db *db, const tb_db_migration *steps, int n, tb_err *e);

/* PRAGMA quick_check: 0 when it answers "ok", else -1 with the first problem in e. */
int tb_db_quick_check(tb_db *db, tb_err *e);

/* Sets the connection's lock wait to ms; returns the previous one (to restore it). */
int tb_db_set_busy(tb_db *db, int ms);

/* 1 when the last failure on h was a lock held by another connection (SQLITE_BUSY/LOCKED):
 * a write worth retrying later, not a broken database. */
int tb_db_last_busy(sqlite3 *h);

/* One value to bind: made by TB_DB_TEXT, TB_DB_INT, TB_DB_REAL or TB_DB_REAL_OR_NULL, so each
 * argument is converted by the compiler (no format letters to get wrong). */
typedef struct tb_db_val {
    enum { TB_DB_V_TEXT, TB_DB_V_INT, TB_DB_V_REAL, TB_DB_V_REAL_OR_NULL } kind;
    const char *text; /* NULL binds NULL; SQLITE_STATIC: it must outlive the step */
    int64_t i;
    double d;
} tb_db_val;

#define TB_DB_TEXT(v) ((tb_db_val){.kind = TB_DB_V_TEXT, .text = (v)})
#define TB_DB_INT(v)  ((tb_db_val){.kind = TB_DB_V_INT, .i = (v)})
#define TB_DB_REAL(v) ((tb_db_val){.kind = TB_DB_V_REAL, .d = (v)})
/* A REAL where there is one: NaN or an infinity (no vwap, no confidence) binds NULL. */
#define TB_DB_REAL_OR_NULL(v) ((tb_db_val){.kind = TB_DB_V_REAL_OR_NULL, .d = (v)})

/* Binds v[0..n-1] to st's parameters 1..n. Returns SQLITE_OK or the first bind's error code. */
int tb_db_bind(sqlite3_stmt *st, const tb_db_val *v, int n);

/* tb_db_bind(st, the values listed, their count): TB_DB_BIND(st, TB_DB_TEXT(s), TB_DB_INT(n)). */
#define TB_DB_BIND(st, ...)                                                                        \
    tb_db_bind((st), (const tb_db_val[]){__VA_ARGS__},                                             \
               (int)(sizeof((const tb_db_val[]){__VA_ARGS__}) / sizeof(tb_db_val)))

/* Prepares sql, binds v[0..n-1], steps it once to the end and finalizes it: a statement without
 * rows (INSERT, UPDATE, DELETE). Errors name `what` through tb_db_fail. */
int tb_db_run(tb_db *db, const char *sql, const tb_db_val *v, int n, const char *what, tb_err *e);

/* tb_db_run with the values listed: TB_DB_RUN(db, sql, what, e, TB_DB_TEXT(s), TB_DB_INT(n)). */
#define TB_DB_RUN(db, sql, what, e, ...)                                                           \
    tb_db_run((db), (sql), (const tb_db_val[]){__VA_ARGS__},                                       \
              (int)(sizeof((const tb_db_val[]){__VA_ARGS__}) / sizeof(tb_db_val)), (what), (e))

/* Fills e from an SQLite result code rc of `what`, naming the file and explaining BUSY/LOCKED
 * and CORRUPT/NOTADB. Returns -1. */
int tb_db_fail(tb_db *db, int rc, const char *what, tb_err *e);

#endif
