/* Writes while another connection holds the write lock on the engine's database: the money path
 * refuses or holds (never skips, never reorders), deferred rows wait and land later. */
#include "tbtest.h"
#include "broker/alpaca_priv.h"
#include "ml/ml_store.h"
#include "oms/held.h"
#include "oms/oms.h"
#include "db_testutil.h"
#include "fake_broker.h"
#include "oms_testutil.h"
#include "risk_fixture.h"
#include "store/db.h"
#include "store/kv.h"
#include "oms/oms_store.h"
#include "util/clock.h"

#include <event2/event.h>
#include <math.h>
#include <unistd.h>

static char dbpath[256], dir[64];

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

/* The engine's connection (short lock wait) and a second one that can hold the lock. */
static tb_db *open_pair(sqlite3 **other)
{
    if (!dir[0]) {
        strcpy(dir, "/tmp/tb_db_locked_XXXXXX");
        if (!mkdtemp(dir)) TBT_FAIL("mkdtemp");
        atexit(remove_dir);
    }
    static int n;
    snprintf(dbpath, sizeof dbpath, "%s/ml_data_%d.db", dir, n++);
    tb_err e;
    tb_db *db = tb_db_open(dbpath, NULL, &e);
    if (!db) TBT_FAIL("open: %s", e.msg);
    tb_db_set_busy(db, TB_DB_LOOP_BUSY_MS);
    if (sqlite3_open(dbpath, other) != SQLITE_OK) TBT_FAIL("open %s", dbpath);
    return db;
}

static void lock(sqlite3 *other)
{
    if (sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        TBT_FAIL("cannot take the lock: %s", sqlite3_errmsg(other));
}

static void unlock(sqlite3 *other)
{
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
}

static int n_fill_events;
/* A strategy that places a protective stop from on_fill (when set): what its submits returned. */
static int stop_on_fill, stop_rc[8], n_stop_rc;
static char stop_err[8][256];
static void on_event(void *ud, const oms_event *ev)
{
    n_fill_events += ev->kind == OMS_EV_FILL;
    if (ev->kind != OMS_EV_FILL || !stop_on_fill || n_stop_rc >= 8) return;
    oms_intent in = {.strategy = "rsi",
                     .symbol = ev->order->symbol,
                     .side = OMS_SELL,
                     .type = OMS_STOP,
                     .tif = OMS_TIF_DAY,
                     .qty = ev->exec->qty,
                     .stop_price = 90000000};
    tb_err e = {0};
    stop_rc[n_stop_rc] = oms_submit(ud, &in, NULL, &e);
    snprintf(stop_err[n_stop_rc++], sizeof stop_err[0], "%s", e.msg);
}

static oms *new_oms(oms_store *st)
{
    oms_config c = {256, 16, 1024, 20260105};
    oms *m = oms_new(&c, NULL);
    oms_set_broker(m, fake_broker());
    oms_journal j = oms_store_journal(st);
    oms_set_journal(m, &j);
    oms_set_listener(m, on_event, m);
    n_fill_events = stop_on_fill = n_stop_rc = 0;
    return m;
}

static oms_intent buy(const char *sym, tb_qty q)
{
    return oms_test_intent(sym, OMS_BUY, q);
}

static void broker_fill(const char *id, const char *exec, tb_qty q, tb_qty cum, tb_money px)
{
    broker_update u = oms_test_exec(id, exec, q, px);
    u.cum_qty = cum;
    u.t_ns = 2;
    fake_broker_deliver(&u);
}

static void broker_status(const char *id, oms_status st)
{
    broker_update u = {.client_id = id, .status = st, .t_ns = 1};
    fake_broker_deliver(&u);
}

/* The engine's database and a second connection that can hold its lock, and what a test writes
 * with: an OMS journaling to it (rig_open_empty, rig_open) or an ML store (rig_open_ml). */
typedef struct rig {
    sqlite3 *other;
    tb_db *db;
    oms_store *st;
    oms *m;
    tb_ml_store *s;
    char id[OMS_CLIENT_ID_MAX + 1]; /* rig_open's order */
} rig;

static void rig_open_empty(rig *r)
{
    tb_err e;
    memset(r, 0, sizeof *r);
    r->db = open_pair(&r->other);
    r->st = oms_store_open(r->db->h, &e);
    r->m = new_oms(r->st);
}

static void rig_open_ml(rig *r)
{
    tb_err e;
    memset(r, 0, sizeof *r);
    r->db = open_pair(&r->other);
    r->s = tb_ml_store_open(r->db->h, 0, &e);
    if (!r->s) TBT_FAIL("ml store: %s", e.msg);
}

/* The rig with one accepted buy of qty AAPL at limit (0: at the market); id gets its client id. */
static void rig_open(rig *r, tb_qty qty, tb_money limit)
{
    tb_err e;
    rig_open_empty(r);
    oms_intent in = buy("AAPL", qty);
    if (limit) in.type = OMS_LIMIT, in.limit_price = limit;
    const oms_order *o;
    if (oms_submit(r->m, &in, &o, &e) != 0) TBT_FAIL("submit: %s", e.msg);
    strcpy(r->id, o->client_id);
    broker_status(r->id, OMS_ST_ACCEPTED);
}

static void rig_close(rig *r)
{
    if (r->m) oms_free(r->m);
    if (r->st) oms_store_close(r->st);
    if (r->s) tb_ml_store_close(r->s);
    sqlite3_close(r->other);
    tb_db_close(r->db);
}

TEST(an_intent_whose_journal_meets_the_lock_is_refused_quickly_and_never_sent)
{
    rig r;
    rig_open_empty(&r);
    tb_err e;
    lock(r.other);
    oms_intent in = buy("AAPL", 10);
    const oms_order *o;
    int64_t t0 = tb_clock_mono_ns();
    CHECK_INT(oms_submit(r.m, &in, &o, &e), -1);
    int64_t ms = (tb_clock_mono_ns() - t0) / 1000000;
    CHECK(ms < 200);
    CHECK_CONTAINS(e.msg, "database locked: intent not journaled, not sent");
    CHECK_INT(fake_broker_st.submits, 0);
    CHECK_INT((int)oms_busy_refusals(r.m), 1);
    CHECK_INT(oms_open_orders(r.m, "AAPL", NULL, 0), 0);
    unlock(r.other);
    CHECK_INT(oms_submit(r.m, &in, &o, &e), 0); /* the next bar tries again */
    CHECK_INT(fake_broker_st.submits, 1);
    CHECK_INT((int)tbt_db_scalar(r.other, "select count(*) from oms_orders"), 1);
    rig_close(&r);
}

TEST(fills_that_meet_the_lock_are_held_in_order_not_applied_then_committed_once)
{
    rig r;
    rig_open(&r, 30, 0);
    tb_err e;
    lock(r.other);
    broker_fill(r.id, "x1", 10, 10, 100000000);
    broker_fill(r.id, "x2", 20, 30, 101000000);
    broker_status(r.id, OMS_ST_FILLED); /* waits behind the fills */
    CHECK_INT((int)oms_held_count(r.m), 3);
    CHECK(oms_position_get(r.m, "AAPL") == NULL); /* not applied: strategies see the committed */
    CHECK_INT(n_fill_events, 0);
    CHECK_INT((int)oms_find(r.m, r.id)->filled_qty, 0);
    oms_intent in = buy("MSFT", 5);
    const oms_order *o;
    CHECK_INT(oms_submit(r.m, &in, &o, &e), -1);
    CHECK_CONTAINS(e.msg, "database locked");
    CHECK_INT(oms_retry_held(r.m), 3); /* still locked: everything kept */
    unlock(r.other);
    CHECK_INT(oms_retry_held(r.m), 0);
    CHECK_INT(n_fill_events, 2);
    CHECK_INT((int)oms_position_get(r.m, "AAPL")->qty, 30);
    CHECK_INT((int)oms_find(r.m, r.id)->filled_qty, 30);
    CHECK_STR(oms_status_name(oms_find(r.m, r.id)->status), "filled");
    CHECK_INT((int)tbt_db_scalar(r.other, "select count(*) from oms_fills"), 2);
    CHECK_INT((int)tbt_db_scalar(r.other, "select qty from oms_positions where symbol='AAPL'"), 30);
    CHECK_INT((int)tbt_db_scalar(r.other, "select rowid from oms_fills where exec_id='x2'") >
                  tbt_db_scalar(r.other, "select rowid from oms_fills where exec_id='x1'"),
              1);
    broker_fill(r.id, "x2", 20, 30, 101000000); /* the broker reports it again: no effect */
    CHECK_INT(n_fill_events, 2);
    CHECK_INT((int)oms_position_get(r.m, "AAPL")->qty, 30);
    CHECK_INT((int)oms_update_errors(r.m), 0);
    rig_close(&r);
}

TEST(a_cancel_reaches_the_broker_while_locked_and_its_answer_is_journaled_after)
{
    rig r;
    rig_open(&r, 10, 0);
    tb_err e;
    fake_broker_st.cancels = 0;
    lock(r.other);
    CHECK_INT(oms_cancel(r.m, r.id, &e), 0); /* the kill switch must be able to empty the book */
    CHECK_INT(fake_broker_st.cancels, 1);
    CHECK_STR(oms_status_name(oms_find(r.m, r.id)->status), "pending_cancel");
    CHECK_INT((int)oms_unjournaled_cancels(r.m), 1);
    broker_status(r.id, OMS_ST_CANCELED); /* the broker's answer waits for the database */
    CHECK_INT((int)oms_held_count(r.m), 1);
    unlock(r.other);
    CHECK_INT(oms_retry_held(r.m), 0);
    CHECK_STR(oms_status_name(oms_find(r.m, r.id)->status), "canceled");
    CHECK_INT(
        (int)tbt_db_scalar(r.other, "select count(*) from oms_orders where status='canceled'"), 1);
    rig_close(&r);
}

TEST(a_full_held_queue_refuses_the_newest_update_and_keeps_the_older_ones)
{
    oms_held h;
    CHECK_INT(oms_held_init(&h, 2), 0);
    broker_update a = {.client_id = "a", .exec_id = "1"}, b = {.client_id = "b"},
                  c = {.client_id = "c"};
    CHECK_INT(oms_held_push(&h, &a), 0);
    CHECK_INT(oms_held_push(&h, &b), 0);
    CHECK_INT(oms_held_push(&h, &c), -1);
    CHECK_STR(oms_held_front(&h)->client_id, "a");
    CHECK_STR(oms_held_front(&h)->exec_id, "1");
    oms_held_pop(&h);
    CHECK_STR(oms_held_front(&h)->client_id, "b");
    CHECK(oms_held_front(&h)->exec_id == NULL);
    oms_held_pop(&h);
    CHECK(oms_held_front(&h) == NULL);
    oms_held_free(&h);
}

TEST(strategy_state_waits_in_memory_while_locked_and_is_written_after)
{
    sqlite3 *other;
    tb_db *db = open_pair(&other);
    tb_err e;
    tb_kv *kv = tb_kv_open(db->h, &e);
    lock(other);
    CHECK_INT(tb_kv_set_later(kv, "strategy_state:rsi", "{\"n\":1}", &e), 0);
    CHECK_INT(tb_kv_set_later(kv, "strategy_state:rsi", "{\"n\":2}", &e), 0); /* latest wins */
    int busy;
    CHECK_INT(tb_kv_flush(kv, &busy, &e), -1);
    CHECK_INT(busy, 1);
    CHECK_CONTAINS(e.msg, "engine_kv");
    CHECK_INT(tb_kv_pending(kv), 1);
    unlock(other);
    CHECK_INT(tb_kv_flush(kv, &busy, &e), 0);
    CHECK_INT(tb_kv_pending(kv), 0);
    char *v = tb_kv_get(kv, "strategy_state:rsi", &e);
    CHECK_STR(v, "{\"n\":2}");
    free(v);
    tb_kv_close(kv);
    sqlite3_close(other);
    tb_db_close(db);
}

TEST(ml_rows_wait_in_order_while_locked_and_a_label_finds_its_deferred_sample)
{
    rig r;
    rig_open_ml(&r);
    tb_err e;
    float f[TB_FEATURES_N];
    for (int i = 0; i < TB_FEATURES_N; i++) f[i] = (float)i;
    int64_t first = tb_ml_store_sample(r.s, 1, "AAPL", f, 10.0, NAN, NULL, 30, &e);
    CHECK(first > 0);
    lock(r.other);
    int64_t t0 = tb_clock_mono_ns();
    int64_t ticket = tb_ml_store_sample(r.s, 2, "AAPL", f, 11.0, 0.7, "m1", 30, &e);
    CHECK((tb_clock_mono_ns() - t0) / 1000000 < 200);
    CHECK(ticket > first);
    CHECK_INT(tb_ml_store_label(r.s, first, 0.01, &e), 0);
    CHECK_INT(tb_ml_store_decision(r.s, 3, "AAPL", "rsi", "buy", 10, 0.7, "m1", "passed", f, &e),
              0);
    tb_ml_store_stats st;
    tb_ml_store_stats_get(r.s, &st);
    CHECK_INT((int)st.pending, 3);
    CHECK_INT((int)st.tables, 3);
    int busy;
    CHECK_INT(tb_ml_store_flush(r.s, &busy, &e), -1);
    CHECK_INT(busy, 1);
    unlock(r.other);
    CHECK_INT(tb_ml_store_flush(r.s, &busy, &e), 0);
    CHECK_INT(tb_ml_store_label(r.s, ticket, -0.02, &e), 0); /* the sample was written late */
    CHECK_INT((int)tbt_db_scalar(r.other, "select count(*) from ml_samples"), 2);
    CHECK_INT((int)tbt_db_scalar(r.other, "select label from ml_samples where t_ns = 1"), 1);
    CHECK_INT((int)tbt_db_scalar(r.other, "select label from ml_samples where t_ns = 2"), 0);
    CHECK_INT(
        (int)tbt_db_scalar(r.other, "select count(*) from ml_samples where label is not null"), 2);
    CHECK_INT((int)tbt_db_scalar(r.other, "select count(*) from ml_decisions"), 1);
    tb_ml_store_stats_get(r.s, &st);
    CHECK_INT((int)st.pending, 0);
    CHECK_INT((int)st.written_later, 3);
    CHECK_INT((int)st.dropped, 0);
    rig_close(&r);
}

TEST(ml_rows_beyond_the_buffer_are_dropped_and_counted_with_their_table)
{
    rig r;
    rig_open_ml(&r);
    tb_err e;
    lock(r.other);
    for (int i = 0; i < TB_ML_STORE_DEFER_MAX; i++)
        CHECK_INT(tb_ml_store_outcome(r.s, "AAPL", "rsi", 1.0, i, &e), 0);
    CHECK_INT(tb_ml_store_decision(r.s, 3, "AAPL", "rsi", "buy", 1, 0.5, NULL, "passed", NULL, &e),
              -1);
    CHECK_CONTAINS(e.msg, "ml_decisions");
    tb_ml_store_stats st;
    tb_ml_store_stats_get(r.s, &st);
    CHECK_INT((int)st.dropped, 1);
    CHECK_STR(st.dropped_table, "ml_decisions");
    unlock(r.other);
    int busy;
    CHECK_INT(tb_ml_store_flush(r.s, &busy, &e), 0);
    rig_close(&r);
}

/* The rig with a buy of 30 AAPL at $100 accepted, then its database locked by another writer. */
static void rig_open_locked(rig *r)
{
    rig_open(r, 30, 100000000);
    lock(r->other);
}

TEST(an_order_placed_in_on_fill_of_the_last_held_update_is_sent)
{
    rig r;
    rig_open_locked(&r);
    broker_fill(r.id, "x1", 10, 10, 100000000);
    broker_fill(r.id, "x2", 20, 30, 100000000);
    CHECK_INT((int)oms_held_count(r.m), 2);
    unlock(r.other);
    stop_on_fill = 1;
    CHECK_INT(oms_retry_held(r.m), 0);
    CHECK_INT(n_stop_rc, 2);
    /* x1's callback: x2 still waits, the position it sees is not the broker's yet. */
    CHECK_INT(stop_rc[0], -1);
    CHECK_CONTAINS(stop_err[0], "database locked: 1 broker updates wait");
    CHECK_INT(stop_rc[1], 0);             /* x2 was the last: memory is the broker's now */
    CHECK_INT(fake_broker_st.submits, 2); /* the entry and the stop */
    CHECK_INT(oms_open_orders(r.m, "AAPL", NULL, 0), 1);
    rig_close(&r);
}

TEST(a_replace_is_refused_while_updates_are_held)
{
    rig r;
    rig_open_locked(&r);
    broker_fill(r.id, "x1", 10, 10, 100000000); /* held: filled_qty in memory is still 0 */
    unlock(r.other);                            /* released, but the retry timer has not run yet */
    oms_changes c = {.limit_price = 99000000};
    const oms_order *n = NULL;
    tb_err e;
    int64_t seq = oms_next_seq(r.m);
    CHECK_INT(oms_replace(r.m, r.id, &c, &n, &e), -1);
    CHECK_CONTAINS(e.msg, "database locked");
    CHECK(n == NULL);
    CHECK_STR(oms_status_name(oms_find(r.m, r.id)->status), "accepted");
    CHECK_INT((int)(oms_next_seq(r.m) - seq), 0);
    CHECK_INT((int)oms_busy_refusals(r.m), 1);
    CHECK_INT(oms_retry_held(r.m), 0);
    CHECK_INT(oms_replace(r.m, r.id, &c, &n, &e), 0);
    CHECK_INT((int)n->qty, 20); /* the unfilled remainder, from the committed fill */
    rig_close(&r);
}

/* Alpaca's order object as the stream, a poll or a reconcile list reports it. */
static void alp_report(alpaca *a, const char *cid, tb_qty cum, tb_money avg, const char *exec,
                       tb_qty q, tb_money px)
{
    alp_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.id, sizeof o.id, "b-1");
    snprintf(o.client_order_id, sizeof o.client_order_id, "%s", cid);
    snprintf(o.symbol, sizeof o.symbol, "AAPL");
    o.status = cum ? OMS_ST_PARTIALLY_FILLED : OMS_ST_ACCEPTED;
    o.qty = 200;
    o.filled_qty = cum;
    o.filled_avg_price = avg;
    alp_apply(a, &o, exec, q, px, NULL);
}

TEST(alpaca_fills_held_behind_the_lock_are_counted_once_against_the_brokers_cumulative)
{
    rig r;
    rig_open_empty(&r);
    tb_err e;
    oms_intent in = buy("AAPL", 200);
    const oms_order *o = NULL;
    oms_submit(r.m, &in, &o, &e); /* no broker yet: journaled, kept `new`, not sent */
    CHECK(o != NULL);
    struct event_base *base = event_base_new();
    alpaca_opts ao = {.base = base,
                      .trading_url = "http://127.0.0.1:9",
                      .key_id = "PKTEST",
                      .secret_key = "test-secret",
                      .oms = r.m};
    alpaca *a = alpaca_new(&ao, &e); /* never connected: nothing is sent anywhere */
    CHECK(a != NULL);
    char id[OMS_CLIENT_ID_MAX + 1];
    strcpy(id, o->client_id);
    alp_report(a, id, 0, 0, NULL, 0, 0);
    lock(r.other);
    alp_report(a, id, 40, 100000000, "X1", 40, 100000000); /* partial_fill: qty 40, cum 40 */
    alp_report(a, id, 70, 100430000, "X2", 30, 101000000); /* partial_fill: qty 30, cum 70 */
    alp_report(a, id, 70, 100430000, NULL, 0, 0);          /* a watchdog poll: cum 70 */
    alp_report(a, id, 100, 100620000, NULL, 0, 0); /* a reconcile list: a fill the stream lost */
    alp_report(a, id, 70, 100430000, "X2", 30, 101000000); /* the stream replays X2 */
    CHECK((int)oms_held_count(r.m) >= 3);
    CHECK(oms_position_get(r.m, "AAPL") == NULL);
    unlock(r.other);
    CHECK_INT(oms_retry_held(r.m), 0);
    CHECK_INT((int)oms_update_errors(r.m), 0);
    CHECK_INT((int)oms_position_get(r.m, "AAPL")->qty, 100); /* what the broker holds */
    CHECK_INT((int)oms_find(r.m, id)->filled_qty, 100);
    CHECK_INT(n_fill_events, 3);
    CHECK_INT((int)tbt_db_scalar(r.other, "select count(*) from oms_fills"), 3);
    CHECK_INT((int)tbt_db_scalar(r.other, "select qty from oms_fills where exec_id='X1'"), 40);
    CHECK_INT((int)tbt_db_scalar(r.other, "select qty from oms_fills where exec_id='X2'"), 30);
    CHECK_INT((int)tbt_db_scalar(r.other, "select qty from oms_fills where exec_id='alp-b-1-100'"),
              30);
    CHECK_INT((int)tbt_db_scalar(r.other, "select sum(qty) from oms_fills"), 100);
    alpaca_free(a);
    event_base_free(base);
    rig_close(&r);
}

TEST(after_the_broker_is_detached_on_fill_orders_and_cancels_send_nothing)
{
    rig r;
    rig_open_locked(&r);
    broker_fill(r.id, "x1", 30, 30, 100000000);
    unlock(r.other);
    oms_detach_broker(r.m); /* shutdown: the adapter is freed next */
    CHECK(fake_broker_st.fn == NULL);
    stop_on_fill = 1;
    fake_broker_st.cancels = 0;
    CHECK_INT(oms_retry_held(r.m), 0); /* the final retry still commits the fill */
    CHECK_INT((int)oms_position_get(r.m, "AAPL")->qty, 30);
    CHECK_INT(n_stop_rc, 1);
    CHECK_INT(stop_rc[0], -1);
    CHECK_CONTAINS(stop_err[0], "broker closed");
    CHECK_INT(fake_broker_st.submits, 1); /* only the entry */
    oms_intent in = buy("MSFT", 5);
    in.type = OMS_LIMIT;
    in.limit_price = 100000000;
    tb_err e;
    CHECK_INT(oms_submit(r.m, &in, NULL, &e), -1);
    CHECK_INT((int)tbt_db_scalar(r.other, "select count(*) from oms_orders where symbol='MSFT'"),
              0);
    rig_close(&r);
}

static int closing_orders(oms *m, const char *sym)
{
    const oms_order *open[16];
    int n = oms_open_orders(m, sym, open, 16), k = 0;
    for (int i = 0; i < n && i < 16; i++)
        k += open[i]->side == OMS_SELL && strcmp(open[i]->reason, "daily loss limit: close") == 0;
    return k;
}

TEST(a_daily_loss_close_out_refused_by_the_lock_is_sent_on_a_later_risk_tick_once)
{
    sqlite3 *other;
    tb_db *db = open_pair(&other);
    tb_err e;
    oms_store *st = oms_store_open(db->h, &e);
    fx f;
    tb_risk_cfg c = fx_cfg();
    fx_init(&f, &c);
    oms_journal j = oms_store_journal(st);
    oms_set_journal(f.m, &j);
    tb_risk_tick(f.r, &f.cx); /* the session's starting equity: 100,000 */
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    CHECK_INT(fx_trade(&f, "BBB", OMS_BUY, 20), 0);
    lock(other);
    fx_account(&f, 95000, 190000); /* the limit: close everything */
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(closing_orders(f.m, "AAA") + closing_orders(f.m, "BBB"), 0); /* refused */
    tb_risk_tick(f.r, &f.cx); /* still locked: still refused, retried */
    CHECK_INT(closing_orders(f.m, "AAA") + closing_orders(f.m, "BBB"), 0);
    unlock(other);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(closing_orders(f.m, "AAA"), 1);
    CHECK_INT(closing_orders(f.m, "BBB"), 1);
    tb_risk_tick(f.r, &f.cx); /* done: nothing sent twice */
    CHECK_INT(closing_orders(f.m, "AAA"), 1);
    CHECK_INT(closing_orders(f.m, "BBB"), 1);
    CHECK_INT((int)tbt_db_scalar(other, "select count(*) from oms_orders where side='sell'"), 2);
    fx_free(&f);
    oms_store_close(st);
    sqlite3_close(other);
    tb_db_close(db);
}

/* Group mode (the engine's): a burst of samples and labels (hundreds of symbols' bars of one
 * minute) is one commit, one fsync on the loop instead of one per row; nothing counts as a lock
 * episode unless the lock stopped a flush; labels still find their samples. */
static int commits;

static int on_commit(void *ud)
{
    commits++;
    return 0;
}

TEST(a_burst_of_samples_and_labels_is_one_commit_and_labels_find_their_samples)
{
    rig r;
    rig_open_ml(&r);
    tb_err e;
    tb_ml_store_group(r.s, 1);
    float f[TB_FEATURES_N];
    for (int i = 0; i < TB_FEATURES_N; i++) f[i] = (float)i;
    sqlite3_commit_hook(r.db->h, on_commit, NULL);
    commits = 0;
    int64_t ids[500];
    char sym[16];
    for (int i = 0; i < 500; i++) { /* one minute'r.s bars of 500 symbols */
        snprintf(sym, sizeof sym, "S%03d", i);
        ids[i] = tb_ml_store_sample(r.s, 1000 + i, sym, f, 10.0 + i, NAN, NULL, 30, &e);
        CHECK(ids[i] > 0);
    }
    CHECK_INT(commits, 0);
    CHECK_INT((int)tbt_db_scalar(r.db->h, "select count(*) from ml_samples"), 0); /* not yet */
    tb_ml_store_stats st;
    tb_ml_store_stats_get(r.s, &st);
    CHECK_INT((int)st.queued, 500);
    CHECK_INT((int)st.pending, 0);  /* waiting for the group, not for a lock: */
    CHECK_INT((int)st.deferred, 0); /* no lock episode to report */
    CHECK_INT((int)st.tables, 0);
    int busy = -1;
    CHECK_INT(tb_ml_store_flush(r.s, &busy, &e), 0);
    CHECK_INT(busy, 0);
    CHECK_INT(commits, 1);
    CHECK_INT((int)tbt_db_scalar(r.db->h, "select count(*) from ml_samples"), 500);
    /* 30 minutes later: every label goes to its own sample, again in one commit */
    for (int i = 0; i < 500; i++)
        CHECK_INT(tb_ml_store_label(r.s, ids[i], i % 2 ? 0.01 : -0.01, &e), 0);
    CHECK_INT(tb_ml_store_flush(r.s, &busy, &e), 0);
    CHECK_INT(commits, 2);
    CHECK_INT((int)tbt_db_scalar(r.db->h, "select count(*) from ml_samples where label = 1"), 250);
    CHECK_INT((int)tbt_db_scalar(r.db->h, "select count(*) from ml_samples where label = 1 and "
                                          "(t_ns - 1000) % 2 = 1"),
              250);
    tb_ml_store_stats_get(r.s, &st);
    CHECK_INT((int)st.written_later, 0);
    CHECK_INT((int)st.dropped, 0);
    rig_close(&r);
}

TEST(a_group_left_at_close_is_written_and_a_locked_flush_counts_as_deferred)
{
    sqlite3 *other;
    tb_db *db = open_pair(&other);
    tb_err e;
    tb_ml_store *s = tb_ml_store_open(db->h, 0, &e);
    tb_ml_store_group(s, 1);
    float f[TB_FEATURES_N] = {0};
    int64_t id = tb_ml_store_sample(s, 1, "AAPL", f, 10.0, NAN, NULL, 30, &e);
    lock(other);
    int busy = 0;
    CHECK_INT(tb_ml_store_flush(s, &busy, &e), -1);
    CHECK_INT(busy, 1);
    tb_ml_store_stats st;
    tb_ml_store_stats_get(s, &st);
    CHECK_INT((int)st.deferred, 1); /* now it met the lock: a lock episode's row */
    CHECK_INT((int)st.pending, 1);
    CHECK_INT((int)st.tables, 1);
    CHECK_INT(tb_ml_store_label(s, id, 0.02, &e), 0); /* behind a late row: late too */
    tb_ml_store_stats_get(s, &st);
    CHECK_INT((int)st.deferred, 2);
    unlock(other);
    CHECK_INT(tb_ml_store_decision(s, 3, "AAPL", "rsi", "buy", 1, 0.6, NULL, "passed", f, &e), 0);
    tb_ml_store_close(s); /* what waits is written */
    CHECK_INT((int)tbt_db_scalar(other, "select label from ml_samples where t_ns = 1"), 1);
    CHECK_INT((int)tbt_db_scalar(other, "select count(*) from ml_decisions"), 1);
    sqlite3_close(other);
    tb_db_close(db);
}
