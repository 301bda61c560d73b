/*
 * test_ibkr: the IB Gateway adapter against tests/emu/ibgw_emu.js through the order manager:
 * market, limit, stop and bracket orders, fills, a partial fill, cancel, 201 rejects, 103
 * duplicate ids, the Gateway's daily restart and an engine restart with orders in flight, the
 * 1100/1101/1102 pause and resume, and the restart window. Nothing may be lost or sent twice.
 */
#include "tbtest.h"
#include "tws_testutil.h"
#include "emu_loop.h"
#include "oms_testutil.h"

#include "broker/ibkr.h"
#include "broker/ibkr_msg.h"
#include "data/calendar.h"
#include "util/clock.h"

#include <time.h>

static int64_t saved_id;      /* what save_order_id persisted */
static long rig_reconcile_ms; /* periodic quiet re-sync of the next rig (0: off) */

typedef struct rig {
    oms *m;
    ibkr *a;
    int fills;
} rig;

static void on_event(void *ud, const oms_event *ev)
{
    if (ev->kind == OMS_EV_FILL) ((rig *)ud)->fills++;
}

static int save_id(void *ud, int64_t id, tb_err *e)
{
    saved_id = id;
    return 0;
}

static void start_emu(void)
{
    emu_loop_open("test_ibkr");
    const char *args[] = {"--tick-ms", "20", "--next-id", "1000", NULL};
    emu_restart("ibgw_emu.js", args);
}

static int ready(rig *r)
{
    ibkr_stats st;
    ibkr_stats_get(r->a, &st);
    return broker_get_state(ibkr_broker(r->a)) == BROKER_READY && st.reconciles > 0;
}

static void rig_open_with(rig *r, oms *m, int client_id, int alt, int64_t last_id, int window_min,
                          const char *restart_time)
{
    memset(r, 0, sizeof *r);
    tb_err e;
    if (!m) {
        oms_config oc = {.max_orders = 1024, .max_symbols = 64, .max_execs = 4096};
        m = oms_new(&oc, &e);
        oms_set_session_day(m, 20261127);
    }
    r->m = m;
    oms_set_listener(r->m, on_event, r);
    ibkr_opts o = {.base = base,
                   .host = "127.0.0.1",
                   .port = E.port,
                   .client_id = client_id,
                   .alt_client_id = alt,
                   .account = "DU1234567",
                   .restart_time = restart_time ? restart_time : "23:45",
                   .restart_zone = restart_time ? "UTC" : "America/New_York",
                   .restart_window_minutes = window_min,
                   .reconnect_min_ms = 50,
                   .reconnect_max_ms = 200,
                   .reconcile_interval_ms = rig_reconcile_ms,
                   .last_order_id = last_id,
                   .save_order_id = save_id,
                   .oms = r->m};
    r->a = ibkr_new(&o, &e);
    CHECK(r->a != NULL);
    broker_connect(ibkr_broker(r->a), &e);
    WAIT_FOR(ready(r), 3000);
}

static void rig_ready(rig *r)
{
    rig_open_with(r, NULL, 7, -1, 0, 0, NULL);
    CHECK(ready(r));
}

/* A fresh Gateway emulator and a rig ready on it. */
static void rig_start(rig *r)
{
    start_emu();
    rig_ready(r);
}

/* As rig_start, with a periodic quiet re-sync every ms (the other rigs have none). */
static void rig_start_reconciling(rig *r, long ms)
{
    rig_reconcile_ms = ms;
    rig_start(r);
    rig_reconcile_ms = 0;
}

/* The adapter's counters now. */
static ibkr_stats stats_of(rig *r)
{
    ibkr_stats st;
    ibkr_stats_get(r->a, &st);
    return st;
}

static void rig_close(rig *r)
{
    ibkr_free(r->a);
    oms_free(r->m);
}

static const oms_order *order(rig *r, const char *id, oms_side side, oms_type type, tb_qty qty,
                              tb_money limit, tb_money stop)
{
    oms_intent in = oms_test_order("t", "AAPL", side, qty);
    in.client_id = id, in.type = type, in.limit_price = limit, in.stop_price = stop;
    return oms_test_submit(r->m, &in);
}

static oms_status status_of(rig *r, const char *cid)
{
    const oms_order *o = oms_find(r->m, cid);
    return o ? o->status : OMS_ST_COUNT;
}

#define CHECK_STATUS(r, cid, name) CHECK_STR(oms_status_name(status_of(r, cid)), name)

/* How many placeOrder messages the Gateway got for an orderRef. */
static int places(const char *ref)
{
    return emu_stat(ref, 0);
}

/* One of the Gateway's counters, -1 when it has none of that name. */
static int stat_of(const char *name)
{
    return emu_stat(name, -1);
}

TEST(place_order_has_the_110_fields_of_server_version_151_with_order_ref_and_transmit)
{
    ibkr_order w = {.order_id = 1001,
                    .parent_id = 1000,
                    .symbol = "AAPL",
                    .account = "DU1",
                    .order_ref = "tb-x-1",
                    .side = OMS_SELL,
                    .type = OMS_LIMIT,
                    .tif = OMS_TIF_DAY,
                    .qty = 10,
                    .limit_price = TB_USD(101, 250000),
                    .transmit = 0};
    tb_sbuf b = {0};
    tb_err e;
    CHECK_INT(ibkr_enc_place(&b, &w, &e), 0);
    tws_frame f;
    size_t used;
    CHECK_INT(tws_frame_next((const uint8_t *)b.s, b.len, &used, &f, &e), 1);
    CHECK_INT(f.n, IBKR_PLACE_ORDER_FIELDS);
    CHECK_FIELDS(f, {0, "3"}, {3, "AAPL"}, {4, "STK"}, {9, "SMART"}, {16, "SELL"}, {18, "LMT"},
                 {19, "101.25"}, {20, ""}, {23, "DU1"}, {26, "tb-x-1"}, {27, "0"}, {28, "1000"});
    tws_frame_free(&f);
    tb_sbuf_free(&b);
}

TEST(decoders_refuse_short_or_garbled_messages)
{
    const char raw[] = "\0\0\0\x08"
                       "3\0"
                       "12\0"
                       "x\0"
                       "\0";
    tws_frame f;
    size_t used;
    tb_err e;
    CHECK_INT(tws_frame_next((const uint8_t *)raw, sizeof raw - 1, &used, &f, &e), 1);
    ibkr_status s;
    CHECK_INT(ibkr_dec_status(&f, &s, &e), -1);
    CHECK_CONTAINS(e.msg, "fields");
    ibkr_exec x;
    CHECK_INT(ibkr_dec_exec(&f, &x, &e), -1);
    tws_frame_free(&f);
}

TEST(market_order_fills_once_with_the_ib_execution_id)
{
    rig r;
    rig_start(&r);
    order(&r, "tb-t-AAPL-1", OMS_BUY, OMS_MARKET, 10, 0, 0);
    EXPECT_STATUS(&r, "tb-t-AAPL-1", OMS_ST_FILLED, 3000);
    const oms_order *o = oms_find(r.m, "tb-t-AAPL-1");
    CHECK_STR(o->broker_id, "1000");
    CHECK_INT(o->filled_avg_price, TB_USD(100, 0));
    CHECK_INT(r.fills, 1);
    CHECK_INT(oms_position_get(r.m, "AAPL")->qty, 10);
    CHECK_INT(saved_id, 1000);
    CHECK_INT(places("tb-t-AAPL-1"), 1);
    ibkr_stats st;
    WAIT_FOR(0, 100);
    st = stats_of(&r);
    CHECK(st.commission > 0);
    broker_position pos[4];
    int n = 0;
    tb_err e;
    /* positions come with the next sync; the account summary at once */
    broker_account acct;
    CHECK_INT(broker_account_get(ibkr_broker(r.a), &acct, &e), 0);
    CHECK(acct.has & BROKER_HAS_EQUITY);
    CHECK(acct.has & BROKER_HAS_BUYING_POWER);
    CHECK_INT(acct.cash, TB_USD(1000000, 0));
    CHECK_INT(broker_positions(ibkr_broker(r.a), pos, 4, &n, &e), 0);
    rig_close(&r);
}

TEST(limit_rests_until_touched_and_stop_triggers_through_its_price)
{
    rig r;
    rig_start(&r);
    order(&r, "tb-t-AAPL-2", OMS_BUY, OMS_LIMIT, 5, TB_USD(98, 0), 0);
    order(&r, "tb-t-AAPL-3", OMS_SELL, OMS_STOP, 5, 0, TB_USD(97, 0));
    WAIT_FOR(status_of(&r, "tb-t-AAPL-3") == OMS_ST_ACCEPTED, 2000);
    WAIT_FOR(0, 200);
    CHECK_STATUS(&r, "tb-t-AAPL-2", "accepted");
    CHECK_STATUS(&r, "tb-t-AAPL-3", "accepted");
    emu_ctl(&E, "price?symbol=AAPL&price=98", NULL);
    EXPECT_STATUS(&r, "tb-t-AAPL-2", OMS_ST_FILLED, 2000);
    CHECK_INT(oms_find(r.m, "tb-t-AAPL-2")->filled_avg_price, TB_USD(98, 0));
    CHECK_STATUS(&r, "tb-t-AAPL-3", "accepted");
    emu_ctl(&E, "price?symbol=AAPL&price=96.5", NULL);
    EXPECT_STATUS(&r, "tb-t-AAPL-3", OMS_ST_FILLED, 2000);
    CHECK_INT(oms_find(r.m, "tb-t-AAPL-3")->filled_avg_price, TB_USD(96, 500000));
    CHECK_INT(oms_position_get(r.m, "AAPL")->qty, 0);
    rig_close(&r);
}

TEST(bracket_transmits_with_its_last_leg_and_the_legs_cancel_each_other)
{
    rig r;
    rig_start(&r);
    oms_intent in = oms_test_bracket("tb-t-AAPL-10", "AAPL", 10, 0, TB_USD(105, 0), TB_USD(95, 0));
    CHECK(oms_test_submit(r.m, &in) != NULL);
    WAIT_FOR(status_of(&r, "tb-t-AAPL-10-tp") == OMS_ST_ACCEPTED, 3000);
    CHECK_STATUS(&r, "tb-t-AAPL-10", "filled");
    CHECK_STATUS(&r, "tb-t-AAPL-10-tp", "accepted");
    CHECK_STATUS(&r, "tb-t-AAPL-10-sl", "accepted");
    CHECK_INT(stat_of("transmit_violations"), 0);
    CHECK_STR(oms_find(r.m, "tb-t-AAPL-10-tp")->broker_id, "1001");
    CHECK_STR(oms_find(r.m, "tb-t-AAPL-10-sl")->broker_id, "1002");
    CHECK_INT(saved_id, 1002);
    emu_ctl(&E, "price?symbol=AAPL&price=106", NULL);
    WAIT_FOR(status_of(&r, "tb-t-AAPL-10-sl") == OMS_ST_CANCELED, 3000);
    CHECK_STATUS(&r, "tb-t-AAPL-10-tp", "filled");
    CHECK_STATUS(&r, "tb-t-AAPL-10-sl", "canceled");
    CHECK_INT(oms_position_get(r.m, "AAPL")->qty, 0);
    rig_close(&r);
}

TEST(bracket_legs_stay_held_until_the_parent_fills_and_go_with_its_cancel)
{
    rig r;
    rig_start(&r);
    oms_intent in =
        oms_test_bracket("tb-t-AAPL-11", "AAPL", 10, TB_USD(90, 0), TB_USD(95, 0), TB_USD(85, 0));
    CHECK(oms_test_submit(r.m, &in) != NULL);
    WAIT_FOR(status_of(&r, "tb-t-AAPL-11") == OMS_ST_ACCEPTED, 2000);
    WAIT_FOR(0, 200);
    CHECK_STATUS(&r, "tb-t-AAPL-11", "accepted");
    CHECK_STATUS(&r, "tb-t-AAPL-11-tp", "held");
    CHECK_STATUS(&r, "tb-t-AAPL-11-sl", "held");
    CHECK_INT(oms_cancel(r.m, "tb-t-AAPL-11", NULL), 0);
    WAIT_FOR(status_of(&r, "tb-t-AAPL-11-sl") == OMS_ST_CANCELED, 2000);
    CHECK_STATUS(&r, "tb-t-AAPL-11", "canceled");
    CHECK_STATUS(&r, "tb-t-AAPL-11-tp", "canceled");
    CHECK_STATUS(&r, "tb-t-AAPL-11-sl", "canceled");
    CHECK_INT(stat_of("cancel_order"), 1); /* IB cancels the legs with their parent */
    rig_close(&r);
}

/* A ready rig with a limit buy of 10 AAPL at $100 as cid, of which IB filled 4. */
static void rig_with_partial_fill(rig *r, const char *cid)
{
    rig_start(r);
    emu_ctl(&E, "partial?qty=4", NULL);
    order(r, cid, OMS_BUY, OMS_LIMIT, 10, TB_USD(100, 0), 0);
    EXPECT_STATUS(r, cid, OMS_ST_PARTIALLY_FILLED, 2000);
}

TEST(partial_fill_accumulates_and_cancel_ends_the_rest)
{
    rig r;
    rig_with_partial_fill(&r, "tb-t-AAPL-4");
    CHECK_INT(oms_find(r.m, "tb-t-AAPL-4")->filled_qty, 4);
    tb_err e;
    CHECK_INT(oms_cancel(r.m, "tb-t-AAPL-4", &e), 0);
    EXPECT_STATUS(&r, "tb-t-AAPL-4", OMS_ST_CANCELED, 2000);
    CHECK_INT(oms_find(r.m, "tb-t-AAPL-4")->filled_qty, 4);
    CHECK_INT(oms_position_get(r.m, "AAPL")->qty, 4);
    ibkr_stats st = stats_of(&r);
    CHECK_INT(st.code_202, 1);
    rig_close(&r);
}

TEST(replace_moves_a_resting_limit_under_the_same_ib_id_and_it_fills_at_the_new_price)
{
    rig r;
    rig_start(&r);
    const oms_order *o = order(&r, "tb-t-AAPL-20", OMS_BUY, OMS_LIMIT, 5, TB_USD(98, 0), 0);
    WAIT_FOR(status_of(&r, "tb-t-AAPL-20") == OMS_ST_ACCEPTED, 2000);
    char ib_id[32];
    snprintf(ib_id, sizeof ib_id, "%s", o->broker_id);
    CHECK(ib_id[0] != 0);
    char ncid[OMS_CLIENT_ID_MAX + 1];
    oms_test_replace_limit(r.m, "tb-t-AAPL-20", TB_USD(99, 0), ncid);
    WAIT_FOR(status_of(&r, ncid) == OMS_ST_ACCEPTED, 2000);
    CHECK_STATUS(&r, "tb-t-AAPL-20", "replaced");
    CHECK_STATUS(&r, ncid, "accepted");
    emu_ctl(&E, "price?symbol=AAPL&price=99", NULL); /* touches 99, not the old 98 */
    EXPECT_STATUS(&r, ncid, OMS_ST_FILLED, 2000);
    CHECK_INT(oms_find(r.m, ncid)->filled_avg_price, TB_USD(99, 0));
    CHECK_STR(oms_find(r.m, ncid)->broker_id, ib_id);
    CHECK_INT(oms_find(r.m, "tb-t-AAPL-20")->filled_qty, 0);
    CHECK_INT(oms_position_get(r.m, "AAPL")->qty, 5);
    CHECK_INT(stat_of("modify"), 1);
    CHECK_INT(stat_of("orders"), 1); /* one IB order: no second id */
    CHECK_INT(stat_of("dup_103"), 0);
    CHECK_INT(places(ncid), 1);
    CHECK_INT(r.fills, 1);
    rig_close(&r);
}

TEST(replace_after_a_partial_fill_keeps_the_filled_shares_on_the_old_order_once)
{
    rig r;
    rig_with_partial_fill(&r, "tb-t-AAPL-21");
    emu_ctl(&E, "price?symbol=AAPL&price=101", NULL);
    char ncid[OMS_CLIENT_ID_MAX + 1];
    const oms_order *n = oms_test_replace_limit(r.m, "tb-t-AAPL-21", TB_USD(100, 500000), ncid);
    CHECK_INT(n ? n->qty : -1, 6);
    WAIT_FOR(status_of(&r, ncid) == OMS_ST_ACCEPTED, 2000);
    CHECK_STATUS(&r, "tb-t-AAPL-21", "replaced");
    emu_ctl(&E, "price?symbol=AAPL&price=100.5", NULL);
    EXPECT_STATUS(&r, ncid, OMS_ST_FILLED, 2000);
    CHECK_INT(oms_find(r.m, ncid)->filled_qty, 6);
    CHECK_INT(oms_find(r.m, ncid)->broker_cum_qty, 6); /* IB counts 10 for the whole IB order */
    CHECK_INT(oms_find(r.m, ncid)->filled_avg_price, TB_USD(100, 500000));
    CHECK_INT(oms_find(r.m, "tb-t-AAPL-21")->filled_qty, 4);
    CHECK_INT(oms_position_get(r.m, "AAPL")->qty, 10);
    /* A resync replays both executions: nothing is applied twice. */
    emu_ctl(&E, "restored_lost", NULL);
    WAIT_FOR(0, 300);
    WAIT_FOR(ready(&r), 2000);
    CHECK_INT(oms_position_get(r.m, "AAPL")->qty, 10);
    CHECK_INT(r.fills, 2);
    CHECK_INT(oms_update_errors(r.m), 0);
    rig_close(&r);
}

static int all_in(rig *r, const char *fmt, int n, oms_status st)
{
    char id[64];
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, fmt, i);
        if (status_of(r, id) != st) return 0;
    }
    return 1;
}

TEST(a_burst_of_200_places_and_cancels_reaches_the_gateway_paced_under_45_a_second_all_of_it)
{
    rig r;
    rig_start(&r);
    char id[64];
    tb_err e;
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "tb-t-AAPL-p%d", i);
        order(&r, id, OMS_BUY, OMS_LIMIT, 1, TB_USD(90, 0), 0);
    }
    WAIT_FOR(all_in(&r, "tb-t-AAPL-p%d", 100, OMS_ST_ACCEPTED), 8000);
    CHECK(all_in(&r, "tb-t-AAPL-p%d", 100, OMS_ST_ACCEPTED));
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "tb-t-AAPL-p%d", i);
        CHECK_INT(oms_cancel(r.m, id, &e), 0);
    }
    WAIT_FOR(all_in(&r, "tb-t-AAPL-p%d", 100, OMS_ST_CANCELED), 8000);
    /* every cancel arrived after its place (else IB answers 10148 and nothing is canceled) */
    CHECK(all_in(&r, "tb-t-AAPL-p%d", 100, OMS_ST_CANCELED));
    CHECK_INT(stat_of("place_order"), 100);
    CHECK_INT(stat_of("cancel_order"), 100);
    int peak = stat_of("max_per_sec");
    CHECK(peak > 0 && peak <= 45);
    CHECK_INT(stat_of("pacing_100"), 0);
    ibkr_conn_stats cs;
    ibkr_get_conn_stats(r.a, &cs);
    CHECK(cs.msgs_delayed >= 100); /* the burst went through the queue */
    CHECK_INT(cs.msgs_discarded, 0);
    CHECK(cs.max_queue >= 50);
    rig_close(&r);
}

/* The issue-19 case on IB: the Gateway acknowledges an order seconds late, and a reconciliation
 * in between does not list it. It is unknown (not "never reached IB"), blocks its strategy's next
 * order on the symbol, and is adopted with its fill when IB shows it; nothing is placed twice. */
TEST(order_acknowledged_late_is_unknown_then_adopted_with_its_fill_not_rejected)
{
    rig r;
    rig_start_reconciling(&r, 300);
    emu_ctl(&E, "ack_delay?ms=2500&n=1", NULL);
    order(&r, "tb-t-AAPL-60", OMS_BUY, OMS_MARKET, 5, 0, 0);
    EXPECT_UNKNOWN_THEN_ADOPTED(&r, "tb-t-AAPL-60", 5, 3000, 8000);
    CHECK_INT(places("tb-t-AAPL-60"), 1);
    CHECK_CONTAINS(read_log(), "order tb-t-AAPL-60 found at IB after an unknown outcome");
    CHECK_INT(oms_update_errors(r.m), 0);
    rig_close(&r);
}

/* 100 market orders at once: 40 go now, the rest wait for the pacer. (Market: they fill, so
 * the emulator's stats answer stays small.) */
static void burst(rig *r, const char *fmt)
{
    char id[64];
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, fmt, i);
        order(r, id, OMS_BUY, OMS_MARKET, 1, 0, 0);
    }
}

TEST(order_sent_is_counted_and_logged_when_written_not_when_queued)
{
    rig r;
    rig_start(&r);
    burst(&r, "tb-t-AAPL-w%d");
    ibkr_stats st = stats_of(&r);
    CHECK(st.orders_sent <= 45); /* the pacer's first second, not the whole burst */
    ibkr_conn_stats cs;
    ibkr_get_conn_stats(r.a, &cs);
    CHECK(cs.queue_depth >= 50);
    CHECK_CONTAINS(read_log(), "order queued: tb-t-AAPL-w99");
    CHECK(strstr(read_log(), "order sent: tb-t-AAPL-w99 ") == NULL);
    WAIT_FOR((st = stats_of(&r), st.orders_sent == 100), 8000);
    CHECK_INT(st.orders_sent, 100);
    CHECK_CONTAINS(read_log(), "order sent: tb-t-AAPL-w99 id=");
    ibkr_get_conn_stats(r.a, &cs);
    CHECK_INT(cs.queue_depth, 0);
    rig_close(&r);
}

/* SIGTERM right after a burst: the queue is written out, paced, for IBKR_DRAIN_MS (about 80
 * of the 100 orders), and every order still left is named in the log; none vanishes silently. */
TEST(shutdown_writes_the_queue_out_and_names_every_order_it_drops)
{
    rig r;
    rig_start(&r);
    burst(&r, "tb-t-AAPL-s%d");
    rig_close(&r); /* synchronous: what is logged now is all there will be */
    const char *log = read_log();
    char line[96];
    int named = 0;
    for (int i = 0; i < 100; i++) {
        snprintf(line, sizeof line, "not sent (shutdown): placeOrder id=%d ref=tb-t-AAPL-s%d\n",
                 1000 + i, i);
        named += strstr(log, line) != NULL;
    }
    int got = 0; /* what was written has reached the Gateway, or is on its way */
    /* Up to 30 s: on a loaded machine the emulator counts late; the loop ends when it has all. */
    for (int i = 0; i < 3000 && (got = stat_of("place_order")) < 100 - named; i++) {
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    CHECK(got >= 60); /* 40 at once, then 40 a second: more than the first second's worth */
    /* A Gateway that did not read our end in time may lose the last orders written (named). */
    CHECK(strstr(log, "did not close the connection") == NULL);
    CHECK_INT(got + named, 100);
    if (named) CHECK_CONTAINS(log, "queued messages dropped unsent after 2000 ms");
}

TEST(periodic_reconcile_picks_up_a_missed_execution_once_without_leaving_ready)
{
    rig r;
    rig_start_reconciling(&r, 800);
    ibkr_stats st;
    emu_ctl(&E, "drop_exec", NULL);
    order(&r, "tb-t-AAPL-30", OMS_BUY, OMS_MARKET, 3, 0, 0);
    WAIT_FOR(stat_of("dropped_execs") == 1, 2000);
    CHECK_INT(stat_of("dropped_execs"), 1);
    st = stats_of(&r);
    uint64_t q0 = st.quiet_reconciles;
    WAIT_FOR(0, 100);
    st = stats_of(&r);
    if (st.quiet_reconciles == q0) CHECK_INT(oms_find(r.m, "tb-t-AAPL-30")->filled_qty, 0);
    /* A resting order sent meanwhile must survive the periodic syncs. */
    order(&r, "tb-t-AAPL-31", OMS_BUY, OMS_LIMIT, 2, TB_USD(90, 0), 0);
    int not_ready = 0;
    for (int i = 0; i < 300 && status_of(&r, "tb-t-AAPL-30") != OMS_ST_FILLED; i++) {
        spin(10);
        not_ready += broker_get_state(ibkr_broker(r.a)) != BROKER_READY;
    }
    CHECK_STATUS(&r, "tb-t-AAPL-30", "filled");
    for (int i = 0; i < 200; i++) { /* two more periodic syncs replay the execution */
        spin(10);
        not_ready += broker_get_state(ibkr_broker(r.a)) != BROKER_READY;
    }
    CHECK_INT(not_ready, 0);
    st = stats_of(&r);
    CHECK(st.quiet_reconciles >= q0 + 2);
    CHECK(st.replayed_execs >= 1);
    CHECK_INT(r.fills, 1);
    CHECK_INT(oms_find(r.m, "tb-t-AAPL-30")->filled_qty, 3);
    CHECK_INT(oms_position_get(r.m, "AAPL")->qty, 3);
    CHECK_STATUS(&r, "tb-t-AAPL-31", "accepted");
    CHECK_INT(oms_update_errors(r.m), 0);
    CHECK_CONTAINS(read_log(), "periodic reconcile:");
    rig_close(&r);
}

TEST(reject_201_is_final_and_shows_the_brokers_text)
{
    rig r;
    rig_start(&r);
    emu_ctl(&E, "reject_next?text=INSUFFICIENT%20MARGIN", NULL);
    order(&r, "tb-t-AAPL-5", OMS_BUY, OMS_MARKET, 10, 0, 0);
    EXPECT_STATUS(&r, "tb-t-AAPL-5", OMS_ST_REJECTED, 2000);
    CHECK_CONTAINS(oms_find(r.m, "tb-t-AAPL-5")->note, "201 Order rejected - reason:INSUFFICIENT");
    WAIT_FOR(0, 300);
    CHECK_INT(places("tb-t-AAPL-5"), 1); /* never retried */
    /* Too big for the account's buying power: IB's margin text. */
    order(&r, "tb-t-AAPL-6", OMS_BUY, OMS_MARKET, 1000000, 0, 0);
    WAIT_FOR(status_of(&r, "tb-t-AAPL-6") == OMS_ST_REJECTED, 2000);
    CHECK_CONTAINS(oms_find(r.m, "tb-t-AAPL-6")->note, "YOUR ORDER IS NOT ACCEPTED");
    CHECK_CONTAINS(read_log(), "order rejected: tb-t-AAPL-5: 201");
    rig_close(&r);
}

TEST(duplicate_id_103_asks_for_ids_resyncs_and_never_resends)
{
    start_emu();
    emu_ctl(&E, "use_id?id=1000", NULL); /* another client took it: the Gateway said 1000 */
    rig r;
    rig_ready(&r);
    order(&r, "tb-t-AAPL-7", OMS_BUY, OMS_MARKET, 1, 0, 0);
    EXPECT_STATUS(&r, "tb-t-AAPL-7", OMS_ST_REJECTED, 2000);
    CHECK_CONTAINS(oms_find(r.m, "tb-t-AAPL-7")->note, "103");
    WAIT_FOR(ready(&r) && stat_of("req_ids") >= 1, 2000);
    CHECK(stat_of("req_ids") >= 1);
    CHECK(stat_of("req_open") >= 2);
    order(&r, "tb-t-AAPL-8", OMS_BUY, OMS_MARKET, 1, 0, 0);
    EXPECT_STATUS(&r, "tb-t-AAPL-8", OMS_ST_FILLED, 2000);
    CHECK(strtoll(oms_find(r.m, "tb-t-AAPL-8")->broker_id, NULL, 10) > 1000);
    CHECK_INT(places("tb-t-AAPL-7"), 1);
    rig_close(&r);
}

/* The daily restart with a resting order: it fills while every socket is down, and the fill
 * arrives once, through reqExecutions after the reconnect. */
TEST(gateway_restart_with_an_order_in_flight_loses_and_duplicates_nothing)
{
    rig r;
    rig_start(&r);
    order(&r, "tb-t-AAPL-20", OMS_BUY, OMS_LIMIT, 10, TB_USD(99, 0), 0);
    emu_ctl(&E, "partial?qty=3", NULL);
    emu_ctl(&E, "price?symbol=AAPL&price=99", NULL);
    WAIT_FOR(oms_find(r.m, "tb-t-AAPL-20")->filled_qty == 3, 2000);
    emu_ctl(&E, "restart?ms=400", NULL);
    WAIT_FOR(broker_get_state(ibkr_broker(r.a)) != BROKER_READY, 2000);
    CHECK(broker_get_state(ibkr_broker(r.a)) != BROKER_READY);
    tb_err e;
    CHECK_INT(broker_submit(ibkr_broker(r.a),
                            &(broker_submit_req){.order = oms_find(r.m, "tb-t-AAPL-20")}, &e),
              -1);                                     /* no orders while the Gateway is away */
    emu_ctl(&E, "price?symbol=AAPL&price=98.5", NULL); /* the rest fills while down */
    WAIT_FOR(0, 200);
    WAIT_FOR(ready(&r) && oms_find(r.m, "tb-t-AAPL-20")->filled_qty == 10, 5000);
    CHECK_STATUS(&r, "tb-t-AAPL-20", "filled");
    CHECK_INT(oms_find(r.m, "tb-t-AAPL-20")->filled_qty, 10);
    CHECK_INT(r.fills, 2);
    CHECK_INT(oms_position_get(r.m, "AAPL")->qty, 10);
    ibkr_stats st = stats_of(&r);
    CHECK(st.replayed_execs >= 1); /* the first execution came again and changed nothing */
    CHECK(st.reconciles >= 2);
    CHECK_INT(st.differences, 0);
    CHECK_INT(places("tb-t-AAPL-20"), 1);
    order(&r, "tb-t-AAPL-21", OMS_SELL, OMS_MARKET, 10, 0, 0);
    WAIT_FOR(status_of(&r, "tb-t-AAPL-21") == OMS_ST_FILLED, 2000);
    CHECK(strtoll(oms_find(r.m, "tb-t-AAPL-21")->broker_id, NULL, 10) > 1000);
    rig_close(&r);
}

/* The engine dies with one order at IB and one journaled but never sent; it comes back under
 * its alternate client id (326: the old id is still held), finds the first by orderRef, never
 * sends either again, and holds the second as unknown (IB may still show it: it is looked up by
 * orderRef until its deadline, never taken for "never placed" on one reconciliation). */
TEST(engine_restart_with_an_order_in_flight_finds_it_by_order_ref_and_resends_nothing)
{
    rig r;
    rig_start(&r);
    order(&r, "tb-t-AAPL-30", OMS_BUY, OMS_LIMIT, 6, TB_USD(97, 0), 0);
    WAIT_FOR(status_of(&r, "tb-t-AAPL-30") == OMS_ST_ACCEPTED, 2000);
    oms_order sent = *oms_find(r.m, "tb-t-AAPL-30");
    int64_t persisted = saved_id;
    rig_close(&r); /* "crash" */
    emu_ctl(&E, "hold_id?id=7", NULL);

    oms_config oc = {.max_orders = 1024, .max_symbols = 64, .max_execs = 4096};
    tb_err e;
    oms *m2 = oms_new(&oc, &e);
    sent.status = OMS_ST_NEW; /* journaled before the send; the ack was never persisted */
    sent.broker_id[0] = '\0';
    CHECK_INT(oms_restore_order(m2, &sent, &e), 0);
    oms_order never = sent;
    snprintf(never.client_id, sizeof never.client_id, "tb-t-AAPL-31");
    snprintf(never.symbol, sizeof never.symbol, "MSFT"); /* it holds MSFT orders of "t" back */
    never.seq++;
    CHECK_INT(oms_restore_order(m2, &never, &e), 0);
    rig r2;
    rig_open_with(&r2, m2, 7, 17, persisted, 0, NULL);
    WAIT_FOR(ready(&r2), 5000);
    CHECK(ready(&r2));
    ibkr_conn_stats cs;
    ibkr_get_conn_stats(r2.a, &cs);
    CHECK_INT(cs.client_id, 17);
    CHECK_STATUS(&r2, "tb-t-AAPL-30", "accepted");
    CHECK_STR(oms_find(m2, "tb-t-AAPL-30")->broker_id, "1000");
    CHECK_STATUS(&r2, "tb-t-AAPL-31", "unknown");
    CHECK_CONTAINS(read_log(), "order tb-t-AAPL-31: submit outcome unknown");
    emu_ctl(&E, "price?symbol=AAPL&price=96", NULL);
    /* The fill goes to the client that owns the order; the next sync brings it here. */
    WAIT_FOR(0, 200);
    emu_ctl(&E, "restored_lost", NULL);
    WAIT_FOR(oms_find(m2, "tb-t-AAPL-30")->filled_qty == 6, 3000);
    CHECK_STATUS(&r2, "tb-t-AAPL-30", "filled");
    CHECK_INT(places("tb-t-AAPL-30"), 1);
    CHECK_INT(places("tb-t-AAPL-31"), 0);
    /* New ids continue after the persisted one. */
    order(&r2, "tb-t-AAPL-32", OMS_SELL, OMS_MARKET, 6, 0, 0);
    WAIT_FOR(status_of(&r2, "tb-t-AAPL-32") == OMS_ST_FILLED, 2000);
    CHECK(strtoll(oms_find(m2, "tb-t-AAPL-32")->broker_id, NULL, 10) > persisted);
    /* A same-day round trip: its day trade is dated by IB's execution time, although the
     * restarted order manager has no session day yet (it was day 0, never counted). */
    int y, mo, d;
    tb_date_to_ymd(tb_cal_session_day(tb_clock_now_ns()), &y, &mo, &d);
    const oms_daytrade *dt = oms_daytrades_get(oms_get_daytrades(m2), 0);
    CHECK(dt != NULL);
    if (dt) CHECK_INT(dt->day, y * 10000 + mo * 100 + d);
    rig_close(&r2);
}

TEST(execution_times_in_ibs_formats_give_the_instant)
{
    int64_t t, ny = tb_cal_local_to_ns(tb_date_from_ymd(2026, 11, 27), 10 * 3600);
    CHECK_INT(ibkr_parse_time("20261127 10:00:00 America/New_York", &t), 0);
    CHECK_INT(t, ny);
    CHECK_INT(ibkr_parse_time("20261127 10:00:00 US/Eastern", &t), 0);
    CHECK_INT(t, ny);
    CHECK_INT(ibkr_parse_time("20261127  10:00:00", &t), 0); /* no zone: New York */
    CHECK_INT(t, ny);
    CHECK_INT(ibkr_parse_time("20261127-15:00:00", &t), 0); /* UTC */
    CHECK_INT(t, ny);
    CHECK_INT(ibkr_parse_time("20261127 15:00:00 UTC", &t), 0);
    CHECK_INT(t, ny);
    CHECK_INT(ibkr_parse_time("20260707 10:00:00 EDT", &t), 0); /* summer: UTC-4 */
    CHECK_INT(t, tb_cal_local_to_ns(tb_date_from_ymd(2026, 7, 7), 10 * 3600));
    CHECK_INT(ibkr_parse_time("20261127 10:00:00 Europe/Zurich", &t), -1); /* no tzdata */
    CHECK_INT(ibkr_parse_time("", &t), -1);
    CHECK_INT(ibkr_parse_time("2026-11-27 10:00", &t), -1);
    /* Years and fields no broker sends: refused, not overflowed (UBSan in fuzz/vendor_json). */
    CHECK_INT(ibkr_parse_time("99991231 10:00:00 America/New_York", &t), -1);
    CHECK_INT(ibkr_parse_time("99991231-10:00:00", &t), -1);
    CHECK_INT(ibkr_parse_time("-9991231 10:00:00", &t), -1);
    CHECK_INT(ibkr_parse_time("20261127 -1:00:00", &t), -1);
    CHECK_INT(ibkr_parse_time("20261327 10:00:00", &t), -1);
}

TEST(connectivity_lost_pauses_new_orders_and_restored_resumes)
{
    rig r;
    rig_start(&r);
    emu_ctl(&E, "lost", NULL);
    WAIT_FOR(broker_get_state(ibkr_broker(r.a)) != BROKER_READY, 2000);
    CHECK_STR(broker_state_name(broker_get_state(ibkr_broker(r.a))), "syncing");
    oms_intent in = {.client_id = "tb-t-AAPL-40",
                     .strategy = "t",
                     .symbol = "AAPL",
                     .side = OMS_BUY,
                     .type = OMS_MARKET,
                     .qty = 1,
                     .reason = "test"};
    const oms_order *o;
    tb_err e;
    CHECK_INT(oms_submit(r.m, &in, &o, &e), -1);
    CHECK_CONTAINS(e.msg, "not ready");
    CHECK_STATUS(&r, "tb-t-AAPL-40", "rejected"); /* refused before sending: known, not unknown */
    emu_ctl(&E, "restored", NULL);
    WAIT_FOR(broker_get_state(ibkr_broker(r.a)) == BROKER_READY, 2000);
    CHECK_STR(broker_state_name(broker_get_state(ibkr_broker(r.a))), "ready");
    order(&r, "tb-t-AAPL-41", OMS_BUY, OMS_MARKET, 1, 0, 0);
    EXPECT_STATUS(&r, "tb-t-AAPL-41", OMS_ST_FILLED, 2000);
    emu_ctl(&E, "lost", NULL);
    emu_ctl(&E, "restored_lost", NULL); /* data lost: everything requested again, reconciled */
    WAIT_FOR(0, 100);
    WAIT_FOR(broker_get_state(ibkr_broker(r.a)) == BROKER_READY, 2000);
    ibkr_stats st = stats_of(&r);
    CHECK(st.reconciles >= 2);
    /* tb-t-AAPL-40 was rejected when the adapter refused it: nothing left for the sync. */
    CHECK_INT(st.differences, 0);
    CHECK_STATUS(&r, "tb-t-AAPL-40", "rejected");
    CHECK_INT(places("tb-t-AAPL-40"), 0);
    emu_ctl(&E, "farm_broken", NULL);
    emu_ctl(&E, "farm_ok", NULL);
    WAIT_FOR(0, 100);
    st = stats_of(&r);
    CHECK_INT(st.resubscribes, 1);
    CHECK(stat_of("acct_summary") >= 3);
    CHECK_INT(stat_of("acct_322"), 0); /* each new summary request ended the previous one */
    rig_close(&r);
}

TEST(no_new_orders_in_the_window_around_the_daily_restart)
{
    int sec;
    tb_err e;
    CHECK_INT(ibkr_parse_hhmm("23:45", &sec, &e), 0);
    CHECK_INT(sec, 23 * 3600 + 45 * 60);
    CHECK_INT(ibkr_parse_hhmm("24:00", &sec, &e), -1);
    CHECK_INT(ibkr_parse_hhmm("9:30", &sec, &e), -1);
    /* 2026-11-27 04:50 UTC is 23:50 the day before in New York (EST). */
    int64_t t = 1795755000LL * 1000000000LL;
    CHECK_INT(ibkr_in_restart_window(t, 23 * 3600 + 45 * 60, 0, 10), 1);
    CHECK_INT(ibkr_in_restart_window(t, 23 * 3600 + 45 * 60, 0, 4), 0);
    CHECK_INT(ibkr_in_restart_window(t, 23 * 3600 + 45 * 60, 1, 10), 0);
    CHECK_INT(ibkr_in_restart_window(t, 4 * 3600 + 55 * 60, 1, 10), 1);
    CHECK_INT(ibkr_in_restart_window(t, 0, 0, 15), 1); /* across midnight */

    start_emu();
    time_t now = time(NULL);
    struct tm g;
    gmtime_r(&now, &g);
    char hhmm[8];
    snprintf(hhmm, sizeof hhmm, "%02d:%02d", g.tm_hour, g.tm_min);
    rig r;
    rig_open_with(&r, NULL, 7, -1, 0, 5, hhmm);
    CHECK(ready(&r));
    order(&r, "tb-t-AAPL-50", OMS_BUY, OMS_MARKET, 1, 0, 0);
    CHECK_STATUS(&r, "tb-t-AAPL-50", "rejected");
    CHECK_CONTAINS(oms_find(r.m, "tb-t-AAPL-50")->note, "Gateway's restart");
    WAIT_FOR(0, 100);
    CHECK_INT(places("tb-t-AAPL-50"), 0);
    rig_close(&r);
}
