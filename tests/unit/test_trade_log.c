#include "tbtest.h"
#include "db_testutil.h"
#include "http/trade_log.h"
#include "oms/oms_store.h"

#include <sqlite3.h>

#define USD 1000000LL

static oms_store *st;
static sqlite3 *db;
static tb_trade_log *l;
static int64_t now_ns = 1000000000; /* the clock handed to each sync */

/* An empty database with the order manager's real tables, and an empty log. */
static void fresh(void)
{
    tb_err e = {0};
    db = tbt_db_open(":memory:");
    st = oms_store_open(db, &e);
    if (!st) TBT_FAIL("oms_store_open: %s", e.msg);
    l = tb_trade_log_new();
}

static void done(void)
{
    tb_trade_log_free(l);
    oms_store_close(st);
    sqlite3_close(db);
}

static void order(const char *id, const char *strategy, const char *reason)
{
    char *sql = sqlite3_mprintf("INSERT INTO oms_orders (client_id, seq, symbol, strategy, reason)"
                                " VALUES (%Q, 1, 'X', %Q, %Q)",
                                id, strategy, reason);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_free(sql);
}

static void fill(const char *exec, const char *id, const char *sym, const char *side, long long qty,
                 long long price, long long fee, long long t_ns)
{
    char *sql = sqlite3_mprintf(
        "INSERT INTO oms_fills (exec_id, client_id, symbol, side, qty, price, commission, t_ns,"
        " session_day) VALUES (%Q, %Q, %Q, %Q, %lld, %lld, %lld, %lld, 20260105)",
        exec, id, sym, side, qty, price, fee, t_ns);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_free(sql);
}

static const tb_trade_rec *synced(size_t *n)
{
    tb_err e = {0};
    if (tb_trade_log_sync(l, db, now_ns, &e) < 0) TBT_FAIL("sync: %s", e.msg);
    return tb_trade_log_trades(l, n);
}

TEST(a_round_trip_is_one_trade_with_its_strategy_reason_pnl_and_both_fees)
{
    fresh();
    order("o1", "momentum", "breakout");
    order("o2", "momentum", "stop hit");
    fill("e1", "o1", "AAPL", "buy", 10, 100 * USD, USD / 10, 1000);
    size_t n;
    synced(&n);
    CHECK_INT(n, 0); /* an opening fill is no trade */
    fill("e2", "o2", "AAPL", "sell", 10, 103 * USD, USD / 5, 2000);
    const tb_trade_rec *t = synced(&n);
    CHECK_INT(n, 1);
    CHECK_STR(t[0].strategy, "momentum");
    CHECK_STR(t[0].reason, "stop hit");
    CHECK_STR(t[0].symbol, "AAPL");
    CHECK_INT(t[0].qty, 10);
    CHECK_INT(t[0].pnl, 30 * USD);
    CHECK_INT(t[0].fees, USD / 10 + USD / 5);
    CHECK_INT(t[0].entry_ns, 1000);
    CHECK_INT(t[0].t_ns, 2000);
    CHECK_INT(tb_trade_log_fills(l), 2);
    done();
}

TEST(partial_closes_use_the_average_cost_and_a_flip_opens_the_rest_at_its_fill)
{
    fresh();
    fill("e1", "a", "MSFT", "buy", 10, 100 * USD, 0, 1);
    fill("e2", "b", "MSFT", "buy", 10, 110 * USD, 0, 2); /* average 105 */
    fill("e3", "c", "MSFT", "sell", 5, 107 * USD, 0, 3);
    fill("e4", "d", "MSFT", "sell", 25, 104 * USD, 0, 4); /* closes 15, opens 10 short */
    fill("e5", "e", "MSFT", "buy", 10, 100 * USD, 0, 5);
    size_t n;
    const tb_trade_rec *t = synced(&n);
    CHECK_INT(n, 3);
    CHECK_INT(t[0].pnl, 10 * USD);
    CHECK_INT(t[1].qty, 15);
    CHECK_INT(t[1].pnl, -15 * USD);
    CHECK_INT(t[1].entry_ns, 1);
    CHECK_INT(t[2].pnl, 40 * USD); /* the short opened at 104 */
    CHECK_INT(t[2].entry_ns, 4);
    CHECK_STR(t[2].strategy, ""); /* a fill of an order we never recorded */
    done();
}

TEST(each_sync_reads_on_and_a_late_commission_rebuilds_the_list_within_a_minute)
{
    fresh();
    fill("e1", "a", "SPY", "buy", 1, 500 * USD, 0, 1);
    fill("e2", "b", "SPY", "sell", 1, 501 * USD, 0, 2);
    size_t n;
    synced(&n);
    CHECK_INT(n, 1);
    synced(&n);
    CHECK_INT(n, 1); /* nothing new: no duplicate */
    fill("e3", "c", "SPY", "buy", 2, 500 * USD, 0, 3);
    fill("e4", "d", "SPY", "sell", 2, 499 * USD, 0, 4);
    const tb_trade_rec *t = synced(&n);
    CHECK_INT(n, 2);
    CHECK_INT(t[1].pnl, -2 * USD);
    CHECK_INT(tb_trade_log_fills(l), 4);
    CHECK(sqlite3_exec(db, "UPDATE oms_fills SET commission = 30000 WHERE exec_id = 'e1'", NULL,
                       NULL, NULL) == SQLITE_OK);
    now_ns += 1000000000;
    t = synced(&n);
    CHECK_INT(t[0].fees, 0); /* not looked for at every sync: a scan of the table */
    now_ns += TB_TRADE_LOG_RECHECK_NS;
    t = synced(&n);
    CHECK_INT(n, 2);
    CHECK_INT(t[0].fees, 30000);
    CHECK_INT(t[1].fees, 0);
    CHECK_INT(tb_trade_log_fills(l), 4);
    done();
}

TEST(a_corrupt_fill_is_named_and_skipped_and_the_others_still_count)
{
    fresh();
    fill("e1", "a", "QQQ", "buy", 3, 400 * USD, 0, 1);
    fill("bad1", "b", "QQQ", "sideways", 3, 401 * USD, 0, 2);
    fill("bad2", "b", "QQQ", "sell", -3, 401 * USD, 0, 2);
    fill("e2", "c", "QQQ", "sell", 3, 402 * USD, 0, 3);
    tb_err e = {0};
    CHECK_INT(tb_trade_log_sync(l, db, now_ns, &e), -1);
    CHECK_CONTAINS(e.msg, "bad1");
    size_t n;
    const tb_trade_rec *t = tb_trade_log_trades(l, &n);
    CHECK_INT(n, 1);
    CHECK_INT(t[0].pnl, 6 * USD);
    memset(&e, 0, sizeof e);
    CHECK_INT(tb_trade_log_sync(l, db, now_ns, &e),
              0); /* reported once, not on every page refresh */
    done();
}

TEST(a_database_without_the_fills_table_is_an_error_naming_it)
{
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    l = tb_trade_log_new();
    tb_err e = {0};
    CHECK_INT(tb_trade_log_sync(l, db, now_ns, &e), -1);
    CHECK_CONTAINS(e.msg, "oms_fills");
    tb_trade_log_free(l);
    sqlite3_close(db);
}
