/*
 * test_oms_unknown: orders with an unknown outcome in the order manager (they block new orders
 * of their strategy and symbol, are adopted by the broker's verdict or fills, still take fills
 * after their deadline expired them), broker updates that cannot be applied (logged with their ids
 * and counted by reason), and a submit the adapter refused synchronously (rejected, not left
 * `new` to be mistaken for an unknown outcome).
 */
#include "tbtest.h"
#include "data/calendar.h"
#include "log/log.h"
#include "oms/oms.h"
#include "oms/refused.h"
#include "oms/unknown.h"

#include <unistd.h>

#include "fake_broker.h"

static char logpath[128];

static oms *setup(void)
{
    if (!logpath[0]) {
        snprintf(logpath, sizeof logpath, "/tmp/tb_test_oms_unknown_%d.log", (int)getpid());
        tb_log_opts lo = {.level = TB_LOG_DEBUG};
        tb_err e;
        tb_log_open(logpath, &lo, &e);
    }
    oms_config c = {64, 16, 1024, 20261130};
    oms *m = oms_new(&c, NULL);
    oms_set_broker(m, fake_broker());
    return m;
}

static const oms_order *submit(oms *m, const char *strategy, const char *sym, tb_err *e)
{
    oms_intent in = {.strategy = strategy,
                     .symbol = sym,
                     .side = OMS_BUY,
                     .type = OMS_MARKET,
                     .tif = OMS_TIF_DAY,
                     .qty = 10,
                     .reason = "test"};
    const oms_order *o = NULL;
    return oms_submit(m, &in, &o, e) == 0 ? o : NULL;
}

/* An update as an adapter delivers it: through the broker callback. */
static void deliver(const char *cid, oms_status st, const char *exec, tb_qty q)
{
    broker_update u = {.client_id = cid,
                       .broker_id = "b-1",
                       .status = st,
                       .reason =
                           st == OMS_ST_UNKNOWN ? "outcome unknown: 504 Gateway Timeout" : NULL,
                       .has_exec = exec != NULL,
                       .exec_id = exec,
                       .exec_qty = q,
                       .exec_price = TB_USD(100, 0),
                       .t_ns = 5};
    fake_broker_deliver(&u);
}

static const char *read_log(void)
{
    return tbt_read_file(logpath);
}

TEST(unknown_order_blocks_its_strategy_and_symbol_until_the_broker_confirms_it)
{
    oms *m = setup();
    tb_err e = {{0}};
    const oms_order *o = submit(m, "rsi", "AAPL", &e);
    deliver(o->client_id, OMS_ST_UNKNOWN, NULL, 0);
    CHECK_STR(oms_status_name(o->status), "unknown");
    CHECK_CONTAINS(o->note, "504 Gateway Timeout");
    CHECK_INT(oms_unknown_count(m), 1);
    CHECK(submit(m, "rsi", "AAPL", &e) == NULL);
    CHECK_CONTAINS(e.msg, "has an unknown outcome");
    CHECK_CONTAINS(e.msg, o->client_id);
    CHECK(submit(m, "vwap", "AAPL", &e) != NULL); /* another strategy */
    CHECK(submit(m, "rsi", "MSFT", &e) != NULL);  /* another symbol */
    deliver(o->client_id, OMS_ST_ACCEPTED, NULL, 0);
    CHECK_STR(oms_status_name(o->status), "accepted");
    CHECK(submit(m, "rsi", "AAPL", &e) != NULL);
    oms_free(m);
}

TEST(a_late_acknowledgement_never_makes_an_acknowledged_order_unknown)
{
    oms *m = setup();
    const oms_order *o = submit(m, "rsi", "AAPL", NULL);
    deliver(o->client_id, OMS_ST_ACCEPTED, NULL, 0);
    deliver(o->client_id, OMS_ST_UNKNOWN, NULL, 0); /* the 5xx answer came after the stream */
    CHECK_STR(oms_status_name(o->status), "accepted");
    CHECK_INT(oms_update_errors(m), 0);
    oms_free(m);
}

TEST(fill_of_an_unknown_order_is_applied_and_adopts_it)
{
    oms *m = setup();
    const oms_order *o = submit(m, "rsi", "AAPL", NULL);
    deliver(o->client_id, OMS_ST_UNKNOWN, NULL, 0);
    deliver(o->client_id, OMS_ST_FILLED, "x-1", 10);
    CHECK_STR(oms_status_name(o->status), "filled");
    CHECK_INT(oms_position_get(m, "AAPL")->qty, 10);
    CHECK_STR(o->broker_id, "b-1");
    oms_free(m);
}

TEST(order_expired_at_its_deadline_still_takes_the_fills_the_broker_reports_later)
{
    oms *m = setup();
    const oms_order *o = submit(m, "rsi", "AAPL", NULL);
    deliver(o->client_id, OMS_ST_UNKNOWN, NULL, 0);
    deliver(o->client_id, OMS_ST_EXPIRED, NULL, 0);
    CHECK_STR(oms_status_name(o->status), "expired");
    deliver(o->client_id, OMS_ST_ACCEPTED, NULL, 0); /* old news, not an error */
    deliver(o->client_id, OMS_ST_FILLED, "x-2", 10);
    CHECK_INT(oms_position_get(m, "AAPL")->qty, 10);
    CHECK_INT(oms_update_errors(m), 0);
    oms_free(m);
}

TEST(refused_updates_are_logged_with_their_ids_and_counted_by_reason)
{
    oms *m = setup();
    const oms_order *o = submit(m, "rsi", "AAPL", NULL);
    deliver("tb-rsi-AAPL-20261130-999", OMS_ST_FILLED, "x-lost-1", 5);
    deliver(o->client_id, OMS_ST_CANCELED, NULL, 0);
    deliver(o->client_id, OMS_ST_REPLACED, NULL, 0);
    deliver(o->client_id, OMS_ST_FILLED, "x-over", 50); /* overfill */
    const tb_counters *c = oms_refused_by_reason(m);
    CHECK_INT(tb_counters_get(c, "unknown_order"), 1);
    CHECK_INT(tb_counters_get(c, "invalid_transition"), 1);
    CHECK_INT(tb_counters_get(c, "bad_execution"), 1);
    CHECK_INT(oms_update_errors(m), 3);
    const char *log = read_log();
    CHECK_CONTAINS(log, "broker update refused (unknown_order): client_id=tb-rsi-AAPL-20261130-999 "
                        "broker_id=b-1 exec_id=x-lost-1 qty=5");
    CHECK_CONTAINS(log, "broker update refused (bad_execution)");
    CHECK_CONTAINS(log, "exec_id=x-over");
    oms_free(m);
}

TEST(submit_the_adapter_refused_before_sending_is_rejected_not_left_new)
{
    oms *m = setup();
    fake_broker_st.refuse_submit = 1;
    oms_intent in = {.strategy = "rsi",
                     .symbol = "AAPL",
                     .side = OMS_BUY,
                     .type = OMS_MARKET,
                     .qty = 3,
                     .reason = "test"};
    const oms_order *o = NULL;
    tb_err e;
    CHECK_INT(oms_submit(m, &in, &o, &e), -1);
    CHECK(o != NULL);
    CHECK_STR(oms_status_name(o->status), "rejected");
    CHECK_CONTAINS(o->note, "not ready");
    CHECK_INT(oms_open_orders_all(m, NULL, 0), 0);
    oms_free(m);
}

TEST(deadline_is_the_end_of_the_session_or_the_configured_time)
{
    oms_order o;
    memset(&o, 0, sizeof o);
    tb_date day = tb_date_from_ymd(2026, 11, 30); /* a Monday */
    o.created_ns = tb_cal_local_to_ns(day, 10 * 3600);
    CHECK_INT(oms_unknown_deadline(&o, 0), tb_cal_local_to_ns(day, 16 * 3600));
    CHECK_INT(oms_unknown_deadline(&o, 5000), o.created_ns + 5000000000LL);
    tb_date fri = tb_date_from_ymd(2026, 11, 27); /* the day after Thanksgiving: 13:00 */
    o.created_ns = tb_cal_local_to_ns(fri, 11 * 3600);
    CHECK_INT(oms_unknown_deadline(&o, 0), tb_cal_local_to_ns(fri, 13 * 3600));
    CHECK_INT(oms_unknown_backoff_ns(0), 1000000000LL);
    CHECK_INT(oms_unknown_backoff_ns(3), 8000000000LL);
    CHECK_INT(oms_unknown_backoff_ns(40), 30000000000LL);
}
