/*
 * test_admit: intents meet the broker before they become orders (trade/admit.h): a broker that
 * is not ready refuses every intent with its reason and no order is created; a permanent
 * rejection holds the symbol's entries (never its exits) for the configured time, then lets
 * them through; which broker reasons are permanent (broker/reject_class.h).
 */
#include "tbtest.h"
#include "oms_testutil.h"
#include "risk_fixture.h"

#include "broker/reject_class.h"
#include "oms/oms.h"
#include "broker/posdiff.h"
#include "trade/admit.h"

#include <stdio.h>
#include <string.h>

#define MIN_NS (60LL * 1000000000LL)

static broker_state fake_state = BROKER_READY;
static const char *fake_code; /* what not_ready answers (NULL: ready) */

static broker_state fb_state(void *s)
{
    return fake_state;
}
static const char *fb_not_ready(void *s, char *why, size_t n)
{
    if (fake_code) snprintf(why, n, "fake: %s for the test", fake_code);
    return fake_code;
}

static posdiff fake_diffs; /* what the broker's reconciliations saw */
static const struct posdiff *fb_differences(void *s)
{
    return &fake_diffs;
}

/* risk_fixture.h's hand-driven broker, with the state and not_ready under the test's control. */
static broker_vtable plain_vt, ready_vt;

/* One test's world: an order manager behind the fake broker, an admission, its verdict. */
typedef struct world {
    oms *m;
    tb_admit a;
    broker b;
    char gate[64], why[256];
} world;

static void setup(world *w)
{
    static fx f;
    fx_cur = &f; /* the fixture's broker functions look here */
    plain_vt = fx_vt, plain_vt.name = "plain", plain_vt.state = fb_state;
    ready_vt = plain_vt, ready_vt.name = "fake", ready_vt.not_ready = fb_not_ready;
    ready_vt.differences = fb_differences;
    memset(&fake_diffs, 0, sizeof fake_diffs);
    fake_state = BROKER_READY, fake_code = NULL;
    oms_config c = {256, 16, 256, 20260105};
    memset(w, 0, sizeof *w);
    w->m = f.m = oms_new(&c, NULL);
    w->b = (broker){&ready_vt, NULL};
    oms_set_broker(w->m, w->b);
    tb_admit_init(&w->a, 30);
}

static int check_at(world *w, const oms_intent *in, int64_t t)
{
    return tb_admit_check(&w->a, w->b, w->m, in, t, w->gate, sizeof w->gate, w->why, sizeof w->why);
}

static oms_intent intent(const char *sym, oms_side side, tb_qty q)
{
    return oms_test_order("s", sym, side, q);
}

/* A filled buy: the symbol then has a long position of q. */
static void hold_long(oms *m, const char *sym, tb_qty q)
{
    oms_intent in = intent(sym, OMS_BUY, q);
    const oms_order *o;
    tb_err e;
    CHECK_INT(oms_submit(m, &in, &o, &e), 0);
    char cid[OMS_CLIENT_ID_MAX + 1];
    snprintf(cid, sizeof cid, "%s", o->client_id);
    broker_update u = {.client_id = cid,
                       .status = OMS_ST_FILLED,
                       .has_exec = 1,
                       .exec_id = "x1",
                       .exec_qty = q,
                       .exec_price = 100000000,
                       .t_ns = 1};
    CHECK_INT(oms_on_update(m, &u, &e), 0);
    CHECK_INT(oms_position_get(m, sym)->qty, q);
}

static oms_order rejected(const char *sym, const char *note)
{
    oms_order o;
    memset(&o, 0, sizeof o);
    snprintf(o.symbol, sizeof o.symbol, "%s", sym);
    snprintf(o.client_id, sizeof o.client_id, "tb-s-%s-1", sym);
    snprintf(o.note, sizeof o.note, "%s", note);
    o.status = OMS_ST_REJECTED;
    return o;
}

TEST(a_broker_without_not_ready_is_ready_exactly_when_its_state_is_ready)
{
    world w;
    setup(&w);
    oms_free(w.m);
    broker b = {&plain_vt, NULL};
    char why[128];
    fake_state = BROKER_READY;
    CHECK(broker_not_ready(b, why, sizeof why) == NULL);
    fake_state = BROKER_DISCONNECTED;
    CHECK_STR(broker_not_ready(b, why, sizeof why), "disconnected");
    CHECK_CONTAINS(why, "plain: broker is disconnected");
    fake_state = BROKER_SYNCING;
    CHECK_STR(broker_not_ready(b, NULL, 0), "syncing");
    fake_state = BROKER_READY;
}

TEST(a_broker_not_ready_refuses_every_intent_with_its_reason_and_creates_no_order)
{
    world w;
    setup(&w);
    hold_long(w.m, "AAA", 10);
    int64_t orders = oms_next_seq(w.m);
    fake_code = "paused";
    oms_intent entry = intent("BBB", OMS_BUY, 5), exit = intent("AAA", OMS_SELL, 10);
    for (int i = 0; i < 100; i++) {
        CHECK_INT(check_at(&w, &entry, MIN_NS), 1);
        CHECK_STR(w.gate, "broker:paused");
        CHECK_CONTAINS(w.why, "fake: paused");
    }
    /* An exit cannot be sent either: refused now, asked again by the next signal. */
    CHECK_INT(check_at(&w, &exit, MIN_NS), 1);
    CHECK_INT(w.a.not_ready_refusals, 101);
    CHECK_INT(oms_next_seq(w.m), orders); /* no order was created */
    fake_code = NULL;
    CHECK_INT(check_at(&w, &entry, MIN_NS), 0);
    oms_free(w.m);
}

/* setup, 10 AAA held, and an AAA order the broker rejects for good at minute 10 (the hold
 * starts); the rejected order. */
static oms_order held_then_rejected(world *w)
{
    setup(w);
    hold_long(w->m, "AAA", 10);
    oms_order r = rejected("AAA", "201 Order rejected - reason:No trading permissions");
    tb_admit_on_reject(&w->a, &r, 10 * MIN_NS);
    return r;
}

TEST(a_permanent_rejection_holds_entries_not_exits_until_the_time_is_up)
{
    world w;
    oms_order r = held_then_rejected(&w); /* the hold starts */
    CHECK_INT(w.a.holds_started, 1);
    oms_intent add = intent("AAA", OMS_BUY, 5), exit = intent("AAA", OMS_SELL, 10),
               flip = intent("AAA", OMS_SELL, 15), other = intent("BBB", OMS_BUY, 5);
    CHECK_INT(check_at(&w, &add, 11 * MIN_NS), 1);
    CHECK_STR(w.gate, "reject_hold");
    CHECK_CONTAINS(w.why, "No trading permissions");
    CHECK_INT(check_at(&w, &flip, 11 * MIN_NS), 1); /* past flat: it opens a short */
    CHECK_INT(check_at(&w, &exit, 11 * MIN_NS), 0);
    CHECK_INT(check_at(&w, &other, 11 * MIN_NS), 0);
    /* Another rejection of the same symbol starts no second hold (one log line). */
    tb_admit_on_reject(&w.a, &r, 12 * MIN_NS);
    CHECK_INT(w.a.holds_started, 1);
    tb_admit_tick(&w.a, 41 * MIN_NS);
    CHECK(tb_admit_hold_of(&w.a, "AAA") != NULL); /* extended to 12 + 30 minutes */
    tb_admit_tick(&w.a, 42 * MIN_NS);
    CHECK(tb_admit_hold_of(&w.a, "AAA") == NULL);
    CHECK_INT(w.a.holds_ended, 1);
    CHECK_INT(check_at(&w, &add, 42 * MIN_NS), 0);
    CHECK_INT(w.a.hold_refusals, 2);
    oms_free(w.m);
}

TEST(exits_the_broker_keeps_rejecting_for_good_back_off_instead_of_going_out_every_bar)
{
    world w;
    oms_order r = held_then_rejected(&w); /* the hold starts */
    oms_intent exit = intent("AAA", OMS_SELL, 10);
    /* The flatten asks every bar for an hour: an exit goes out, is rejected, and each next one
     * waits 1, 2, 4, 8, then 15 minutes. */
    int sent = 0;
    for (int64_t t = 11; t < 71; t++) {
        if (check_at(&w, &exit, t * MIN_NS) == 0) {
            sent++;
            tb_admit_on_reject(&w.a, &r, t * MIN_NS);
        } else {
            CHECK_STR(w.gate, "reject_exit_backoff");
        }
    }
    CHECK(sent >= 6 && sent <= 8); /* 11, 12, 14, 18, 26, 41, 56 */
    CHECK_CONTAINS(w.why, "rejected");
    CHECK_INT(w.a.holds_started, 1); /* one hold, one log line, all along */
    oms_free(w.m);
}

TEST(a_short_sale_refusal_holds_short_entries_only_and_transient_ones_hold_nothing)
{
    world w;
    setup(&w);
    oms_order r = rejected("CCC", "403 asset \"CCC\" cannot be sold short");
    tb_admit_on_reject(&w.a, &r, MIN_NS);
    oms_intent sell = intent("CCC", OMS_SELL, 5), buy = intent("CCC", OMS_BUY, 5);
    CHECK_INT(check_at(&w, &sell, MIN_NS), 1);
    CHECK_INT(check_at(&w, &buy, MIN_NS), 0);
    oms_order margin = rejected("DDD", "201 Order rejected - reason:YOUR ORDER IS NOT ACCEPTED. "
                                       "IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH "
                                       "LOAN VALUE MUST EXCEED THE INITIAL MARGIN");
    tb_admit_on_reject(&w.a, &margin, MIN_NS);
    CHECK(tb_admit_hold_of(&w.a, "DDD") == NULL);
    tb_admit off;
    tb_admit_init(&off, 0); /* reject_hold_minutes 0: no holds at all */
    tb_admit_on_reject(&off, &r, MIN_NS);
    CHECK(tb_admit_hold_of(&off, "CCC") == NULL);
    oms_free(w.m);
}

TEST(permanent_and_transient_reasons_of_both_brokers)
{
    static const struct {
        const char *why;
        broker_reject_class k;
    } cases[] = {
        {"200 No security definition has been found for the request", BROKER_REJECT_SYMBOL},
        {"203 The security XYZ is not available or allowed for this account", BROKER_REJECT_SYMBOL},
        {"201 Order rejected - reason:No Trading Permissions", BROKER_REJECT_SYMBOL},
        {"201 Order rejected - reason:Contract is not available for short sale",
         BROKER_REJECT_SHORT},
        {"201 Order rejected - reason:The price does not conform to the minimum tick",
         BROKER_REJECT_TRANSIENT},
        {"201 Order rejected - reason:rejected by the emulator", BROKER_REJECT_TRANSIENT},
        {"110 The price does not conform to the minimum price variation", BROKER_REJECT_TRANSIENT},
        {"422 asset \"XYZ\" is not tradable", BROKER_REJECT_SYMBOL},
        {"422 asset XYZ is not active", BROKER_REJECT_SYMBOL},
        {"403 account is not allowed to short", BROKER_REJECT_SHORT},
        {"403 insufficient buying power", BROKER_REJECT_TRANSIENT},
        {"403 trade denied due to pattern day trading protection", BROKER_REJECT_TRANSIENT},
        {"403 potential wash trade detected. use complex orders", BROKER_REJECT_TRANSIENT},
        {"never reached the broker", BROKER_REJECT_TRANSIENT},
        {"", BROKER_REJECT_TRANSIENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (broker_reject_classify(cases[i].why) != cases[i].k)
            fprintf(stderr, "  case: %s\n", cases[i].why);
        CHECK_INT(broker_reject_classify(cases[i].why), cases[i].k);
    }
    CHECK_INT(broker_reject_classify(NULL), BROKER_REJECT_TRANSIENT);
}

TEST(a_persistent_position_difference_holds_entries_not_exits_until_it_is_resolved)
{
    world w;
    setup(&w);
    hold_long(w.m, "AAA", 10);
    broker_position b = {.symbol = "AAA", .qty = 4}; /* 6 shares sold behind the engine's back */
    uint64_t diffs = 0;
    oms_intent add = intent("AAA", OMS_BUY, 5), exit = intent("AAA", OMS_SELL, 4),
               other = intent("BBB", OMS_BUY, 5);
    posdiff_compare(&fake_diffs, "fake", w.m, &b, 1, &diffs);
    CHECK_INT(check_at(&w, &add, MIN_NS), 0); /* one round: may be a lagging list */
    posdiff_compare(&fake_diffs, "fake", w.m, &b, 1, &diffs);
    CHECK_INT(check_at(&w, &add, MIN_NS), 1); /* two rounds, same gap: persistent */
    CHECK_STR(w.gate, "position_difference");
    CHECK_CONTAINS(w.why, "engine holds 10, the broker 4");
    CHECK_INT(w.a.posdiff_refusals, 1);
    CHECK_INT(check_at(&w, &exit, MIN_NS), 0);
    CHECK_INT(check_at(&w, &other, MIN_NS), 0);
    b.qty = 10; /* the broker's list agrees again */
    posdiff_compare(&fake_diffs, "fake", w.m, &b, 1, &diffs);
    CHECK_INT(check_at(&w, &add, MIN_NS), 0);
    oms_free(w.m);
}
