#include "feed/fetch_ledger.h"

#include <string.h>

int tb_fetch_ledger_days(tb_db *db, const char *vendor, const char *symbol, int tf_sec,
                         tb_date from, tb_date to, uint8_t *have, tb_err *e)
{
    if (to < from) return 0;
    memset(have, 0, (size_t)(to - from) + 1);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->h,
                                "SELECT day FROM fetch_ledger WHERE vendor = ?1 AND symbol = ?2 "
                                "AND timeframe = ?3 AND day BETWEEN ?4 AND ?5",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return tb_db_fail(db, rc, "reading the fetch ledger", e);
    sqlite3_bind_text(st, 1, vendor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, symbol, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, tf_sec);
    sqlite3_bind_int(st, 4, from);
    sqlite3_bind_int(st, 5, to);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) have[sqlite3_column_int(st, 0) - from] = 1;
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : tb_db_fail(db, rc, "reading the fetch ledger", e);
}

int tb_fetch_ledger_mark(tb_db *db, const char *vendor, const char *symbol, int tf_sec, tb_date day,
                         int64_t bars, int64_t now_ns, tb_err *e)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->h,
                                "INSERT OR REPLACE INTO fetch_ledger (vendor, symbol, timeframe, "
                                "day, bars, fetched_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return tb_db_fail(db, rc, "writing the fetch ledger", e);
    sqlite3_bind_text(st, 1, vendor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, symbol, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, tf_sec);
    sqlite3_bind_int(st, 4, day);
    sqlite3_bind_int64(st, 5, bars);
    sqlite3_bind_int64(st, 6, now_ns);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : tb_db_fail(db, rc, "writing the fetch ledger", e);
}
