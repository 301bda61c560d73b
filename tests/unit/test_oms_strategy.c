/* Positions per strategy (issue 17): fills belong to the strategy that sent the order, the
 * account is the sum of its strategies, both survive a restart, and the exposure a gate judges
 * counts working orders. */
#include "tbtest.h"
#include "oms/oms.h"
#include "store/db.h"
#include "oms/oms_store.h"
#include "oms_testutil.h"

#include <stdlib.h>
#include <unistd.h>

static char dbpath[256], dir[64];

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

static void fresh_path(void)
{
    snprintf(dir, sizeof dir, "/tmp/tb_oms_strategy_XXXXXX");
    if (!mkdtemp(dir)) TBT_FAIL("mkdtemp");
    snprintf(dbpath, sizeof dbpath, "%s/ml_data.db", dir);
    static int once;
    if (!once++) atexit(cleanup);
}

static oms *new_oms(oms_store *st)
{
    oms_config c = {256, 16, 1024, 20260105};
    oms *m = oms_new(&c, NULL);
    if (st) {
        oms_journal j = oms_store_journal(st);
        oms_set_journal(m, &j);
    }
    return m;
}

static const oms_order *send(oms *m, const char *strategy, oms_side side, tb_qty q)
{
    oms_intent in = {.strategy = strategy,
                     .symbol = "AAPL",
                     .side = side,
                     .type = OMS_MARKET,
                     .qty = q,
                     .reason = "test"};
    const oms_order *o = NULL;
    tb_err e = {{0}};
    if (oms_submit(m, &in, &o, &e) != 0) TBT_FAIL("submit: %s", e.msg);
    broker_update u = {.client_id = o->client_id, .status = OMS_ST_ACCEPTED, .t_ns = 1};
    oms_on_update(m, &u, &e);
    return o;
}

static void fill(oms *m, const oms_order *o, tb_qty q, tb_money px)
{
    static int seq;
    char x[32];
    snprintf(x, sizeof x, "x%d", ++seq);
    oms_test_fill(m, o->client_id, x, q, px);
}

TEST(fills_belong_to_the_strategy_that_sent_the_order)
{
    oms *m = new_oms(NULL);
    fill(m, send(m, "orb", OMS_BUY, 20), 20, TB_USD(100, 0));
    fill(m, send(m, "vwap", OMS_BUY, 30), 30, TB_USD(101, 0));
    fill(m, send(m, "orb", OMS_SELL, 20), 20, TB_USD(102, 0));
    CHECK_INT(oms_strategy_qty(m, "orb", "AAPL"), 0);
    CHECK_INT(oms_strategy_qty(m, "vwap", "AAPL"), 30);
    CHECK_INT(oms_strategy_qty(m, "nobody", "AAPL"), 0);
    CHECK(oms_strategy_position(m, "nobody", "AAPL") == NULL);
    const oms_position *orb = oms_strategy_position(m, "orb", "AAPL");
    CHECK(orb && orb->realized_pnl == TB_USD(40, 0));
    CHECK_INT(oms_position_get(m, "AAPL")->qty, 30);
    const char *names[8];
    const oms_position *ps[8];
    CHECK_INT(oms_strategy_positions(m, names, ps, 8), 2);
    CHECK_INT(oms_strategy_positions(m, NULL, NULL, 0), 2);
    CHECK_INT(oms_check_invariants(m), 0);
    CHECK_INT(oms_invariant_violations(m), 0);
    oms_free(m);
}

TEST(exposure_counts_working_orders_per_strategy_and_for_the_account)
{
    oms *m = new_oms(NULL);
    fill(m, send(m, "orb", OMS_BUY, 20), 20, TB_USD(100, 0));
    send(m, "orb", OMS_SELL, 15);
    send(m, "vwap", OMS_BUY, 7);
    oms_exposure x;
    oms_exposure_get(m, "orb", "AAPL", &x);
    CHECK_INT(x.filled, 20);
    CHECK_INT(x.working_sell, 15);
    CHECK_INT(x.working_buy, 0);
    oms_exposure_get(m, NULL, "AAPL", &x);
    CHECK_INT(x.working_buy, 7);
    oms_intent more = {.strategy = "orb", .symbol = "AAPL", .side = OMS_SELL, .qty = 6};
    CHECK_INT(oms_intent_reduces(m, "orb", &more), 0); /* 20 - 15 working = 5 left */
    more.qty = 5;
    CHECK_INT(oms_intent_reduces(m, "orb", &more), 1);
    CHECK_INT(oms_intent_reduces(m, "vwap", &more), 0); /* vwap owns nothing */
    oms_free(m);
}

TEST(strategy_positions_are_persisted_with_the_fill_and_restored)
{
    fresh_path();
    tb_err e = {{0}};
    tb_db *db = tb_db_open(dbpath, NULL, &e);
    CHECK(db != NULL);
    if (!db) return;
    oms_store *st = oms_store_open(db->h, &e);
    oms *m = new_oms(st);
    fill(m, send(m, "orb", OMS_BUY, 20), 20, TB_USD(100, 0));
    fill(m, send(m, "vwap", OMS_BUY, 30), 30, TB_USD(101, 0));
    fill(m, send(m, "vwap", OMS_SELL, 10), 10, TB_USD(103, 0));
    oms_free(m); /* a crash: nothing else is written */
    oms_store_close(st);
    tb_db_close(db);

    db = tb_db_open(dbpath, NULL, &e);
    st = oms_store_open(db->h, &e);
    m = new_oms(st);
    CHECK_INT(oms_store_load(st, m, 20260105, &e), 0);
    CHECK_INT(oms_strategy_qty(m, "orb", "AAPL"), 20);
    CHECK_INT(oms_strategy_qty(m, "vwap", "AAPL"), 20);
    const oms_position *v = oms_strategy_position(m, "vwap", "AAPL");
    CHECK(v && v->realized_pnl == TB_USD(20, 0) && v->avg_price == TB_USD(101, 0));
    CHECK_INT(oms_position_get(m, "AAPL")->qty, 40);
    CHECK_INT(oms_invariant_violations(m), 0);
    oms_free(m);
    oms_store_close(st);
    tb_db_close(db);
}

TEST(a_broken_invariant_is_counted_and_named_never_silent)
{
    oms *m = new_oms(NULL);
    oms_position p;
    oms_pos_init(&p, "AAPL");
    p.qty = 50; /* the account says 50, no strategy owns any */
    tb_err e;
    CHECK_INT(oms_restore_position(m, &p, &e), 0);
    CHECK_INT(oms_check_invariants(m), 1);
    CHECK_INT(oms_invariant_violations(m), 1);
    CHECK_CONTAINS(oms_last_invariant_violation(m), "AAPL account 50 != sum of strategies 0");
    oms_free(m);
}

TEST(migration_gives_an_older_database_s_positions_an_owner)
{
    fresh_path();
    sqlite3 *raw;
    CHECK_INT(sqlite3_open(dbpath, &raw), SQLITE_OK);
    /* A database from before positions per strategy: schema version 3, account rows only. */
    CHECK_INT(sqlite3_exec(raw,
                           "CREATE TABLE oms_positions (symbol TEXT PRIMARY KEY, qty INTEGER,"
                           " cost_basis INTEGER, avg_price INTEGER, realized_pnl INTEGER,"
                           " fees INTEGER, day INTEGER, opened_today INTEGER);"
                           "INSERT INTO oms_positions VALUES ('MSFT', 12, 1200000000, 100000000,"
                           " 0, 0, 20260102, 0);",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(raw);
    tb_err e = {{0}};
    tb_db_migration three[3];
    for (int i = 0; i < 3; i++) three[i] = tb_db_migrations[i];
    tb_db_opts o3 = {.migrations = three, .nmigrations = 3};
    tb_db *db = tb_db_open(dbpath, &o3, &e);
    CHECK(db != NULL);
    tb_db_close(db);
    db = tb_db_open(dbpath, NULL, &e); /* the current schema: the new step runs */
    CHECK(db != NULL);
    if (!db) return;
    oms_store *st = oms_store_open(db->h, &e);
    oms *m = new_oms(st);
    CHECK_INT(oms_store_load(st, m, 20260105, &e), 0);
    CHECK_INT(oms_strategy_qty(m, "unattributed", "MSFT"), 12);
    CHECK_INT(oms_check_invariants(m), 0);
    oms_free(m);
    oms_store_close(st);
    tb_db_close(db);
}
