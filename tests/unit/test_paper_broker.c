#include "tbtest.h"
#include "broker/paper.h"
#include "oms/oms.h"

#include <event2/event.h>

#define MIN_NS 60000000000LL

/* Updates seen, most recent last. */
static broker_update ups[256];
static char up_ids[256][OMS_CLIENT_ID_MAX + 1], up_reason[256][OMS_REASON_MAX + 1];
static int nups;

static void capture(void *ud, const broker_update *u)
{
    if (nups == 256) return;
    ups[nups] = *u;
    oms_strlcpy(up_ids[nups], u->client_id, sizeof up_ids[0]);
    oms_strlcpy(up_reason[nups], u->reason ? u->reason : "", sizeof up_reason[0]);
    nups++;
}

static const broker_update *last_exec(void)
{
    for (int i = nups; i-- > 0;)
        if (ups[i].has_exec) return &ups[i];
    return NULL;
}

static int count_execs(void)
{
    int n = 0;
    for (int i = 0; i < nups; i++) n += ups[i].has_exec;
    return n;
}

static paper_config base_cfg(void)
{
    paper_config c = {.seed = 42, .initial_cash = TB_USD(100000, 0), .margin = PAPER_CASH};
    return c;
}

static paper *mk(paper_config c)
{
    nups = 0;
    paper *p = paper_new(&c, NULL);
    broker b = paper_broker(p);
    broker_set_update_fn(b, capture, NULL);
    broker_connect(b, NULL);
    return p;
}

static void bar(paper *p, const char *s, double o, double h, double l, double c, tb_qty v,
                int64_t t)
{
    tb_money O, H, L, C;
    tb_money_from_double(o, 1, &O, NULL);
    tb_money_from_double(h, 1, &H, NULL);
    tb_money_from_double(l, 1, &L, NULL);
    tb_money_from_double(c, 1, &C, NULL);
    tb_err e = {{0}};
    if (paper_on_bar(p, s, O, H, L, C, v, t, &e) != 0) TBT_FAIL("bar: %s", e.msg);
}

static oms_order order(const char *id, oms_side side, oms_type type, tb_qty q)
{
    oms_order o;
    memset(&o, 0, sizeof o);
    strcpy(o.client_id, id);
    strcpy(o.symbol, "AAPL");
    o.side = side;
    o.type = type;
    o.qty = q;
    return o;
}

static void submit(paper *p, const oms_order *o)
{
    broker_submit_req r = {o, NULL, NULL};
    tb_err e = {{0}};
    if (broker_submit(paper_broker(p), &r, &e) != 0) TBT_FAIL("submit: %s", e.msg);
}

/* Submits a day order of q AAPL; px is its limit or stop price (unused for a market order). */
static void place(paper *p, const char *id, oms_side side, oms_type type, tb_qty q, tb_money px)
{
    oms_order o = order(id, side, type, q);
    if (type == OMS_LIMIT) o.limit_price = px;
    if (type == OMS_STOP) o.stop_price = px;
    submit(p, &o);
}

/* A paper exchange with configuration c that has seen one AAPL bar around $100 (minute 1). */
static paper *at_100(paper_config c)
{
    paper *p = mk(c);
    bar(p, "AAPL", 100, 101, 99, 100, 1000, 1 * MIN_NS);
    return p;
}

TEST(market_buy_fills_at_next_bars_open_plus_slippage)
{
    paper_config c = base_cfg();
    c.slippage_bps = 10;
    paper *p = at_100(c);
    place(p, "m1", OMS_BUY, OMS_MARKET, 10, 0);
    CHECK_INT(ups[0].status, OMS_ST_ACCEPTED);
    CHECK_INT(count_execs(), 0);
    bar(p, "AAPL", 200, 201, 199, 200, 1000, 2 * MIN_NS);
    const broker_update *x = last_exec();
    CHECK(x != NULL);
    if (!x) return;
    CHECK_INT(x->exec_price, TB_USD(200, 200000)); /* 200 + 10 bps */
    CHECK_INT(x->exec_qty, 10);
    CHECK_INT(x->cum_qty, 10);
    CHECK_INT(x->status, OMS_ST_FILLED);
    paper_free(p);
}

TEST(limit_buy_fills_only_when_low_trades_through)
{
    paper *p = at_100(base_cfg());
    place(p, "l1", OMS_BUY, OMS_LIMIT, 10, TB_USD(98, 0));
    bar(p, "AAPL", 99, 100, 98, 99, 1000, 2 * MIN_NS); /* touches 98 */
    CHECK_INT(count_execs(), 0);
    bar(p, "AAPL", 99, 100, 97.99, 99, 1000, 3 * MIN_NS);
    CHECK_INT(count_execs(), 1);
    CHECK_INT(last_exec()->exec_price, TB_USD(98, 0));
    paper_free(p);
}

TEST(limit_buy_fills_on_touch_when_configured)
{
    paper_config c = base_cfg();
    c.limit_fill_on_touch = 1;
    paper *p = at_100(c);
    place(p, "l1", OMS_BUY, OMS_LIMIT, 10, TB_USD(98, 0));
    bar(p, "AAPL", 99, 100, 98, 99, 1000, 2 * MIN_NS);
    CHECK_INT(count_execs(), 1);
    paper_free(p);
}

/* The price an order of 10 AAPL at px (its limit or stop) fills at when the next bar opens at
 * open, a dollar range around it (0 when it does not fill). */
static tb_money gap_fill(paper_config c, oms_side side, oms_type type, tb_money px, double open)
{
    paper *p = at_100(c);
    place(p, "g1", side, type, 10, px);
    bar(p, "AAPL", open, open + 1, open - 1, open, 1000, 2 * MIN_NS);
    tb_money filled = last_exec() ? last_exec()->exec_price : 0;
    paper_free(p);
    return filled;
}

TEST(limit_buy_gapping_below_fills_at_the_open)
{
    CHECK_INT(gap_fill(base_cfg(), OMS_BUY, OMS_LIMIT, TB_USD(98, 0), 95), TB_USD(95, 0));
}

TEST(stop_sell_triggers_at_the_stop_and_fills_with_slippage)
{
    paper_config c = base_cfg();
    c.slippage_bps = 100;
    c.margin = PAPER_REGT;
    paper *p = at_100(c);
    place(p, "s1", OMS_SELL, OMS_STOP, 10, TB_USD(95, 0));
    bar(p, "AAPL", 99, 100, 96, 97, 1000, 2 * MIN_NS);
    CHECK_INT(count_execs(), 0);
    bar(p, "AAPL", 97, 98, 94, 95, 1000, 3 * MIN_NS);
    CHECK_INT(last_exec() ? last_exec()->exec_price : 0, TB_USD(94, 50000)); /* 95 - 1% */
    paper_free(p);
}

TEST(stop_sell_gapping_below_fills_from_the_open)
{
    paper_config c = base_cfg();
    c.margin = PAPER_REGT;
    CHECK_INT(gap_fill(c, OMS_SELL, OMS_STOP, TB_USD(95, 0), 90), TB_USD(90, 0));
}

TEST(partial_fills_follow_volume_participation)
{
    paper_config c = base_cfg();
    c.participation_pct = 10;
    paper *p = at_100(c);
    place(p, "m1", OMS_BUY, OMS_MARKET, 250, 0);
    bar(p, "AAPL", 100, 101, 99, 100, 1000, 2 * MIN_NS);
    CHECK_INT(last_exec()->exec_qty, 100);
    CHECK_INT(last_exec()->status, OMS_ST_PARTIALLY_FILLED);
    bar(p, "AAPL", 100, 101, 99, 100, 1000, 3 * MIN_NS);
    bar(p, "AAPL", 100, 101, 99, 100, 1000, 4 * MIN_NS);
    CHECK_INT(count_execs(), 3);
    CHECK_INT(last_exec()->exec_qty, 50);
    CHECK_INT(last_exec()->cum_qty, 250);
    CHECK_INT(last_exec()->status, OMS_ST_FILLED);
    paper_free(p);
}

static const char *reject_reason(paper *p, oms_order *o)
{
    nups = 0;
    submit(p, o);
    return nups && ups[0].status == OMS_ST_REJECTED ? up_reason[0] : "(accepted)";
}

TEST(rejects_like_a_broker_unknown_symbol_zero_qty_closed_market_buying_power_short)
{
    static const char *const syms[] = {"AAPL", "MSFT"};
    paper_config c = base_cfg();
    c.symbols = syms;
    c.nsymbols = 2;
    c.initial_cash = TB_USD(10000, 0);
    paper *p = at_100(c);
    bar(p, "ZZZZ", 100, 101, 99, 100, 1000, 1 * MIN_NS);
    oms_order o = order("r1", OMS_BUY, OMS_MARKET, 10);
    strcpy(o.symbol, "ZZZZ");
    CHECK_STR(reject_reason(p, &o), "unknown symbol");
    strcpy(o.symbol, "MSFT"); /* tradable but no price yet */
    CHECK_STR(reject_reason(p, &o), "unknown symbol");
    strcpy(o.symbol, "AAPL");
    o.qty = 0;
    CHECK_STR(reject_reason(p, &o), "qty must be positive");
    o.qty = 101;
    CHECK_STR(reject_reason(p, &o), "insufficient buying power");
    o.qty = 99;
    CHECK_STR(reject_reason(p, &o), "(accepted)");
    oms_order s = order("r2", OMS_SELL, OMS_MARKET, 1);
    CHECK_STR(reject_reason(p, &s), "short sale not allowed in a cash account");
    paper_set_market_open(p, 0);
    o.qty = 1;
    CHECK_STR(reject_reason(p, &o), "market is closed");
    paper_free(p);
}

TEST(reg_t_margin_allows_twice_equity_and_short_sales)
{
    paper_config c = base_cfg();
    c.margin = PAPER_REGT;
    c.initial_cash = TB_USD(10000, 0);
    paper *p = at_100(c);
    oms_order o = order("g1", OMS_BUY, OMS_MARKET, 199);
    CHECK_STR(reject_reason(p, &o), "(accepted)");
    oms_order big = order("g2", OMS_BUY, OMS_MARKET, 2);
    CHECK_STR(reject_reason(p, &big), "insufficient buying power");
    paper_free(p);
    p = at_100(c);
    oms_order s = order("g3", OMS_SELL, OMS_MARKET, 50);
    CHECK_STR(reject_reason(p, &s), "(accepted)");
    paper_free(p);
}

TEST(commission_per_share_with_minimum_updates_cash_and_equity)
{
    paper_config c = base_cfg();
    c.commission_per_share = 5000; /* $0.005 */
    c.commission_min = TB_USD(1, 0);
    paper *p = at_100(c);
    place(p, "c1", OMS_BUY, OMS_MARKET, 10, 0);
    bar(p, "AAPL", 100, 103, 99, 102, 1000, 2 * MIN_NS);
    CHECK_INT(last_exec()->commission, TB_USD(1, 0));
    broker_account a = paper_account(p);
    CHECK_INT(a.cash, TB_USD(100000, 0) - TB_USD(1000, 0) - TB_USD(1, 0));
    CHECK_INT(a.equity, a.cash + 10 * TB_USD(102, 0));
    broker_position pos[4];
    int n = 0;
    CHECK_INT(broker_positions(paper_broker(p), pos, 4, &n, NULL), 0);
    CHECK_INT(n, 1);
    CHECK_INT(pos[0].qty, 10);
    CHECK_INT(pos[0].avg_price, TB_USD(100, 0));
    paper_free(p);
}

static void run_random(uint64_t seed, tb_money *prices, char ids[3][OMS_EXEC_ID_MAX + 1])
{
    paper_config c = base_cfg();
    c.seed = seed;
    c.slippage_bps = 50;
    c.slippage_random = 1;
    paper *p = at_100(c);
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "d%d", i);
        oms_order o = order(id, OMS_BUY, OMS_MARKET, 1);
        submit(p, &o);
        bar(p, "AAPL", 100, 101, 99, 100, 1000, (2 + i) * MIN_NS);
        prices[i] = last_exec()->exec_price;
        oms_strlcpy(ids[i], last_exec()->exec_id, sizeof ids[i]);
    }
    paper_free(p);
}

TEST(same_seed_gives_the_same_fills_and_ids)
{
    tb_money a[3], b[3], c[3];
    char ia[3][OMS_EXEC_ID_MAX + 1] = {{0}}, ib[3][OMS_EXEC_ID_MAX + 1] = {{0}},
                                 ic[3][OMS_EXEC_ID_MAX + 1] = {{0}};
    run_random(7, a, ia);
    run_random(7, b, ib);
    run_random(8, c, ic);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(ia, ib, sizeof ia) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0); /* the seed drives slippage */
}

TEST(execution_ids_never_repeat_across_a_restarted_exchange)
{
    /* Same seed, as after a restart: the new exchange's orders have new client ids, and their
     * executions must not reuse the ids of the old one's (the OMS would skip them as replays). */
    char before[3][OMS_EXEC_ID_MAX + 1], after[OMS_EXEC_ID_MAX + 1];
    tb_money px[3];
    run_random(7, px, before);
    paper *p = at_100(base_cfg());
    place(p, "restart-1", OMS_BUY, OMS_MARKET, 1, 0);
    bar(p, "AAPL", 100, 101, 99, 100, 1000, 2 * MIN_NS);
    oms_strlcpy(after, last_exec()->exec_id, sizeof after);
    paper_free(p);
    for (int i = 0; i < 3; i++) CHECK(strcmp(before[i], after) != 0);
    CHECK(strcmp(before[0], before[1]) != 0);
}

TEST(ioc_remainder_is_canceled_and_day_orders_expire_at_session_end)
{
    paper_config c = base_cfg();
    c.participation_pct = 10;
    paper *p = at_100(c);
    oms_order o = order("i1", OMS_BUY, OMS_MARKET, 150);
    o.tif = OMS_TIF_IOC;
    submit(p, &o);
    place(p, "d1", OMS_BUY, OMS_LIMIT, 10, TB_USD(50, 0));
    bar(p, "AAPL", 100, 101, 99, 100, 1000, 2 * MIN_NS);
    CHECK_INT(last_exec()->exec_qty, 100);
    CHECK_INT(ups[nups - 1].status, OMS_ST_CANCELED);
    CHECK_STR(up_ids[nups - 1], "i1");
    paper_end_session(p);
    CHECK_INT(ups[nups - 1].status, OMS_ST_EXPIRED);
    CHECK_STR(up_ids[nups - 1], "d1");
    paper_free(p);
}

TEST(acks_wait_for_the_latency_timer_on_an_event_base)
{
    struct event_base *eb = event_base_new();
    paper_config c = base_cfg();
    c.base = eb;
    c.latency_ns = 5000000; /* 5 ms */
    paper *p = at_100(c);
    place(p, "t1", OMS_BUY, OMS_MARKET, 1, 0);
    CHECK_INT(nups, 0);
    CHECK_INT(paper_pending_updates(p), 1);
    event_base_loop(eb, EVLOOP_ONCE);
    CHECK_INT(nups, 1);
    CHECK_INT(ups[0].status, OMS_ST_ACCEPTED);
    paper_free(p);
    event_base_free(eb);
}

/* With the OMS in front: a bracket goes parent fill -> legs live -> one leg fills -> other
 * canceled, and the OMS ends flat. */
static oms *bracket_run(double leg_bar_low, double leg_bar_high)
{
    paper_config c = base_cfg();
    paper *p = paper_new(&c, NULL);
    oms_config oc = {256, 16, 1024, 20260105};
    oms *m = oms_new(&oc, NULL);
    broker b = paper_broker(p);
    broker_connect(b, NULL);
    oms_set_broker(m, b);
    bar(p, "AAPL", 100, 101, 99, 100, 1000, 1 * MIN_NS);
    oms_intent in = {.strategy = "brk",
                     .symbol = "AAPL",
                     .side = OMS_BUY,
                     .type = OMS_MARKET,
                     .qty = 10,
                     .order_class = OMS_CLASS_BRACKET,
                     .take_profit_limit = TB_USD(110, 0),
                     .stop_loss_stop = TB_USD(95, 0)};
    const oms_order *o;
    tb_err e = {{0}};
    if (oms_submit(m, &in, &o, &e) != 0) TBT_FAIL("%s", e.msg);
    bar(p, "AAPL", 100, 101, 99, 100, 1000, 2 * MIN_NS);
    CHECK_INT(o->status, OMS_ST_FILLED);
    CHECK_INT(oms_open_orders(m, "AAPL", NULL, 0), 2);
    bar(p, "AAPL", 100, leg_bar_high, leg_bar_low, 100, 1000, 3 * MIN_NS);
    CHECK_INT(oms_update_errors(m), 0);
    CHECK_INT(oms_open_orders(m, "AAPL", NULL, 0), 0);
    CHECK_INT(oms_position_get(m, "AAPL")->qty, 0);
    paper_free(p);
    return m;
}

TEST(bracket_take_profit_fills_and_cancels_the_stop_loss)
{
    oms *m = bracket_run(99, 111);
    char id[160];
    snprintf(id, sizeof id, "tb-brk-AAPL-20260105-1-tp");
    CHECK_INT(oms_find(m, id)->status, OMS_ST_FILLED);
    snprintf(id, sizeof id, "tb-brk-AAPL-20260105-1-sl");
    CHECK_INT(oms_find(m, id)->status, OMS_ST_CANCELED);
    CHECK_INT(oms_position_get(m, "AAPL")->realized_pnl, TB_USD(100, 0));
    oms_free(m);
}

TEST(bracket_with_both_legs_hit_in_one_bar_assumes_the_stop_first)
{
    oms *m = bracket_run(94, 111);
    CHECK_INT(oms_find(m, "tb-brk-AAPL-20260105-1-sl")->status, OMS_ST_FILLED);
    CHECK_INT(oms_find(m, "tb-brk-AAPL-20260105-1-tp")->status, OMS_ST_CANCELED);
    CHECK_INT(oms_position_get(m, "AAPL")->realized_pnl, -TB_USD(50, 0));
    oms_free(m);
}

/* The account's equity and buying power come from sums kept as prices and positions move; over a
 * random session of bars, buys and sells on five symbols (margin account, shorts too) they always
 * equal a full sum of last price x position, and the per-fill check never fires. */
TEST(account_sums_kept_per_bar_equal_a_full_sum_over_a_random_session)
{
    paper_config c = base_cfg();
    c.margin = PAPER_REGT;
    paper *p = mk(c);
    paper_set_market_open(p, 1);
    static const char *syms[5] = {"AAPL", "MSFT", "TSLA", "SPY", "QQQ"};
    double last[5] = {0};
    uint64_t rng = 12345;
    int ids = 0;
    for (int step = 0; step < 3000; step++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = (int)((rng >> 33) % 5);
        double px = 50 + (double)((rng >> 20) % 10000) / 100.0;
        bar(p, syms[k], px, px + 0.5, px - 0.5, px, 100000, (step + 1) * MIN_NS);
        last[k] = px;
        if ((rng >> 40) % 3 == 0) {
            char id[32];
            snprintf(id, sizeof id, "o%d", ids++);
            oms_order o = order(id, (rng >> 45) % 2 ? OMS_BUY : OMS_SELL, OMS_MARKET,
                                1 + (tb_qty)((rng >> 50) % 50));
            strcpy(o.symbol, syms[k]);
            submit(p, &o);
        }
        broker_position pos[8];
        int n = 0;
        broker b = paper_broker(p);
        CHECK_INT(broker_positions(b, pos, 8, &n, NULL), 0);
        tb_money mv = 0, gross = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 5; j++)
                if (strcmp(pos[i].symbol, syms[j]) == 0) {
                    tb_money m;
                    tb_money_from_double(last[j], 1, &m, NULL);
                    m *= pos[i].qty;
                    mv += m;
                    gross += m < 0 ? -m : m;
                }
        broker_account a = paper_account(p);
        if (a.equity != a.cash + mv ||
            a.buying_power != (2 * a.equity - gross > 0 ? 2 * a.equity - gross : 0)) {
            TBT_FAIL("step %d: equity %lld, cash %lld + positions %lld", step, (long long)a.equity,
                     (long long)a.cash, (long long)mv);
            break;
        }
    }
    CHECK(count_execs() > 100);
    CHECK_INT(paper_invariant_violations(p), 0);
    paper_free(p);
}

TEST(symbols_past_max_symbols_are_refused_and_the_known_ones_keep_trading)
{
    paper_config c = base_cfg();
    c.max_symbols = 40;
    paper *p = mk(c);
    char nm[16];
    for (int i = 0; i < 40; i++) { /* fills the table: each symbol its own price */
        snprintf(nm, sizeof nm, "S%d", i);
        bar(p, nm, 10 + i, 10 + i, 10 + i, 10 + i, 1000, MIN_NS);
    }
    tb_money px;
    tb_money_from_double(10, 1, &px, NULL);
    tb_err e = {{0}};
    CHECK_INT(paper_on_bar(p, "EXTRA", px, px, px, px, 1000, 2 * MIN_NS, &e), -1);
    CHECK_CONTAINS(e.msg, "paper: more than 40 symbols");
    oms_position pos;
    oms_pos_init(&pos, "EXTRA2");
    pos.qty = 5;
    CHECK_INT(paper_restore_position(p, &pos, &e), -1);
    CHECK_CONTAINS(e.msg, "paper: no room to restore EXTRA2");
    /* Each known symbol still finds its own row: a buy of S37 fills at S37's next open. */
    oms_order o = order("c-s37", OMS_BUY, OMS_MARKET, 10);
    strcpy(o.symbol, "S37");
    submit(p, &o);
    bar(p, "S36", 50, 50, 50, 50, 1000, 3 * MIN_NS);
    CHECK(last_exec() == NULL);
    bar(p, "S37", 47, 47, 47, 47, 1000, 3 * MIN_NS);
    const broker_update *x = last_exec();
    CHECK(x != NULL);
    if (x) CHECK_INT(x->exec_qty, 10);
    if (x) CHECK_INT(x->exec_price, TB_USD(47, 0));
    CHECK_INT(paper_restore_position(p, &(oms_position){.symbol = "S3", .qty = 1}, &e), 0);
    paper_free(p);
}
