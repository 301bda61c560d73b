#include "tbtest.h"
#include "data/calendar.h"
#include "fake_broker.h"
#include "oms_testutil.h"
#include "oms/oms.h"

/* The fake broker (fake_broker.h), and a fake journal that records what was saved. */
static int journaled_before_send, fail_journal, fill_journal_rc;
static int n_saved, n_fills_saved;
static char last_saved[OMS_CLIENT_ID_MAX + 1];

/* The broker is shown an order only after the journal has it (an entry's stop loss last). */
static void check_journaled(const broker_submit_req *r)
{
    journaled_before_send =
        strcmp(last_saved, r->stop_loss ? r->stop_loss->client_id : r->order->client_id) == 0;
}

/* Submits and cancels fail: the connection is gone. */
static void broker_down(int down)
{
    fake_broker_st.refuse_submit = fake_broker_st.refuse_cancel = down;
}

static int j_orders(void *ud, const oms_order *const *os, int n, tb_err *e)
{
    if (fail_journal) return tb_errf(e, "disk full");
    n_saved += n;
    strcpy(last_saved, os[n - 1]->client_id);
    return 0;
}
static int j_fill(void *ud, const oms_order *o, const oms_exec *x, const oms_position *p,
                  const oms_position *sp, const oms_daytrade *dt, tb_err *e)
{
    if (fill_journal_rc < 0) return tb_errf(e, "disk full");
    if (fill_journal_rc == 0) n_fills_saved++;
    return fill_journal_rc;
}

static oms *setup(uint32_t max_orders)
{
    n_saved = n_fills_saved = 0;
    fail_journal = fill_journal_rc = 0;
    last_saved[0] = 0;
    oms_config c = {max_orders, 16, 1024, 20260105};
    oms *m = oms_new(&c, NULL);
    oms_set_broker(m, fake_broker());
    fake_broker_st.on_submit = check_journaled;
    oms_journal j = {NULL, j_orders, j_fill, NULL, NULL};
    oms_set_journal(m, &j);
    return m;
}

static oms_intent buy(const char *sym, tb_qty q)
{
    return oms_test_intent(sym, OMS_BUY, q);
}

static oms_intent sell(const char *sym, tb_qty q)
{
    return oms_test_intent(sym, OMS_SELL, q);
}

static oms_intent limit(oms_intent in, tb_money px)
{
    in.type = OMS_LIMIT;
    in.limit_price = px;
    return in;
}

/* Submits in; the order (the test fails when the order manager refuses it). */
static const oms_order *submit(oms *m, oms_intent in)
{
    return oms_test_submit(m, &in);
}

static int update(oms *m, const char *id, oms_status st)
{
    broker_update u = {.client_id = id, .status = st, .t_ns = 1};
    tb_err e = {{0}};
    return oms_on_update(m, &u, &e);
}

/* An execution; exec_t_ns: when the broker executed it (0: not reported). */
static int fill_at(oms *m, const char *id, const char *exec, tb_qty q, tb_money px,
                   int64_t exec_t_ns)
{
    broker_update u = oms_test_exec(id, exec, q, px);
    u.t_ns = 2;
    u.exec_t_ns = exec_t_ns;
    tb_err e = {{0}};
    return oms_on_update(m, &u, &e);
}

static int fill(oms *m, const char *id, const char *exec, tb_qty q, tb_money px)
{
    return fill_at(m, id, exec, q, px, 0);
}

/* Submits in and has the broker accept it: a working order. */
static const oms_order *working(oms *m, oms_intent in)
{
    const oms_order *o = submit(m, in);
    if (o && update(m, o->client_id, OMS_ST_ACCEPTED) != 0) TBT_FAIL("accept %s", o->client_id);
    return o;
}

/* q AAPL bought and filled at $10 (execution b1): shares a closing order then sells. */
static const oms_order *bought(oms *m, tb_qty q)
{
    const oms_order *o = submit(m, buy("AAPL", q));
    if (o && fill(m, o->client_id, "b1", q, TB_USD(10, 0)) != 0) TBT_FAIL("fill %s", o->client_id);
    return o;
}

TEST(generated_client_ids_are_deterministic_and_never_repeat)
{
    oms *m = setup(64);
    const oms_order *a, *b;
    oms_intent in = buy("AAPL", 10);
    CHECK_INT(oms_submit(m, &in, &a, NULL), 0);
    CHECK_INT(oms_submit(m, &in, &b, NULL), 0);
    CHECK_STR(a->client_id, "tb-rsi-AAPL-20260105-1");
    CHECK_STR(b->client_id, "tb-rsi-AAPL-20260105-2");
    CHECK_STR(a->reason, "rsi oversold");
    CHECK_INT(oms_next_seq(m), 3);
    oms_free(m);
}

TEST(second_submit_with_same_client_order_id_returns_the_existing_order)
{
    oms *m = setup(64);
    oms_intent in = buy("AAPL", 10);
    in.client_id = "my-id-1";
    const oms_order *a, *b;
    CHECK_INT(oms_submit(m, &in, &a, NULL), 0);
    CHECK_INT(oms_submit(m, &in, &b, NULL), 1);
    CHECK(a == b);
    CHECK_INT(fake_broker_st.submits, 1);
    CHECK_INT(n_saved, 1);
    oms_free(m);
}

TEST(order_is_journaled_before_the_broker_sees_it)
{
    oms *m = setup(64);
    oms_intent in = buy("AAPL", 10);
    CHECK_INT(oms_submit(m, &in, NULL, NULL), 0);
    CHECK(journaled_before_send);
    oms_free(m);
}

TEST(journal_failure_sends_nothing_and_keeps_nothing)
{
    oms *m = setup(64);
    fail_journal = 1;
    oms_intent in = buy("AAPL", 10);
    in.client_id = "x1";
    tb_err e = {{0}};
    CHECK_INT(oms_submit(m, &in, NULL, &e), -1);
    CHECK_CONTAINS(e.msg, "disk full");
    CHECK_INT(fake_broker_st.submits, 0);
    CHECK(oms_find(m, "x1") == NULL);
    CHECK_INT(oms_next_seq(m), 1);
    oms_free(m);
}

TEST(invalid_intent_is_refused_before_journal)
{
    oms *m = setup(64);
    oms_intent in = buy("AAPL", 0);
    CHECK_INT(oms_submit(m, &in, NULL, NULL), -1);
    in = buy("AAPL", 5);
    in.type = OMS_LIMIT;
    CHECK_INT(oms_submit(m, &in, NULL, NULL), -1);
    CHECK_INT(n_saved, 0);
    CHECK_INT(fake_broker_st.submits, 0);
    oms_free(m);
}

TEST(fills_update_order_and_position_and_replays_change_nothing)
{
    oms *m = setup(64);
    const oms_order *o = working(m, buy("AAPL", 100));
    CHECK_INT(fill(m, o->client_id, "x1", 40, TB_USD(10, 0)), 0);
    CHECK_INT(fill(m, o->client_id, "x1", 40, TB_USD(10, 0)), 0);
    CHECK_INT(o->filled_qty, 40);
    CHECK_INT(o->status, OMS_ST_PARTIALLY_FILLED);
    CHECK_INT(fill(m, o->client_id, "x2", 60, TB_USD(11, 0)), 0);
    CHECK_INT(o->status, OMS_ST_FILLED);
    CHECK_INT(n_fills_saved, 2);
    const oms_position *p = oms_position_get(m, "AAPL");
    CHECK(p != NULL);
    CHECK_INT(p->qty, 100);
    CHECK_INT(p->cost_basis, 40 * TB_USD(10, 0) + 60 * TB_USD(11, 0));
    CHECK_INT(oms_open_orders(m, "AAPL", NULL, 0), 0);
    oms_free(m);
}

TEST(fill_not_committed_by_journal_is_not_applied)
{
    oms *m = setup(64);
    const oms_order *o = submit(m, buy("AAPL", 100));
    fill_journal_rc = -1;
    CHECK_INT(fill(m, o->client_id, "x1", 40, TB_USD(10, 0)), -1);
    CHECK_INT(o->filled_qty, 0);
    CHECK(oms_position_get(m, "AAPL") == NULL);
    fill_journal_rc = 0; /* the broker replays it after a reconnect */
    CHECK_INT(fill(m, o->client_id, "x1", 40, TB_USD(10, 0)), 0);
    CHECK_INT(o->filled_qty, 40);
    oms_free(m);
}

TEST(fill_the_journal_already_holds_is_skipped)
{
    oms *m = setup(64);
    const oms_order *o = submit(m, buy("AAPL", 100));
    fill_journal_rc = 1;
    CHECK_INT(fill(m, o->client_id, "old", 40, TB_USD(10, 0)), 0);
    CHECK_INT(o->filled_qty, 0);
    oms_free(m);
}

TEST(cancel_goes_pending_then_canceled_and_leaves_open_orders)
{
    oms *m = setup(64);
    const oms_order *o = working(m, buy("AAPL", 10)), *open[4];
    CHECK_INT(oms_open_orders(m, "AAPL", open, 4), 1);
    CHECK(open[0] == o);
    CHECK_INT(oms_cancel(m, o->client_id, NULL), 0);
    CHECK_INT(o->status, OMS_ST_PENDING_CANCEL);
    CHECK_INT(oms_cancel(m, o->client_id, NULL), 0);
    CHECK_INT(fake_broker_st.cancels, 1);
    CHECK_INT(update(m, o->client_id, OMS_ST_CANCELED), 0);
    CHECK_INT(o->status, OMS_ST_CANCELED);
    CHECK_INT(oms_open_orders(m, "AAPL", open, 4), 0);
    tb_err e = {{0}};
    CHECK_INT(oms_cancel(m, o->client_id, &e), -1);
    CHECK_CONTAINS(e.msg, "already canceled");
    oms_free(m);
}

/* Found by the simulation (docs/simulation.md, invariant 4): with the broker away, the submit and
 * then the cancel (a strategy's, or the kill switch's) fail; the order is left pending_cancel, and
 * reconciliation, which finds no such order at the broker, reports it rejected. Refusing that left
 * an open order forever: it held the session-end flatten, the day-trade gate's pending count and
 * the kill switch's confirmation. */
TEST(an_order_that_never_reached_the_broker_ends_rejected_even_with_its_cancel_pending)
{
    oms *m = setup(64);
    const oms_order *o, *open[4];
    oms_intent in = buy("AAPL", 10);
    broker_down(1);
    CHECK_INT(oms_submit(m, &in, &o, NULL), -1);
    /* Refused by the adapter before anything was sent: its outcome is known, rejected at once
     * (docs/orders.md, Idempotency), so it never stays open. */
    CHECK_INT(o->status, OMS_ST_REJECTED);
    CHECK_INT(oms_open_orders(m, "AAPL", open, 4), 0);
    CHECK_INT(oms_cancel(m, o->client_id, NULL), -1);
    CHECK_INT(o->status, OMS_ST_REJECTED);
    /* Sent, then the broker goes away before the cancel: pending_cancel until reconciliation. */
    broker_down(0);
    CHECK_INT(oms_submit(m, &in, &o, NULL), 0);
    broker_down(1);
    CHECK_INT(oms_cancel(m, o->client_id, NULL), -1);
    CHECK_INT(o->status, OMS_ST_PENDING_CANCEL);
    broker_down(0);
    CHECK_INT(update(m, o->client_id, OMS_ST_REJECTED), 0);
    CHECK_INT(o->status, OMS_ST_REJECTED);
    CHECK_INT(oms_open_orders(m, "AAPL", open, 4), 0);
    oms_free(m);
}

/* Found by the simulation: the kill switch cancels an order whose replace is pending; the broker
 * had already replaced it (the new order carries on and gets its own cancel). Refusing the old
 * order's "replaced" left it pending_cancel, open, forever. */
TEST(a_cancel_that_meets_a_finished_replace_ends_the_old_order_replaced)
{
    oms *m = setup(64);
    const oms_order *o = working(m, limit(buy("AAPL", 10), TB_USD(100, 0))), *n, *open[4];
    oms_changes ch = {.limit_price = TB_USD(101, 0)};
    CHECK_INT(oms_replace(m, o->client_id, &ch, &n, NULL), 0);
    CHECK_INT(oms_cancel(m, o->client_id, NULL), 0);
    CHECK_INT(o->status, OMS_ST_PENDING_CANCEL);
    CHECK_INT(update(m, o->client_id, OMS_ST_REPLACED), 0);
    CHECK_INT(o->status, OMS_ST_REPLACED);
    CHECK_INT(update(m, n->client_id, OMS_ST_ACCEPTED), 0);
    CHECK_INT(oms_open_orders(m, "AAPL", open, 4), 1);
    CHECK(open[0] == n);
    oms_free(m);
}

/* Found by the simulation: a cancel sent while the broker was away never arrived; reconciliation
 * reports the partly filled order as it stands, working. Ignored (a fill status without an
 * execution), it left the order pending_cancel while it worked on at the broker, out of reach of
 * the kill switch, which does not cancel twice. */
TEST(reconciliation_saying_a_partly_filled_order_still_works_ends_its_pending_cancel)
{
    oms *m = setup(64);
    const oms_order *o = working(m, buy("AAPL", 10));
    CHECK_INT(fill(m, o->client_id, "x1", 4, 100 * 1000000LL), 0);
    broker_down(1);
    CHECK_INT(oms_cancel(m, o->client_id, NULL), -1);
    CHECK_INT(o->status, OMS_ST_PENDING_CANCEL);
    broker_down(0);
    CHECK_INT(update(m, o->client_id, OMS_ST_PARTIALLY_FILLED), 0); /* no execution: a status */
    CHECK_INT(o->status, OMS_ST_PARTIALLY_FILLED);
    CHECK_INT(oms_cancel(m, o->client_id, NULL), 0); /* so it can be canceled again */
    CHECK_INT(fake_broker_st.cancels, 1);
    /* An execution while the cancel is pending keeps it pending, as before. */
    CHECK_INT(fill(m, o->client_id, "x2", 1, 100 * 1000000LL), 0);
    CHECK_INT(o->status, OMS_ST_PENDING_CANCEL);
    oms_free(m);
}

TEST(impossible_transition_from_broker_is_refused)
{
    oms *m = setup(64);
    const oms_order *o = submit(m, buy("AAPL", 10));
    update(m, o->client_id, OMS_ST_CANCELED);
    CHECK_INT(update(m, o->client_id, OMS_ST_EXPIRED), -1);
    CHECK_INT(o->status, OMS_ST_CANCELED);
    CHECK_INT(update(m, "nobody", OMS_ST_CANCELED), -1);
    oms_free(m);
}

TEST(replace_creates_a_new_order_and_the_old_one_ends_replaced)
{
    oms *m = setup(64);
    const oms_order *o = working(m, limit(buy("AAPL", 10), TB_USD(100, 0))), *n;
    oms_changes c = {.limit_price = TB_USD(101, 0)};
    CHECK_INT(oms_replace(m, o->client_id, &c, &n, NULL), 0);
    CHECK_INT(fake_broker_st.replaces, 1);
    CHECK_INT(o->status, OMS_ST_PENDING_REPLACE);
    CHECK_STR(n->replaces_id, o->client_id);
    CHECK(strcmp(n->client_id, o->client_id) != 0);
    CHECK_INT(n->limit_price, TB_USD(101, 0));
    CHECK_INT(n->qty, 10);
    CHECK_INT(update(m, o->client_id, OMS_ST_REPLACED), 0);
    CHECK_INT(update(m, n->client_id, OMS_ST_ACCEPTED), 0);
    const oms_order *open[4];
    CHECK_INT(oms_open_orders(m, "AAPL", open, 4), 1);
    CHECK(open[0] == n);
    oms_free(m);
}

/* A replace never adds shares: the gates admitted the old order's, and a replace is not judged by
 * them (an exit of 10 replaced by one of 50 sold 40 the strategy did not own). */
TEST(replace_asking_for_more_shares_than_left_is_refused)
{
    oms *m = setup(64);
    const oms_order *o = working(m, limit(buy("AAPL", 10), TB_USD(100, 0))), *n;
    fill(m, o->client_id, "x1", 4, TB_USD(100, 0));
    tb_err e = {{0}};
    oms_changes c = {.qty = 7};
    CHECK_INT(oms_replace(m, o->client_id, &c, &n, &e), -1);
    CHECK_CONTAINS(e.msg, "never adds shares");
    c.qty = -1;
    CHECK_INT(oms_replace(m, o->client_id, &c, &n, &e), -1);
    CHECK_INT(fake_broker_st.replaces, 0);
    CHECK_INT(o->status, OMS_ST_PARTIALLY_FILLED);
    c.qty = 6; /* the remainder itself is fine */
    CHECK_INT(oms_replace(m, o->client_id, &c, &n, &e), 0);
    CHECK_INT(n->qty, 6);
    oms_free(m);
}

/* Found by the simulation (SIM_SEED=34 SIM_STEPS=78): the replacement of a closing order that had
 * made a day trade made a second one when it filled. One order, one day trade. */
TEST(replacement_of_an_order_that_made_a_day_trade_makes_none_of_its_own)
{
    oms *m = setup(64);
    bought(m, 100);
    const oms_order *c = working(m, limit(sell("AAPL", 100), TB_USD(12, 0))), *n;
    fill(m, c->client_id, "s1", 30, TB_USD(12, 0));
    CHECK_INT(oms_daytrade_count(m, 20260105, 20260105), 1);
    oms_changes ch = {.limit_price = TB_USD(11, 0)};
    CHECK_INT(oms_replace(m, c->client_id, &ch, &n, NULL), 0);
    CHECK_INT(update(m, c->client_id, OMS_ST_REPLACED), 0);
    CHECK_INT(fill(m, n->client_id, "s2", 70, TB_USD(11, 0)), 0);
    CHECK_INT(oms_daytrade_count(m, 20260105, 20260105), 1);
    oms_free(m);
}

/* The old order's fill was in flight when the replace went out (the broker executed it first): the
 * replacement asks for the remainder without it. The day trade counts once, and the replacement,
 * which would now sell shares the strategy no longer owns, is canceled. */
TEST(late_fill_of_a_replaced_order_cancels_the_replacement_and_counts_one_day_trade)
{
    oms *m = setup(64);
    bought(m, 10);
    const oms_order *c = working(m, limit(sell("AAPL", 10), TB_USD(12, 0))), *n;
    oms_changes ch = {.limit_price = TB_USD(11, 0)};
    CHECK_INT(oms_replace(m, c->client_id, &ch, &n, NULL), 0);
    CHECK_INT(n->qty, 10);
    CHECK_INT(fake_broker_st.cancels, 0);
    CHECK_INT(fill(m, c->client_id, "s1", 4, TB_USD(12, 0)), 0); /* the late fill */
    CHECK_INT(fake_broker_st.cancels, 1);
    CHECK_INT(n->status, OMS_ST_PENDING_CANCEL);
    CHECK_INT(oms_daytrade_count(m, 20260105, 20260105), 1);
    /* The broker filled part of the replacement before the cancel: no second day trade. */
    CHECK_INT(fill(m, n->client_id, "s2", 2, TB_USD(11, 0)), 0);
    CHECK_INT(oms_daytrade_count(m, 20260105, 20260105), 1);
    CHECK_INT(oms_position_get(m, "AAPL")->qty, 4);
    oms_free(m);
}

/* A late fill that leaves room for the replacement keeps it working (the chain never trades more
 * than the old order's shares). */
TEST(late_fill_within_the_old_orders_shares_keeps_the_replacement)
{
    oms *m = setup(64);
    const oms_order *o = working(m, limit(buy("AAPL", 10), TB_USD(100, 0))), *n;
    oms_changes ch = {.qty = 5, .limit_price = TB_USD(101, 0)};
    CHECK_INT(oms_replace(m, o->client_id, &ch, &n, NULL), 0);
    CHECK_INT(fill(m, o->client_id, "x1", 5, TB_USD(100, 0)), 0);
    CHECK_INT(fake_broker_st.cancels, 0);
    CHECK_INT(fill(m, o->client_id, "x2", 1, TB_USD(100, 0)), 0);
    CHECK_INT(fake_broker_st.cancels, 1);
    oms_free(m);
}

static int final_with_cum(oms *m, const char *id, oms_status st, tb_qty cum)
{
    broker_update u = {.client_id = id, .status = st, .cum_qty = cum, .t_ns = 3};
    tb_err e = {{0}};
    return oms_on_update(m, &u, &e);
}

/* Found by the simulation (SIM_SEED=48 SIM_STEPS=328): a sell's "canceled" overtook its fill of 5;
 * taken at its word, the order left the book with no shares sold, the day-trade gate admitted
 * another closing sell, and the late fill made a third day trade in a budget of two. The final
 * status now waits for the fills the broker says it has. */
TEST(final_status_that_overtakes_its_fills_waits_for_them)
{
    oms *m = setup(64);
    bought(m, 10);
    const oms_order *c = working(m, sell("AAPL", 8)), *open[4];
    CHECK_INT(oms_cancel(m, c->client_id, NULL), 0);
    CHECK_INT(final_with_cum(m, c->client_id, OMS_ST_CANCELED, 5), 0);
    CHECK_INT(c->status, OMS_ST_PENDING_CANCEL); /* still working to the gates */
    CHECK_INT(oms_open_orders(m, "AAPL", open, 4), 1);
    CHECK_INT(fill(m, c->client_id, "s1", 5, TB_USD(11, 0)), 0);
    CHECK_INT(c->status, OMS_ST_CANCELED);
    CHECK_INT(c->filled_qty, 5);
    CHECK_INT(oms_open_orders(m, "AAPL", open, 4), 0);
    CHECK_INT(oms_position_get(m, "AAPL")->qty, 5);
    oms_free(m);
}

/* Executions lost for good (the broker repeats its final status, they never come): the order
 * ends on the third report, with an ERROR, instead of working forever. */
TEST(final_status_reported_three_times_without_its_fills_ends_the_order)
{
    oms *m = setup(64);
    const oms_order *o = working(m, buy("AAPL", 10));
    CHECK_INT(final_with_cum(m, o->client_id, OMS_ST_EXPIRED, 4), 0);
    CHECK_INT(o->status, OMS_ST_ACCEPTED);
    CHECK_INT(final_with_cum(m, o->client_id, OMS_ST_EXPIRED, 4), 0);
    CHECK_INT(o->status, OMS_ST_ACCEPTED);
    CHECK_INT(final_with_cum(m, o->client_id, OMS_ST_EXPIRED, 4), 0);
    CHECK_INT(o->status, OMS_ST_EXPIRED);
    oms_free(m);
}

TEST(bracket_submit_creates_held_legs_on_the_opposite_side)
{
    oms *m = setup(64);
    const oms_order *o;
    oms_intent in = buy("AAPL", 10);
    in.order_class = OMS_CLASS_BRACKET;
    in.take_profit_limit = TB_USD(110, 0);
    in.stop_loss_stop = TB_USD(95, 0);
    CHECK_INT(oms_submit(m, &in, &o, NULL), 0);
    CHECK(journaled_before_send);
    char id[160];
    snprintf(id, sizeof id, "%s-tp", o->client_id);
    const oms_order *tp = oms_find(m, id);
    snprintf(id, sizeof id, "%s-sl", o->client_id);
    const oms_order *sl = oms_find(m, id);
    CHECK(tp && sl);
    if (!tp || !sl) return;
    CHECK_INT(tp->status, OMS_ST_HELD);
    CHECK_INT(tp->side, OMS_SELL);
    CHECK_INT(tp->type, OMS_LIMIT);
    CHECK_INT(tp->limit_price, TB_USD(110, 0));
    CHECK_INT(sl->type, OMS_STOP);
    CHECK_INT(sl->stop_price, TB_USD(95, 0));
    CHECK_STR(sl->parent_id, o->client_id);
    CHECK_INT(oms_open_orders(m, "AAPL", NULL, 0), 3);
    oms_free(m);
}

TEST(closing_order_with_several_fills_counts_one_day_trade)
{
    oms *m = setup(64);
    const oms_order *o = bought(m, 100), *c = submit(m, sell("AAPL", 100));
    fill(m, c->client_id, "s1", 30, TB_USD(11, 0));
    fill(m, c->client_id, "s2", 70, TB_USD(11, 0));
    CHECK_INT(oms_daytrade_count(m, 20260105, 20260105), 1);
    CHECK(c->day_trade);
    CHECK(!o->day_trade);
    CHECK_INT(oms_position_get(m, "AAPL")->realized_pnl, TB_USD(100, 0));
    oms_free(m);
}

TEST(closing_next_session_is_not_a_day_trade)
{
    oms *m = setup(64);
    bought(m, 100);
    oms_set_session_day(m, 20260106);
    const oms_order *c = submit(m, sell("AAPL", 100));
    fill(m, c->client_id, "s1", 100, TB_USD(11, 0));
    CHECK_INT(oms_daytrade_count(m, 20260101, 20260131), 0);
    CHECK_STR(c->client_id, "tb-rsi-AAPL-20260106-2");
    oms_free(m);
}

/* 11:00 New York time on y-m-d. */
static int64_t ny_11am(int y, int mo, int d)
{
    return tb_cal_local_to_ns(tb_date_from_ymd(y, mo, d), 11 * 3600);
}

/* 100 AAPL bought (executed at buy_t_ns, 0: not reported) and a sell of them submitted. */
static const oms_order *bought_and_selling(oms *m, int64_t buy_t_ns)
{
    const oms_order *o = submit(m, buy("AAPL", 100));
    fill_at(m, o->client_id, "b1", 100, TB_USD(10, 0), buy_t_ns);
    return submit(m, sell("AAPL", 100));
}

TEST(fill_learned_after_a_restart_is_a_day_trade_dated_by_the_brokers_execution_time)
{
    /* After a restart the order manager has no session day yet when reconciliation brings the
     * closing fill of shares bought this morning: it was dated day 0 and never counted. */
    oms *m = setup(64);
    const oms_order *c = bought_and_selling(m, 0);
    oms_set_session_day(m, 0); /* restarted: the first session event has not come yet */
    CHECK_INT(fill_at(m, c->client_id, "s1", 100, TB_USD(11, 0), ny_11am(2026, 1, 5)), 0);
    const oms_daytrade *dt = oms_daytrades_get(oms_get_daytrades(m), 0);
    CHECK(dt != NULL);
    if (dt) CHECK_INT(dt->day, 20260105);
    CHECK_INT(oms_daytrade_count(m, 20260105, 20260105), 1);
    oms_free(m);
}

TEST(fill_of_an_earlier_day_learned_late_keeps_its_day_and_closes_no_later_shares)
{
    oms *m = setup(64);
    const oms_order *c = bought_and_selling(m, 0); /* opened 2026-01-05 */
    oms_set_session_day(m, 20260106);
    /* Executed on the 5th, learned on the 6th: a day trade of the 5th. */
    fill_at(m, c->client_id, "s1", 100, TB_USD(11, 0), ny_11am(2026, 1, 5) + 3600000000000LL);
    CHECK_INT(oms_daytrade_count(m, 20260105, 20260105), 1);
    CHECK_INT(oms_daytrade_count(m, 20260106, 20260106), 0);
    CHECK_INT(oms_position_get(m, "AAPL")->qty, 0);
    oms_free(m);
}

TEST(fill_executed_after_our_simulated_session_day_keeps_ours)
{
    /* A replay on simulated days against a broker: the broker's clock is ahead of ours, and the
     * day-trade window is ours. */
    oms *m = setup(64);
    const oms_order *c = bought_and_selling(m, ny_11am(2026, 12, 7));
    fill_at(m, c->client_id, "s1", 100, TB_USD(11, 0), ny_11am(2026, 12, 7));
    CHECK_INT(oms_daytrade_count(m, 20260105, 20260105), 1);
    oms_free(m);
}

TEST(full_pool_evicts_finished_orders_but_never_working_ones)
{
    oms *m = setup(2);
    const oms_order *a, *b, *c;
    oms_intent in = buy("AAPL", 1);
    oms_submit(m, &in, &a, NULL);
    oms_submit(m, &in, &b, NULL);
    tb_err e = {{0}};
    CHECK_INT(oms_submit(m, &in, &c, &e), -1);
    CHECK_CONTAINS(e.msg, "working orders");
    char aid[OMS_CLIENT_ID_MAX + 1];
    strcpy(aid, a->client_id);
    update(m, aid, OMS_ST_CANCELED);
    CHECK_INT(oms_submit(m, &in, &c, NULL), 0);
    CHECK(oms_find(m, aid) == NULL);
    CHECK(oms_find(m, b->client_id) == b);
    CHECK(oms_find(m, c->client_id) == c);
    oms_free(m);
}

/* The client-id map through many evictions: ids of orders still in the pool are found, each
 * to its own order, and ids of evicted orders are gone (a removal that lost a neighbour in the
 * map would fail the first; one that kept a stale entry the second). */
TEST(ids_stay_found_through_thousands_of_evictions)
{
    oms *m = setup(16);
    enum { N = 3000 };
    static char ids[N][OMS_CLIENT_ID_MAX + 1];
    static int finished[N];
    uint64_t rng = 7;
    for (int i = 0; i < N; i++) {
        oms_intent in = buy(i % 3 ? "AAPL" : "MSFT", 1);
        const oms_order *o;
        tb_err e = {{0}};
        if (oms_submit(m, &in, &o, &e) != 0) {
            TBT_FAIL("submit %d: %s", i, e.msg);
            break;
        }
        strcpy(ids[i], o->client_id);
        update(m, ids[i], OMS_ST_ACCEPTED);
        /* Most orders finish soon; a few stay working for a while. */
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int ks[2] = {i - (int)((rng >> 33) % 6), i - 8}; /* at most 9 working */
        for (int q = 0; q < 2; q++)
            if (ks[q] >= 0 && !finished[ks[q]]) {
                update(m, ids[ks[q]], OMS_ST_CANCELED);
                finished[ks[q]] = 1;
            }
        for (int j = i - 8; j <= i; j++) { /* working orders are never evicted */
            if (j < 0 || finished[j]) continue;
            const oms_order *f = oms_find(m, ids[j]);
            if (!f || strcmp(f->client_id, ids[j]) != 0) {
                TBT_FAIL("step %d: working order %s not found", i, ids[j]);
                i = N;
                break;
            }
        }
    }
    int found = 0;
    for (int i = 0; i < N; i++) {
        const oms_order *f = oms_find(m, ids[i]);
        if (f && strcmp(f->client_id, ids[i]) != 0) TBT_FAIL("%s finds %s", ids[i], f->client_id);
        found += f != NULL;
    }
    CHECK(found <= 16); /* evicted ids are gone from the map */
    oms_free(m);
}

TEST(symbols_past_max_symbols_are_refused_and_known_ones_still_trade)
{
    oms *m = setup(256); /* max_symbols 16 */
    const oms_order *o;
    char sym[16];
    for (int i = 0; i < 16; i++) {
        snprintf(sym, sizeof sym, "S%d", i);
        oms_intent in = buy(sym, 1);
        CHECK_INT(oms_submit(m, &in, &o, NULL), 0);
    }
    oms_intent extra = buy("ONE_TOO_MANY", 1);
    tb_err e = {{0}};
    CHECK(oms_submit(m, &extra, &o, &e) < 0);
    CHECK(strstr(e.msg, "more than 16 symbols") != NULL);
    oms_intent again = buy("S3", 2); /* a known symbol is not a new one */
    CHECK_INT(oms_submit(m, &again, &o, NULL), 0);
    oms_free(m);
}

/* The gates price positions through a flat array indexed by oms_position_index: the index must
 * be distinct per symbol, below oms_position_slots, and unchanged as more symbols arrive. */
TEST(position_index_is_distinct_and_stable_as_symbols_are_added)
{
    oms *m = setup(256);
    static const char *const syms[] = {"AAPL", "MSFT", "SPY", "QQQ", "IWM", "TSLA", "NVDA", "F"};
    uint32_t idx[8];
    for (int i = 0; i < 8; i++) {
        const oms_order *o = working(m, buy(syms[i], 10));
        if (!o) break;
        char exec[16];
        snprintf(exec, sizeof exec, "x%d", i);
        CHECK_INT(fill(m, o->client_id, exec, 10, TB_USD(10, 0)), 0);
        CHECK(oms_position_get(m, syms[i]) != NULL);
        idx[i] = oms_position_index(m, oms_position_get(m, syms[i]));
        CHECK(idx[i] < oms_position_slots(m));
        for (int k = 0; k < i; k++) {
            CHECK(idx[k] != idx[i]);
            CHECK_INT(oms_position_index(m, oms_position_get(m, syms[k])), idx[k]);
        }
    }
    const oms_position *ps[8];
    CHECK_INT(oms_positions(m, ps, 8), 8);
    for (int i = 0; i < 8; i++)
        CHECK_INT(oms_position_index(m, ps[i]),
                  oms_position_index(m, oms_position_get(m, ps[i]->symbol)));
    oms_free(m);
}
