#include "store/db.h"
#include "tbtest.h"
#include "db_testutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static char dir[] = "/tmp/tb_db_XXXXXX";

static const char *tmp_path(const char *name)
{
    static char p[256];
    if (dir[sizeof dir - 2] == 'X') mkdtemp(dir);
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
    return p;
}

static int64_t query_int(tb_db *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

TEST(open_creates_schema_in_wal_mode_with_foreign_keys)
{
    tb_err e;
    tb_db *db = tb_db_open(tmp_path("a.db"), NULL, &e);
    CHECK(db != NULL);
    if (!db) return;
    int v;
    CHECK_INT(tb_db_user_version(db, &v, &e), 0);
    CHECK_INT(v, tb_db_nmigrations);
    CHECK_INT(query_int(db, "PRAGMA foreign_keys"), 1);
    CHECK_INT(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'bars'"), 1);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db->h, "PRAGMA journal_mode", -1, &st, NULL);
    sqlite3_step(st);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    CHECK_INT(tb_db_quick_check(db, &e), 0);
    tb_db_close(db);
}

static const tb_db_migration steps3[] = {
    {"one", "CREATE TABLE t1 (x INTEGER)"},
    {"two", "CREATE TABLE t2 (y INTEGER); INSERT INTO t1 VALUES (2)"},
    {"three", "INSERT INTO t1 VALUES (3); CREATE TABLE t1 (dup INTEGER)"}, /* fails */
};

TEST(migrations_apply_in_order_once_and_a_failing_step_rolls_back)
{
    tb_err e;
    const char *path = tmp_path("m.db");
    tb_db_opts o = {0, steps3, 2};
    tb_db *db = tb_db_open(path, &o, &e);
    CHECK(db != NULL);
    if (!db) return;
    CHECK_INT(query_int(db, "PRAGMA user_version"), 2);
    CHECK_INT(query_int(db, "SELECT count(*) FROM t1"), 1);
    tb_db_close(db);
    db = tb_db_open(path, &o, &e); /* again: step two is not re-run */
    CHECK_INT(query_int(db, "SELECT count(*) FROM t1"), 1);
    tb_db_close(db);
    o.nmigrations = 3;
    CHECK(tb_db_open(path, &o, &e) == NULL);
    CHECK_CONTAINS(e.msg, "m.db");
    CHECK_CONTAINS(e.msg, "migration 3 (three)");
    o.nmigrations = 2;
    db = tb_db_open(path, &o, &e);
    CHECK_INT(query_int(db, "PRAGMA user_version"), 2);
    CHECK_INT(query_int(db, "SELECT count(*) FROM t1"), 1); /* the insert of step 3 is gone */
    tb_db_close(db);
    o.nmigrations = 1;
    CHECK(tb_db_open(path, &o, &e) == NULL);
    CHECK_CONTAINS(e.msg, "newer");
}

TEST(locked_database_error_names_the_file)
{
    tb_err e;
    const char *path = tmp_path("locked.db");
    sqlite3 *other;
    sqlite3_open(path, &other);
    sqlite3_exec(other, "CREATE TABLE x (a); BEGIN EXCLUSIVE; INSERT INTO x VALUES (1)", NULL, NULL,
                 NULL);
    tb_db_opts o = {50, NULL, 0};
    tb_db *db = tb_db_open(path, &o, &e);
    CHECK(db == NULL);
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, "locked");
    tb_db_close(db);
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
}

TEST(corrupt_file_error_names_the_file)
{
    tb_err e;
    const char *path = tmp_path("corrupt.db");
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 200; i++) fputs("this is not an sqlite database at all\n", f);
    fclose(f);
    tb_db *db = tb_db_open(path, NULL, &e);
    CHECK(db == NULL);
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, "corrupt");
}

/* A database made before healer_audit was a migration: the table was created on first use and
 * holds rows. Opening it with today's steps applies the new one without touching them. */
TEST(a_database_from_before_the_healer_audit_step_upgrades_and_keeps_its_rows)
{
    tb_err e;
    const char *p = tmp_path("old.db");
    tb_db_opts o = {.migrations = tb_db_migrations, .nmigrations = tb_db_nmigrations - 1};
    tb_db *db = tb_db_open(p, &o, &e);
    CHECK(db != NULL);
    if (!db) return;
    CHECK_INT(tb_db_exec(db,
                         "CREATE TABLE IF NOT EXISTS healer_audit (id INTEGER PRIMARY KEY,"
                         " t TEXT NOT NULL, action TEXT NOT NULL, directive TEXT NOT NULL,"
                         " by TEXT NOT NULL, detail TEXT NOT NULL);"
                         "INSERT INTO healer_audit (t, action, directive, by, detail)"
                         " VALUES ('2026-12-01T00:00:00Z', 'healer_directive_approved', 'd-1',"
                         " 'cli', '')",
                         &e),
              0);
    tb_db_close(db);
    db = tb_db_open(p, NULL, &e);
    CHECK(db != NULL);
    if (!db) return;
    int v;
    CHECK_INT(tb_db_user_version(db, &v, &e), 0);
    CHECK_INT(v, tb_db_nmigrations);
    CHECK_INT(query_int(db, "SELECT count(*) FROM healer_audit WHERE directive = 'd-1'"), 1);
    tb_db_close(db);
    /* and a new database has the table from the start */
    db = tb_db_open(tmp_path("new.db"), NULL, &e);
    CHECK(db != NULL);
    if (!db) return;
    CHECK_INT(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'healer_audit'"), 1);
    tb_db_close(db);
}

TEST(bound_values_keep_their_type_and_null_where_there_is_no_value)
{
    tb_err e = {{0}};
    tb_db *db = tb_db_open(tmp_path("bind.db"), NULL, &e);
    CHECK(db != NULL);
    if (!db) return;
    CHECK_INT(tb_db_exec(db, "CREATE TABLE v (t, n, big, r, a, b, c, z NOT NULL)", &e), 0);
    const char *none = NULL;
    int rc = TB_DB_RUN(db, "INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "writing v", &e,
                       TB_DB_TEXT("AAPL"), TB_DB_TEXT(none), TB_DB_INT(INT64_MAX - 1),
                       TB_DB_REAL(1.5), TB_DB_REAL_OR_NULL(NAN), TB_DB_REAL_OR_NULL(INFINITY),
                       TB_DB_REAL_OR_NULL(-2.25), TB_DB_INT(-7));
    CHECK_INT(rc, 0);
    CHECK_STR(tbt_db_rows(db->h, "SELECT t, n, big, r, a, b, c, z FROM v"),
              "AAPL|NULL|9223372036854775806|1.5|NULL|NULL|-2.25|-7\n");
    CHECK_STR(tbt_db_rows(db->h, "SELECT typeof(big), typeof(r), typeof(z) FROM v"),
              "integer|real|integer\n");
    tb_db_close(db);
}

TEST(a_failing_run_names_the_file_and_what_it_was_doing)
{
    tb_err e = {{0}};
    const char *path = tmp_path("run.db");
    tb_db *db = tb_db_open(path, NULL, &e);
    CHECK(db != NULL);
    if (!db) return;
    CHECK_INT(tb_db_exec(db, "CREATE TABLE v (k PRIMARY KEY, z NOT NULL)", &e), 0);
    CHECK_INT(TB_DB_RUN(db, "INSERT INTO v VALUES (?, ?)", "writing v", &e, TB_DB_INT(1),
                        TB_DB_TEXT(NULL)),
              -1); /* z NOT NULL: the step fails */
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, "writing v");
    CHECK_INT(TB_DB_RUN(db, "INSERT INTO nowhere VALUES (?)", "writing nowhere", &e, TB_DB_INT(1)),
              -1); /* the prepare fails */
    CHECK_CONTAINS(e.msg, "writing nowhere");
    CHECK_INT(
        TB_DB_RUN(db, "INSERT INTO v VALUES (?, 1)", "too many", &e, TB_DB_INT(1), TB_DB_INT(2)),
        -1); /* a value with no parameter is a bind error, not silently dropped */
    CHECK_CONTAINS(e.msg, "too many");
    CHECK_STR(tbt_db_rows(db->h, "SELECT count(*) FROM v"), "0\n");
    tb_db_close(db);
}
