/*
 * test_migrations.c - the tables the owners used to create on first use (oms_*, ml_*, engine_kv)
 * now come from store/migrations.c. A database made before that (schema version 6, the owners'
 * own CREATE statements, kept as they were in tests/data/schema_v6_*.sql) must upgrade keeping
 * every row and column, and a fresh database must get exactly the schema the old path gave.
 */
#include "tbtest.h"
#include "db_testutil.h"
#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The owners' DDL before step 7, verbatim, as fixtures in tests/data/schema_v6_*.sql (frozen on
 * purpose: they repeat step 7 as an old database holds it, whatever store/migrations.c says now):
 * oms/oms_store.c, ml/ml_store.c, store/kv.c. Returns the file's text (static), or "" after
 * failing the test. */
static const char *old_ddl(const char *owner)
{
    static char text[3][8192];
    static int next;
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/schema_v6_%s.sql", TB_SOURCE_DIR, owner);
    char *out = text[next++ % 3];
    out[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        TBT_FAIL("%s: cannot open the fixture", path);
        return out;
    }
    size_t n = fread(out, 1, sizeof text[0] - 1, f);
    int full = !feof(f);
    fclose(f);
    out[n] = 0;
    if (full) TBT_FAIL("%s: larger than %zu bytes", path, sizeof text[0] - 1);
    return out;
}

/* One row in every table the owners created, each column set to something recognisable. */
static const char old_rows[] =
    "INSERT INTO oms_orders VALUES ('c1', 7, 'b1', 'AAPL', 'orb', 'entry', 'n', NULL, NULL,"
    " 20260105, 'buy', 'limit', 'day', 'simple', 0, 'filled', 10, 1000000, 0, 0, 0, 0, 10,"
    " 10000000, 1000000, 5000, 10, 0, 1, 2, 3, 4);"
    "INSERT INTO oms_fills VALUES ('x1', 'c1', 'AAPL', 'buy', 10, 1000000, 5000, 10, 3,"
    " 20260105);"
    "INSERT INTO oms_positions VALUES ('AAPL', 10, 10000000, 1000000, 0, 5000, 20260105, 1);"
    "INSERT INTO oms_strategy_positions VALUES ('orb', 'AAPL', 10, 10000000, 1000000, 0, 5000,"
    " 20260105, 1);"
    "INSERT INTO oms_daytrades VALUES ('c1', 20260105, 'AAPL', 3);";
static const char old_ml_rows[] =
    "INSERT INTO ml_samples VALUES (1, 3, 'AAPL', 'h', '[1,2]', 100.5, 0.7, 'm', 30, 0.01, 1);"
    "INSERT INTO ml_decisions VALUES (1, 3, 'AAPL', 'orb', 'buy', 10, 0.8, 'm', 'passed', 12.5,"
    " 1, 9, 'h', '[1,2]');";
static const char old_kv_rows[] = "INSERT INTO engine_kv VALUES ('replay.cursor', '42', 5);";

static char dir[] = "/tmp/tb-migr-XXXXXX";

static const char *tmp_path(const char *name)
{
    static char p[256];
    static int made; /* not "ends in X": a random name may end in X too */
    if (!made) CHECK(mkdtemp(dir) != NULL);
    made = 1;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
    return p;
}

static void exec(sqlite3 *h, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) TBT_FAIL("%s: %s", sql, msg);
    sqlite3_free(msg);
}

/* A database as today's main made it: migrations 1-6, then the owners' tables with rows. */
static void make_old(const char *path, int with_ml, int with_kv)
{
    tb_err e = {{0}};
    tb_db_opts six = {.migrations = tb_db_migrations, .nmigrations = 6};
    tb_db *db = tb_db_open(path, &six, &e);
    if (!db) {
        TBT_FAIL("open at version 6: %s", e.msg);
        return;
    }
    exec(db->h, old_ddl("oms"));
    exec(db->h, old_rows);
    if (with_ml) exec(db->h, old_ddl("ml")), exec(db->h, old_ml_rows);
    if (with_kv) exec(db->h, old_ddl("kv")), exec(db->h, old_kv_rows);
    tb_db_close(db);
}

/* path opened the way the engine opens it: every migration applied. NULL fails the test. */
static tb_db *open_current(const char *path)
{
    tb_err e = {{0}};
    tb_db *db = tb_db_open(path, NULL, &e);
    if (!db) TBT_FAIL("open %s: %s", path, e.msg);
    return db;
}

#define SCHEMA_Q "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"

static const char *const every_row[] = {
    "SELECT * FROM oms_orders",    "SELECT * FROM oms_fills",
    "SELECT * FROM oms_positions", "SELECT * FROM oms_strategy_positions",
    "SELECT * FROM oms_daytrades", "SELECT * FROM ml_samples",
    "SELECT * FROM ml_decisions",  "SELECT * FROM ml_calibration",
    "SELECT * FROM engine_kv",
};

TEST(an_old_database_upgrades_keeping_every_row_and_column)
{
    const char *path = tmp_path("old.db");
    make_old(path, 1, 1);
    /* What the old database holds, read before the upgrade. */
    sqlite3 *raw;
    CHECK_INT(sqlite3_open(path, &raw), SQLITE_OK);
    char before_schema[16384], before[9][1024];
    snprintf(before_schema, sizeof before_schema, "%s", tbt_db_rows(raw, SCHEMA_Q));
    for (int i = 0; i < 9; i++)
        snprintf(before[i], sizeof before[i], "%s", tbt_db_rows(raw, every_row[i]));
    sqlite3_close(raw);
    CHECK_CONTAINS(before[0], "c1|7|b1|AAPL|orb|entry"); /* the fixture wrote what we think */
    CHECK_CONTAINS(before[8], "replay.cursor|42|5");

    tb_err e = {{0}};
    tb_db *db = open_current(path);
    if (!db) return;
    int v = 0;
    CHECK_INT(tb_db_user_version(db, &v, &e), 0);
    CHECK_INT(v, tb_db_nmigrations);
    CHECK_STR(tbt_db_rows(db->h, SCHEMA_Q), before_schema); /* nothing dropped, added or altered */
    for (int i = 0; i < 9; i++) CHECK_STR(tbt_db_rows(db->h, every_row[i]), before[i]);
    tb_db_close(db);
}

TEST(an_old_database_without_the_ml_and_kv_tables_gets_them)
{
    const char *path = tmp_path("oms_only.db");
    make_old(path, 0, 0); /* an engine that never ran ML nor saved state */
    tb_db *db = open_current(path);
    if (!db) return;
    CHECK_CONTAINS(tbt_db_rows(db->h, "SELECT * FROM oms_fills"), "x1|c1|AAPL|buy|10|1000000|5000");
    CHECK_STR(tbt_db_rows(db->h, "SELECT count(*) FROM ml_samples"), "0\n");
    CHECK_STR(tbt_db_rows(db->h, "SELECT count(*) FROM ml_calibration"), "0\n");
    exec(db->h, old_ml_rows);
    exec(db->h, old_kv_rows); /* the columns the owners write are all there */
    tb_db_close(db);
}

TEST(a_fresh_database_gets_the_schema_the_owners_used_to_create)
{
    const char *old = tmp_path("old_full.db");
    make_old(old, 1, 1);
    sqlite3 *raw;
    CHECK_INT(sqlite3_open(old, &raw), SQLITE_OK);
    char want[16384];
    snprintf(want, sizeof want, "%s", tbt_db_rows(raw, SCHEMA_Q));
    sqlite3_close(raw);
    tb_db *db = open_current(tmp_path("fresh.db"));
    if (!db) return;
    CHECK_STR(tbt_db_rows(db->h, SCHEMA_Q), want);
    CHECK_CONTAINS(want, "CREATE TABLE oms_fills ( exec_id TEXT NOT NULL UNIQUE");
    tb_db_close(db);
}
