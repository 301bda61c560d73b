/* The reads of ml_decisions the dashboard (/metrics) and the Sentinel's facts are built from. */
#include "ml/ml_store.h"
#include "tbtest.h"
#include "db_testutil.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>

static void decision(sqlite3 *db, double conf, const char *outcome)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO ml_decisions (t_ns, symbol, strategy, side, qty, confidence, verdict,"
             " outcome) VALUES (1, 'AAPL', 's', 'buy', 1, %g, 'pass', %s)",
             conf, outcome);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

TEST(decisions_count_by_decile_and_outcome_and_calibrate)
{
    sqlite3 *db;
    CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    double counts[10][3] = {{0}};
    tb_ml_calibration c;
    CHECK(tb_ml_decisions_by_decile(db, counts) == -1); /* no table yet */
    CHECK_INT(tb_ml_decisions_calibration(db, &c), -1);
    tbt_db_migrate(db);
    tb_err e;
    tb_ml_store *s = tb_ml_store_open(db, 0, &e);
    CHECK(s != NULL);
    decision(db, 0.95, "1");
    decision(db, 0.99, "0");
    decision(db, 1.0, "1"); /* a confidence of 1 is in the top decile */
    decision(db, 0.42, "NULL");
    CHECK(tb_ml_decisions_by_decile(db, counts) == 3);
    CHECK(counts[9][0] == 2 && counts[9][1] == 1 && counts[4][2] == 1);
    CHECK_INT(tb_ml_decisions_calibration(db, &c), 0);
    CHECK_INT(c.n, 3);
    CHECK_NEAR(c.hit_rate, 2.0 / 3, 1e-9);
    CHECK_NEAR(c.mean_probability, (0.95 + 0.99 + 1.0) / 3, 1e-9);
    tb_ml_store_close(s);
    sqlite3_close(db);
}

/* One row of query, its columns as SQLite's text ("NULL" for NULL) joined by '|'. */
static const char *row(sqlite3 *db, const char *query)
{
    static char out[1024];
    size_t n = 0;
    out[0] = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, query, -1, &st, NULL) != SQLITE_OK) return "prepare failed";
    if (sqlite3_step(st) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count(st) && n < sizeof out; c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", c ? "|" : "", v ? v : "NULL");
        }
    sqlite3_finalize(st);
    return out;
}

TEST(samples_and_decisions_store_each_column_and_null_where_there_is_none)
{
    sqlite3 *db;
    CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    tbt_db_migrate(db);
    tb_err e = {{0}};
    tb_ml_store *s = tb_ml_store_open(db, 0, &e);
    CHECK(s != NULL);
    if (!s) return;
    float f[TB_FEATURES_N];
    for (int i = 0; i < TB_FEATURES_N; i++) f[i] = (float)i;
    f[1] = NAN;
    int64_t id = tb_ml_store_sample(s, 42, "AAPL", f, 101.25, NAN, "", 30, &e);
    CHECK(id > 0);
    CHECK_STR(row(db, "SELECT t_ns, symbol, close, confidence, model, horizon_min, label,"
                      " substr(features, 1, 9) FROM ml_samples"),
              "42|AAPL|101.25|NULL|NULL|30|NULL|[0,null,2");
    CHECK_INT(tb_ml_store_label(s, id, -0.5, &e), 0);
    CHECK_STR(row(db, "SELECT fwd_ret, label FROM ml_samples"), "-0.5|0");
    CHECK_INT(tb_ml_store_decision(s, 43, "MSFT", "orb", "buy", 20, 0.75, "m1", "passed", f, &e),
              0);
    CHECK_INT(
        tb_ml_store_decision(s, 44, "MSFT", "orb", "buy", 5, INFINITY, "", "blocked", NULL, &e), 0);
    CHECK_STR(row(db, "SELECT t_ns, symbol, strategy, side, qty, confidence, model, verdict,"
                      " schema_hash IS NOT NULL, substr(features, 1, 9) FROM ml_decisions"
                      " WHERE t_ns = 43"),
              "43|MSFT|orb|buy|20|0.75|m1|passed|1|[0,null,2");
    CHECK_STR(row(db, "SELECT qty, confidence, model, verdict, schema_hash, features"
                      " FROM ml_decisions WHERE t_ns = 44"),
              "5|NULL|NULL|blocked|NULL|NULL");
    CHECK_INT(tb_ml_store_outcome(s, "MSFT", "orb", 12.5, 45, &e), 0);
    CHECK_STR(row(db, "SELECT outcome_pnl, outcome, closed_t_ns FROM ml_decisions WHERE t_ns = 43"),
              "12.5|1|45");
    tb_ml_store_close(s);
    sqlite3_close(db);
}
