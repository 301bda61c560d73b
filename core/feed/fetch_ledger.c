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
    TB_DB_BIND(st, TB_DB_TEXT(vendor), TB_DB_TEXT(symbol), TB_DB_INT(tf_sec), TB_DB_INT(from),
               TB_DB_INT(to));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) have[sqlite3_column_int(st, 0) - from] = 1;
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : tb_db_fail(db, rc, "reading the fetch ledger", e);
}

int tb_fetch_ledger_mark(tb_db *db, const char *vendor, const char *symbol, int tf_sec, tb_date day,
                         int64_t bars, int64_t now_ns, tb_err *e)
{
    return TB_DB_RUN(db,
                     "INSERT OR REPLACE INTO fetch_ledger (vendor, symbol, timeframe, day, bars, "
                     "fetched_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     "writing the fetch ledger", e, TB_DB_TEXT(vendor), TB_DB_TEXT(symbol),
                     TB_DB_INT(tf_sec), TB_DB_INT(day), TB_DB_INT(bars), TB_DB_INT(now_ns));
}
