#include "feed/fetch_ledger.h"
#include "tbtest.h"
#include "db_testutil.h"

#include <unistd.h>

TEST(marked_days_are_reported_per_vendor_symbol_and_timeframe)
{
    tb_db *db = tbt_db_fresh();
    tb_err e;
    tb_date d0 = tb_date_from_ymd(2026, 1, 5);
    CHECK_INT(tb_fetch_ledger_mark(db, "polygon", "AAPL", 60, d0 + 1, 386, 1, &e), 0);
    CHECK_INT(tb_fetch_ledger_mark(db, "polygon", "AAPL", 60, d0 + 3, 386, 1, &e), 0);
    CHECK_INT(tb_fetch_ledger_mark(db, "alpaca", "AAPL", 60, d0, 390, 1, &e), 0);
    CHECK_INT(tb_fetch_ledger_mark(db, "polygon", "AAPL", 86400, d0, 1, 1, &e), 0);
    CHECK_INT(tb_fetch_ledger_mark(db, "polygon", "MSFT", 60, d0, 386, 1, &e), 0);
    uint8_t have[5];
    CHECK_INT(tb_fetch_ledger_days(db, "polygon", "AAPL", 60, d0, d0 + 4, have, &e), 0);
    CHECK_INT(have[0], 0);
    CHECK_INT(have[1], 1);
    CHECK_INT(have[2], 0);
    CHECK_INT(have[3], 1);
    CHECK_INT(have[4], 0);
    tb_db_close(db);
}

TEST(marking_a_day_again_replaces_its_row)
{
    tb_db *db = tbt_db_fresh();
    tb_err e;
    tb_date d = tb_date_from_ymd(2026, 1, 5);
    CHECK_INT(tb_fetch_ledger_mark(db, "polygon", "*", 86400, d, 4, 1, &e), 0);
    CHECK_INT(tb_fetch_ledger_mark(db, "polygon", "*", 86400, d, 5, 2, &e), 0);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db->h, "SELECT count(*), max(bars) FROM fetch_ledger", -1, &st, NULL);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 1);
    CHECK_INT(sqlite3_column_int(st, 1), 5);
    sqlite3_finalize(st);
    tb_db_close(db);
}
