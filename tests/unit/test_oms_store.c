#include "tbtest.h"
#include "broker/paper.h"
#include "oms/oms.h"
#include "oms/oms_store.h"
#include "db_testutil.h"
#include "oms_testutil.h"

#include <string.h>
#include <unistd.h>

#define MIN_NS 60000000000LL

static char dbpath[256];

static sqlite3 *open_db(void)
{
    return tbt_db_open(dbpath);
}

static char dirs[16][64];
static int ndirs;

static void remove_dirs(void)
{
    char cmd[128];
    for (int i = 0; i < ndirs; i++) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dirs[i]);
        if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dirs[i]);
    }
}

static void fresh_path(void)
{
    char dir[] = "/tmp/tb_oms_store_XXXXXX";
    if (!mkdtemp(dir)) TBT_FAIL("mkdtemp");
    snprintf(dbpath, sizeof dbpath, "%s/ml_data.db", dir);
    if (ndirs == 0) atexit(remove_dirs);
    if (ndirs < 16) strcpy(dirs[ndirs++], dir);
}

static oms *new_oms(oms_store *st, int32_t day)
{
    oms_config c = {256, 16, 1024, day};
    oms *m = oms_new(&c, NULL);
    oms_journal j = oms_store_journal(st);
    oms_set_journal(m, &j);
    return m;
}

#define fill oms_test_fill

/* The engine's database, its order store and an order manager journaling to it. */
typedef struct rig {
    sqlite3 *db;
    oms_store *st;
    oms *m;
} rig;

/* Opens the database at dbpath as the engine does at start, with an order manager on session
 * day (0: none). */
static void rig_reopen(rig *r, int32_t day)
{
    tb_err e = {{0}};
    r->db = open_db();
    r->st = oms_store_open(r->db, &e);
    if (!r->st) TBT_FAIL("oms_store_open: %s", e.msg);
    r->m = r->st && day ? new_oms(r->st, day) : NULL;
}

/* rig_reopen on a fresh database. */
static void rig_open(rig *r, int32_t day)
{
    fresh_path();
    rig_reopen(r, day);
}

/* The order manager restarted on day, loading the journal from day from (the database stays). */
static void rig_restart(rig *r, int32_t day, int32_t from)
{
    oms_free(r->m);
    r->m = new_oms(r->st, day);
    tb_err e = {{0}};
    if (oms_store_load(r->st, r->m, from, &e) != 0) TBT_FAIL("oms_store_load: %s", e.msg);
}

static void rig_close(rig *r)
{
    oms_free(r->m);
    if (r->st) oms_store_close(r->st);
    sqlite3_close(r->db);
}

static oms_intent market_buy(const char *sym, tb_qty q)
{
    return (oms_intent){
        .strategy = "s", .symbol = sym, .side = OMS_BUY, .type = OMS_MARKET, .qty = q};
}

TEST(restart_restores_open_orders_positions_and_sequence)
{
    rig g;
    rig_open(&g, 20260105);
    if (!g.st) return;
    tb_err e = {{0}};
    oms_intent in = {.strategy = "rsi",
                     .symbol = "AAPL",
                     .side = OMS_BUY,
                     .type = OMS_LIMIT,
                     .qty = 100,
                     .limit_price = TB_USD(187, 230000),
                     .reason = "oversold"};
    const oms_order *a, *b;
    CHECK_INT(oms_submit(g.m, &in, &a, &e), 0);
    CHECK_INT(oms_submit(g.m, &in, &b, &e), 0);
    fill(g.m, a->client_id, "x1", 40, TB_USD(187, 230000));
    fill(g.m, b->client_id, "x2", 100, TB_USD(187, 200000));
    char aid[OMS_CLIENT_ID_MAX + 1];
    strcpy(aid, a->client_id);
    rig_close(&g);

    rig_reopen(&g, 20260106);
    CHECK_INT(oms_store_load(g.st, g.m, 20260106, &e), 0);
    const oms_order *r = oms_find(g.m, aid);
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(r->status, OMS_ST_PARTIALLY_FILLED);
        CHECK_INT(r->filled_qty, 40);
        CHECK_INT(r->limit_price, TB_USD(187, 230000));
        CHECK_STR(r->reason, "oversold");
    }
    CHECK_INT(oms_open_orders(g.m, "AAPL", NULL, 0), 1);
    const oms_position *p = oms_position_get(g.m, "AAPL");
    CHECK(p && p->qty == 140);
    /* The gates' lists of held positions and open-order symbols agree with a full walk. */
    CHECK_INT(oms_invariant_violations(g.m), 0);
    CHECK_INT(oms_next_seq(g.m), 3);
    const oms_order *c;
    CHECK_INT(oms_submit(g.m, &in, &c, &e), 0);
    CHECK_STR(c->client_id, "tb-rsi-AAPL-20260106-3");
    rig_close(&g);
}

TEST(replayed_fill_after_restart_is_refused_by_the_unique_execution_id)
{
    rig g;
    rig_open(&g, 20260105);
    oms_intent in = market_buy("MSFT", 10);
    const oms_order *a;
    oms_submit(g.m, &in, &a, NULL);
    char aid[OMS_CLIENT_ID_MAX + 1];
    strcpy(aid, a->client_id);
    fill(g.m, aid, "x1", 5, TB_USD(400, 0));
    /* Restart loading only later days: the exec id is not in memory, only in the table. */
    rig_restart(&g, 20260110, 20260110);
    fill(g.m, aid, "x1", 5, TB_USD(400, 0));
    CHECK_INT(oms_find(g.m, aid)->filled_qty, 5);
    CHECK_INT(oms_position_get(g.m, "MSFT")->qty, 5);
    CHECK_INT(tbt_db_scalar(g.db, "SELECT count(*) FROM oms_fills"), 1);
    rig_close(&g);
}

/* A fresh journal, 10 AAPL bought on 2026-01-05 and their sell submitted (returned). */
static const oms_order *bought_and_selling(rig *g)
{
    rig_open(g, 20260105);
    oms_intent in = market_buy("AAPL", 10);
    const oms_order *a, *sell;
    oms_submit(g->m, &in, &a, NULL);
    fill(g->m, a->client_id, "b1", 10, TB_USD(10, 0));
    in.side = OMS_SELL;
    oms_submit(g->m, &in, &sell, NULL);
    return sell;
}

TEST(day_trades_survive_a_restart)
{
    rig g;
    const oms_order *b = bought_and_selling(&g);
    fill(g.m, b->client_id, "s1", 10, TB_USD(11, 0));
    CHECK_INT(oms_daytrade_count(g.m, 20260101, 20260109), 1);
    rig_restart(&g, 20260106, 20260101);
    CHECK_INT(oms_daytrade_count(g.m, 20260101, 20260109), 1);
    CHECK_INT(oms_position_get(g.m, "AAPL")->realized_pnl, TB_USD(10, 0));
    rig_close(&g);
}

TEST(a_day_trade_is_committed_in_the_same_transaction_as_its_fill_or_not_at_all)
{
    rig g;
    const oms_order *b = bought_and_selling(&g);
    oms *m = g.m;
    sqlite3 *db = g.db;
    /* The day trade's row cannot be written: the fill is not committed either. */
    sqlite3_exec(db,
                 "CREATE TRIGGER no_dt BEFORE INSERT ON oms_daytrades BEGIN"
                 " SELECT RAISE(ABORT, 'disk full'); END",
                 NULL, NULL, NULL);
    tb_err e = {{0}};
    CHECK(oms_test_try_fill(m, b->client_id, "s1", 10, TB_USD(11, 0), &e) < 0);
    CHECK_INT(tbt_db_scalar(db, "SELECT count(*) FROM oms_fills WHERE exec_id = 's1'"), 0);
    CHECK_INT(tbt_db_scalar(db, "SELECT qty FROM oms_positions WHERE symbol = 'AAPL'"), 10);
    CHECK_INT(tbt_db_scalar(db, "SELECT count(*) FROM oms_daytrades"), 0);
    CHECK_INT(oms_daytrade_count(m, 20260101, 20260109), 0); /* memory agrees */
    sqlite3_exec(db, "DROP TRIGGER no_dt", NULL, NULL, NULL);
    CHECK_INT(oms_test_try_fill(m, b->client_id, "s1", 10, TB_USD(11, 0), &e), 0); /* redelivered */
    CHECK_INT(tbt_db_scalar(db, "SELECT count(*) FROM oms_fills WHERE exec_id = 's1'"), 1);
    CHECK_INT(tbt_db_scalar(db, "SELECT qty FROM oms_positions WHERE symbol = 'AAPL'"), 0);
    CHECK_INT(tbt_db_scalar(db, "SELECT count(*) FROM oms_daytrades WHERE day = 20260105"), 1);
    CHECK_INT(oms_daytrade_count(m, 20260101, 20260109), 1);
    rig_close(&g);
}

TEST(store_uses_wal_and_full_sync)
{
    rig g;
    rig_open(&g, 0);
    CHECK_INT(tbt_db_scalar(g.db, "PRAGMA synchronous"), 2);
    sqlite3_stmt *s;
    sqlite3_prepare_v2(g.db, "PRAGMA journal_mode", -1, &s, NULL);
    sqlite3_step(s);
    CHECK_STR((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    /* The paper exchange's durability (WAL without a sync per commit) and back. */
    tb_err e;
    CHECK_INT(oms_store_set_durability(g.st, OMS_DURABLE_CRASH, &e), 0);
    CHECK_INT(tbt_db_scalar(g.db, "PRAGMA synchronous"), 1);
    CHECK_INT(oms_store_set_durability(g.st, OMS_DURABLE_POWER, &e), 0);
    CHECK_INT(tbt_db_scalar(g.db, "PRAGMA synchronous"), 2);
    rig_close(&g);
}

TEST(orders_are_in_the_database_before_the_broker_is_called)
{
    rig g;
    rig_open(&g, 20260105);
    sqlite3 *db = g.db;
    paper_config pc = {.seed = 1, .initial_cash = TB_USD(1000000, 0)};
    paper *p = paper_new(&pc, NULL);
    broker b = paper_broker(p);
    broker_connect(b, NULL);
    oms_set_broker(g.m, b);
    paper_on_bar(p, "AAPL", TB_USD(10, 0), TB_USD(10, 0), TB_USD(10, 0), TB_USD(10, 0), 1000,
                 MIN_NS, NULL);
    oms_intent in = market_buy("AAPL", 10);
    CHECK_INT(oms_submit(g.m, &in, NULL, NULL), 0);
    /* The paper broker acknowledged synchronously: the row shows the acknowledged state. */
    CHECK_INT(tbt_db_scalar(db, "SELECT count(*) FROM oms_orders WHERE status='accepted'"), 1);
    paper_on_bar(p, "AAPL", TB_USD(10, 0), TB_USD(10, 0), TB_USD(10, 0), TB_USD(10, 0), 1000,
                 2 * MIN_NS, NULL);
    CHECK_INT(tbt_db_scalar(db, "SELECT count(*) FROM oms_orders WHERE status='filled'"), 1);
    CHECK_INT(tbt_db_scalar(db, "SELECT qty FROM oms_positions WHERE symbol='AAPL'"), 10);
    paper_free(p);
    rig_close(&g);
}

static void collect(void *ud, const oms_fill_row *f)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s/%s/%s/%lld/%lld/%s;", f->exec_id, f->symbol, f->side,
             (long long)f->qty, (long long)f->t_ns, f->strategy);
}

TEST(the_dashboard_reads_fills_through_the_store)
{
    sqlite3 *db = tbt_db_open(":memory:");
    CHECK_INT(sqlite3_exec(db,
                           "INSERT INTO oms_orders (client_id, seq, symbol, strategy) VALUES"
                           " ('c1', 1, 'AAPL', 'orb');"
                           "INSERT INTO oms_fills (exec_id, client_id, symbol, side, qty, price,"
                           " commission, t_ns) VALUES ('x1', 'c1', 'AAPL', 'buy', 5, 1, 2, 10),"
                           " ('x2', 'c1', 'AAPL', 'buy', 6, 1, 3, 20),"
                           " ('y1', 'gone', 'MSFT', 'sell', 7, 1, NULL, 30),"
                           " ('x3', 'c1', 'AAPL', 'sell', 11, 1, 4, 40)",
                           NULL, NULL, NULL),
              SQLITE_OK);
    char out[512] = "";
    tb_err e = {0};
    /* The symbol page: that symbol only, from a time on, the newest max of them, oldest first. */
    CHECK_INT(oms_store_symbol_fills(db, "AAPL", 15, 5, collect, out, &e), 0);
    CHECK_STR(out, "x2/AAPL/buy/6/20/orb;x3/AAPL/sell/11/40/orb;");
    out[0] = 0;
    CHECK_INT(oms_store_symbol_fills(db, "AAPL", 0, 2, collect, out, &e), 0);
    CHECK_STR(out, "x2/AAPL/buy/6/20/orb;x3/AAPL/sell/11/40/orb;");
    /* The trade log: everything after a row, an order row missing gives no strategy. */
    out[0] = 0;
    CHECK_INT(oms_store_fills_after(db, 2, collect, out, &e), 0);
    CHECK_STR(out, "y1/MSFT/sell/7/30/;x3/AAPL/sell/11/40/orb;");
    int64_t n = 0;
    tb_money fees = 0;
    CHECK_INT(oms_store_fills_upto(db, 3, &n, &fees, &e), 0);
    CHECK_INT(n, 3);
    CHECK_INT(fees, 5); /* an unknown commission counts 0 */
    sqlite3_close(db);
    /* A database without the tables: an error naming the table, not a crash. */
    CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    CHECK_INT(oms_store_fills_after(db, 0, collect, out, &e), -1);
    CHECK_CONTAINS(e.msg, "oms_fills");
    sqlite3_close(db);
}
