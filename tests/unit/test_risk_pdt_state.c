/*
 * data/pdt_state.json: written when the count changes, operator edits picked up without a
 * restart, validated and kept as dated corrections across a restart (runbook 2.3).
 */
#include "tbtest.h"
#include "db_testutil.h"
#include "risk_fixture.h"

#include "log/log.h"
#include "store/kv.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/tb-pdt-XXXXXX", path[64];

static void use_files(fx *f)
{
    tb_risk_cfg c = fx_cfg();
    tb_risk_free(f->r);
    tb_err e;
    f->r = tb_risk_new(&c, dir, &e);
    tb_risk_attach(f->r, f->m);
    tb_macro m = {.vix = 18, .valid = 1, .time_ns = tb_clock_now_ns()};
    tb_risk_set_macro(f->r, &m);
}

static long long file_count(void)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    long long n = j ? json_integer_value(json_object_get(j, "day_trade_count")) : -1;
    json_decref(j);
    return n;
}

static void edit(const char *count)
{
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%s.edit", path);
    FILE *fp = fopen(tmp, "w");
    fprintf(fp, "{\"day_trade_count\": %s, \"window\": {\"last\": \"2026-01-07\"}}\n", count);
    fclose(fp);
    rename(tmp, path);
}

static int count_now(fx *f)
{
    tb_risk_dt_state st;
    tb_risk_dt_get(f->r, &f->cx, &st);
    return st.count;
}

TEST(pdt_state_file_follows_the_ledger_and_takes_operator_edits)
{
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/pdt_state.json", dir);
    fx f;
    tb_risk_cfg c = fx_cfg();
    fx_init(&f, &c);
    use_files(&f);
    fx_account(&f, 100000, 1e6);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "AAA", OMS_SELL, 10), 0);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(file_count(), 1);
    edit("3"); /* the broker says 3: the operator corrects us */
    usleep(1100000);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 3);
    CHECK_INT(file_count(), 3);
    edit("\"three\""); /* invalid: ignored, logged */
    usleep(1100000);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 3);
    CHECK_INT(file_count(), 3); /* rewritten with what is in force */
    use_files(&f);              /* a restart keeps the correction */
    CHECK_INT(count_now(&f), 3);
    edit("0"); /* lower: our own entry is waived */
    usleep(1100000);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 0);
    fx_free(&f);
    unlink(path);
    rmdir(dir);
}

/* ---- written with the fill and at shutdown; a start tells our file from an operator's ---- */

static sqlite3 *db;
static tb_kv *kv;
static char logpath[96];

/* The engine's journal hook: a day trade committed with its fill is in the file at once. */
static int jr_orders(void *ud, const oms_order *const *os, int n, tb_err *e)
{
    return 0;
}
static int jr_fill(void *ud, const oms_order *o, const oms_exec *x, const oms_position *p,
                   const oms_position *sp, const oms_daytrade *dt, tb_err *e)
{
    if (dt) tb_risk_dt_recorded(((fx *)ud)->r, dt);
    return 0;
}

/* A (re)start: new gates on the same files and database, the ledger as restored. */
static void start(fx *f)
{
    use_files(f);
    tb_risk_set_kv(f->r, kv);
    oms_journal j = {.ud = f, .save_orders = jr_orders, .save_fill = jr_fill};
    oms_set_journal(f->m, &j);
}

static void setup_db(fx *f)
{
    CHECK(mkdtemp(strcpy(dir, "/tmp/tb-pdt-XXXXXX")) != NULL);
    snprintf(path, sizeof path, "%s/pdt_state.json", dir);
    snprintf(logpath, sizeof logpath, "%s/engine.log", dir);
    tb_log_opts lo = {.level = TB_LOG_INFO};
    tb_err e;
    tb_log_open(logpath, &lo, &e);
    db = tbt_db_open(":memory:");
    kv = tb_kv_open(db, &e);
    CHECK(kv != NULL);
    tb_risk_cfg c = fx_cfg();
    fx_init(f, &c);
    fx_account(f, 100000, 1e6);
    start(f);
}

static void teardown_db(fx *f)
{
    tb_risk_free(f->r);
    f->r = NULL;
    oms_free(f->m);
    tb_kv_close(kv);
    sqlite3_close(db);
    tb_log_close();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
}

static int log_has(const char *s)
{
    FILE *fp = fopen(logpath, "r");
    char line[512];
    int found = 0;
    while (fp && !found && fgets(line, sizeof line, fp)) found = strstr(line, s) != NULL;
    if (fp) fclose(fp);
    return found;
}

/* Running since the session's first bar, one same-day round trip made. */
static void setup_with_a_day_trade(fx *f)
{
    setup_db(f);
    tb_risk_tick(f->r, &f->cx);
    CHECK_INT(fx_trade(f, "AAA", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(f, "AAA", OMS_SELL, 10), 0);
}

TEST(a_day_trade_is_in_the_file_as_soon_as_its_fill_is_committed)
{
    fx f;
    setup_with_a_day_trade(&f);
    CHECK_INT(file_count(), 1); /* no bar, no poll since the first */
    usleep(1100000);            /* not a burst */
    CHECK_INT(fx_trade(&f, "BBB", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "BBB", OMS_SELL, 10), 0);
    CHECK_INT(file_count(), 2);
    teardown_db(&f);
}

/* The session-end flatten closes many positions in one minute: the file (an fsync on the loop
 * each time) is written once for the burst's first day trade, then by the 1 s poll with all of
 * them; the gates count every one at once from the ledger. */
TEST(a_burst_of_day_trades_writes_the_file_once_a_second_and_loses_none)
{
    fx f;
    setup_with_a_day_trade(&f);
    CHECK_INT(file_count(), 1);
    char sym[8];
    for (int i = 0; i < 20; i++) {
        snprintf(sym, sizeof sym, "B%02d", i);
        fx_set_price(&f, sym, 10);
        CHECK_INT(fx_trade(&f, sym, OMS_BUY, 10), 0);
        CHECK_INT(fx_trade(&f, sym, OMS_SELL, 10), 0);
    }
    CHECK_INT(count_now(&f), 21);
    CHECK(file_count() < 21); /* a loaded machine may have let a second pass: not every one */
    usleep(1100000);
    tb_risk_poll(f.r, 0); /* the engine's 1 s timer */
    CHECK_INT(file_count(), 21);
    CHECK(!log_has("(operator)"));
    CHECK_INT(fx_trade(&f, "CCC", OMS_BUY, 10), 0); /* after a quiet second: at once again */
    CHECK_INT(fx_trade(&f, "CCC", OMS_SELL, 10), 0);
    CHECK_INT(file_count(), 22);
    teardown_db(&f);
}

/* A write the database could not record (locked by another process) is not one to wait behind:
 * a crash in the wait would leave a file the start takes for an operator's lower count. */
TEST(a_day_trade_after_an_unrecorded_write_is_written_at_once)
{
    fx f;
    setup_with_a_day_trade(&f);
    usleep(1100000);
    CHECK_INT(sqlite3_exec(db, "PRAGMA query_only=1", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(fx_trade(&f, "BBB", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "BBB", OMS_SELL, 10), 0);
    CHECK_INT(file_count(), 2);
    CHECK(log_has("pdt_state.json written but not recorded in the database"));
    CHECK_INT(fx_trade(&f, "CCC", OMS_BUY, 10), 0); /* within the second */
    CHECK_INT(fx_trade(&f, "CCC", OMS_SELL, 10), 0);
    CHECK_INT(file_count(), 3);
    CHECK_INT(sqlite3_exec(db, "PRAGMA query_only=0", NULL, NULL, NULL), SQLITE_OK);
    teardown_db(&f);
}

/* kill -9 inside a burst's wait: the file holds the first day trade only, the database both.
 * The start takes the database's count and rewrites the file, without an operator edit. */
TEST(a_crash_inside_a_bursts_wait_loses_no_day_trade_and_reads_no_edit)
{
    fx f;
    setup_with_a_day_trade(&f);
    CHECK_INT(fx_trade(&f, "BBB", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "BBB", OMS_SELL, 10), 0);
    CHECK_INT(file_count(), 1); /* waiting for the poll */
    start(&f);                  /* no stop: the process died */
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 2);
    CHECK_INT(file_count(), 2);
    CHECK(!log_has("(operator)"));
    teardown_db(&f);
}

TEST(a_stop_in_a_burst_writes_every_day_trade)
{
    fx f;
    setup_with_a_day_trade(&f);
    CHECK_INT(fx_trade(&f, "BBB", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "BBB", OMS_SELL, 10), 0);
    tb_risk_pdt_flush(f.r); /* shutdown */
    CHECK_INT(file_count(), 2);
    start(&f);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 2);
    CHECK(!log_has("(operator)"));
    teardown_db(&f);
}

TEST(a_crash_leaves_the_file_behind_and_the_start_takes_the_database_without_an_operator_edit)
{
    fx f;
    setup_with_a_day_trade(&f);
    CHECK_INT(file_count(), 1);
    /* The next day trade is committed, and the engine dies before the file is written. */
    oms_journal none = {.ud = NULL};
    oms_set_journal(f.m, &none);
    CHECK_INT(fx_trade(&f, "BBB", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "BBB", OMS_SELL, 10), 0);
    CHECK_INT(file_count(), 1);
    start(&f); /* kill -9, then a start: the ledger is the database's */
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 2); /* the file's 1 was not taken as an edit (it waived one) */
    CHECK_INT(file_count(), 2);
    CHECK(!log_has("(operator)"));
    teardown_db(&f);
}

TEST(a_clean_stop_writes_the_file_and_the_next_start_logs_no_edit)
{
    fx f;
    setup_with_a_day_trade(&f);
    tb_risk_pdt_flush(f.r); /* shutdown */
    CHECK_INT(file_count(), 1);
    start(&f);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 1);
    CHECK(!log_has("(operator)"));
    teardown_db(&f);
}

TEST(a_hand_edit_while_stopped_is_an_operator_edit)
{
    fx f;
    setup_with_a_day_trade(&f);
    tb_risk_pdt_flush(f.r);
    edit("3"); /* `tradebot pdt --set 3` with the engine stopped */
    start(&f);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 3);
    CHECK(log_has("pdt_state.json edited: day_trade_count 1 -> 3 (operator)"));
    teardown_db(&f);
}

TEST(the_file_rewritten_with_the_same_bytes_while_running_is_not_an_edit)
{
    fx f;
    setup_with_a_day_trade(&f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp -p %s %s.x && mv %s.x %s && touch %s", path, path, path, path,
             path);
    CHECK_INT(system(cmd), 0); /* a backup restored: same bytes, new mtime */
    usleep(1100000);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 1);
    CHECK(!log_has("(operator)"));
    edit("2"); /* a real edit while running */
    usleep(1100000);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(count_now(&f), 2);
    CHECK(log_has("day_trade_count 1 -> 2 (operator)"));
    teardown_db(&f);
}
