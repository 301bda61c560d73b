/*
 * oms_store_read.c - reads of the order manager's tables for other modules (the Sentinel's
 * facts, the dashboard's symbol page and trade log), so no one else writes SQL against them:
 * a column renamed by a migration is then changed here only. Each takes the database handle
 * (a read connection is fine) and calls fn once per row.
 */
#include "oms/oms_store.h"

int oms_store_activity(sqlite3 *db, oms_store_activity_fn fn, void *ud)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT coalesce(strategy,''), session_day, count(*),"
                           " sum(filled_qty > 0) FROM oms_orders GROUP BY 1, 2",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW)
        fn(ud, (const char *)sqlite3_column_text(st, 0), (int32_t)sqlite3_column_int64(st, 1),
           sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3));
    sqlite3_finalize(st);
    return 0;
}

int oms_store_cashflow_by_day(sqlite3 *db, oms_store_cashflow_fn fn, void *ud)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            db,
            "SELECT session_day, sum(CASE side WHEN 'buy' THEN -qty*price ELSE qty*price END)"
            " - sum(coalesce(commission,0)) FROM oms_fills GROUP BY 1 ORDER BY 1",
            -1, &st, NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW)
        fn(ud, (int32_t)sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
    sqlite3_finalize(st);
    return 0;
}

/* Fills fn's row from a statement selecting FILL_COLS. */
#define FILL_COLS                                                                                  \
    "f.rowid, f.exec_id, f.symbol, f.side, f.qty, f.price, coalesce(f.commission, 0),"             \
    " coalesce(f.t_ns, 0), coalesce(f.session_day, 0), coalesce(o.strategy, ''),"                  \
    " coalesce(o.reason, '')"

static const char *text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

static void fill_row(sqlite3_stmt *st, oms_fill_row *r)
{
    *r = (oms_fill_row){.rowid = sqlite3_column_int64(st, 0),
                        .exec_id = text(st, 1),
                        .symbol = text(st, 2),
                        .side = text(st, 3),
                        .qty = sqlite3_column_int64(st, 4),
                        .price = sqlite3_column_int64(st, 5),
                        .commission = sqlite3_column_int64(st, 6),
                        .t_ns = sqlite3_column_int64(st, 7),
                        .session_day = (int32_t)sqlite3_column_int64(st, 8),
                        .strategy = text(st, 9),
                        .reason = text(st, 10)};
}

/* Steps st to the end, calling fn per row; finalizes st. */
static int each_fill(sqlite3 *db, sqlite3_stmt *st, oms_fill_fn fn, void *ud, tb_err *e)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        oms_fill_row r;
        fill_row(st, &r);
        fn(ud, &r);
    }
    if (rc != SQLITE_DONE) tb_errf(e, "oms_fills: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int oms_store_fills_after(sqlite3 *db, int64_t after_rowid, oms_fill_fn fn, void *ud, tb_err *e)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT " FILL_COLS " FROM oms_fills f LEFT JOIN oms_orders o"
                           " ON o.client_id = f.client_id WHERE f.rowid > ? ORDER BY f.rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return tb_errf(e, "oms_fills: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, after_rowid);
    return each_fill(db, st, fn, ud, e);
}

int oms_store_symbol_fills(sqlite3 *db, const char *symbol, int64_t from_ns, int max,
                           oms_fill_fn fn, void *ud, tb_err *e)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT * FROM (SELECT " FILL_COLS " FROM oms_fills f"
                           " LEFT JOIN oms_orders o ON o.client_id = f.client_id"
                           " WHERE f.symbol = ? AND f.t_ns >= ? ORDER BY f.rowid DESC LIMIT ?)"
                           " ORDER BY 1",
                           -1, &st, NULL) != SQLITE_OK)
        return tb_errf(e, "oms_fills: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, symbol, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from_ns);
    sqlite3_bind_int(st, 3, max);
    return each_fill(db, st, fn, ud, e);
}

int oms_store_fills_upto(sqlite3 *db, int64_t upto_rowid, int64_t *count, tb_money *commissions,
                         tb_err *e)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*), coalesce(sum(commission), 0) FROM oms_fills"
                           " WHERE rowid <= ?",
                           -1, &st, NULL) != SQLITE_OK)
        return tb_errf(e, "oms_fills: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, upto_rowid);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int64(st, 0), *commissions = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : tb_errf(e, "oms_fills: %s", sqlite3_errmsg(db));
}
