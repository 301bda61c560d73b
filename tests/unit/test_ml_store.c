/* The reads of ml_decisions the dashboard (/metrics) and the Sentinel's facts are built from. */
#include "ml/ml_store.h"
#include "tbtest.h"
#include "db_testutil.h"

#include <sqlite3.h>

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
