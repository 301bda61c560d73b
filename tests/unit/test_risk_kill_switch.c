#include "tbtest.h"
#include "risk_fixture.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(kill_switch_blocks_entries_with_who_and_reason)
{
    fx f;
    fx_init_default(&f);
    oms_intent in = fx_intent("AAA", OMS_BUY, 10);
    CHECK_STR(fx_verdict(&f, &in), "pass");
    tb_err e;
    CHECK_INT(tb_risk_kill(f.r, "test", "drill", &e), 0);
    CHECK_STR(fx_blocked_by(&f, &in), "kill_switch");
    CHECK_STR(f.why, "kill switch engaged by test: drill");
    CHECK_INT(tb_risk_counts(f.r)[TB_GATE_KILL_SWITCH], 1);
    CHECK_INT(tb_risk_clear(f.r, "test", &e), 0);
    CHECK_STR(fx_verdict(&f, &in), "pass");
    fx_free(&f);
}

TEST(kill_switch_lets_exits_through)
{
    fx f;
    fx_init_default(&f);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 10), 0);
    tb_err e;
    tb_risk_kill(f.r, "test", "drill", &e);
    CHECK_STR(fx_verdict_for(&f, "AAA", OMS_SELL, 10), "pass");
    oms_intent more = fx_intent("AAA", OMS_BUY, 1);
    CHECK_INT(fx_gate(&f, &more), 1);
    fx_free(&f);
}

/* Issue 17: kill switch on, +20 long, 200 sells of 20 on one bar were all admitted (ending at
 * -3,980). The switch admits what reduces the position net of working orders: one sell of 20. */
TEST(kill_switch_admits_exits_only_up_to_the_exposure_counting_working_orders)
{
    fx f;
    tb_risk_cfg c = fx_cfg();
    c.limits.max_orders_per_minute = 0; /* the kill switch alone is under test */
    fx_init(&f, &c);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 20), 0);
    tb_err e;
    tb_risk_kill(f.r, "test", "drill", &e);
    int admitted = 0;
    for (int i = 0; i < 200; i++) {
        oms_intent out = fx_intent("AAA", OMS_SELL, 20);
        if (fx_submit(&f, &out))
            admitted++; /* working (accepted), not filled */
        else
            CHECK_STR(f.gate, "kill_switch");
    }
    CHECK_INT(admitted, 1);
    oms_exposure x;
    oms_exposure_get(f.m, NULL, "AAA", &x);
    CHECK_INT(x.filled - x.working_sell, 0);          /* never below zero if everything fills */
    oms_intent more = fx_intent("AAA", OMS_SELL, 21); /* larger than the exposure: refused */
    fx_free(&f);
    fx_init(&f, &c);
    CHECK_INT(fx_trade(&f, "AAA", OMS_BUY, 20), 0);
    tb_risk_kill(f.r, "test", "drill", &e);
    CHECK_INT(fx_gate(&f, &more), 1);
    more.qty = 20;
    CHECK_STR(fx_verdict(&f, &more), "pass");
    fx_free(&f);
}

TEST(kill_switch_cancels_every_open_order_and_counts_confirmations)
{
    fx f;
    fx_init_default(&f);
    oms_intent a = fx_intent("AAA", OMS_BUY, 10), b = fx_intent("BBB", OMS_BUY, 10);
    CHECK(fx_submit(&f, &a) != NULL);
    CHECK(fx_submit(&f, &b) != NULL);
    const oms_order *open[8];
    CHECK_INT(oms_open_orders_all(f.m, open, 8), 2);
    tb_err e;
    tb_risk_kill(f.r, "test", "drill", &e);
    CHECK_INT(oms_open_orders_all(f.m, open, 8), 0);
    tb_risk_kill_state k;
    tb_risk_kill_get(f.r, &k);
    CHECK_INT(k.cancels_requested, 2);
    CHECK_INT(k.cancels_confirmed, 2);
    f.auto_cancel = 0; /* a broker that has not confirmed yet */
    tb_risk_clear(f.r, "test", &e);
    CHECK(fx_submit(&f, &a) != NULL);
    tb_risk_kill(f.r, "test", "again", &e);
    tb_risk_kill_get(f.r, &k);
    CHECK_INT(k.cancels_requested, 1);
    CHECK_INT(k.cancels_confirmed, 0);
    fx_free(&f);
}

TEST(kill_switch_survives_a_restart_until_cleared)
{
    char dir[] = "/tmp/tb-kill-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    tb_risk_cfg c = fx_cfg();
    tb_err e;
    tb_risk *r = tb_risk_new(&c, dir, &e);
    CHECK_INT(tb_risk_kill(r, "repl", "halt", &e), 0);
    tb_risk_free(r);
    r = tb_risk_new(&c, dir, &e); /* the restart */
    tb_risk_kill_state k;
    tb_risk_kill_get(r, &k);
    CHECK_INT(k.engaged, 1);
    CHECK_STR(k.who, "repl");
    CHECK_STR(k.reason, "halt");
    CHECK_INT(tb_risk_clear(r, "repl", &e), 0);
    tb_risk_free(r);
    r = tb_risk_new(&c, dir, &e);
    tb_risk_kill_get(r, &k);
    CHECK_INT(k.engaged, 0);
    tb_risk_free(r);
    rmdir(dir);
}

TEST(kill_switch_file_flag_engages_and_removing_it_clears)
{
    char dir[] = "/tmp/tb-kill-XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/kill_switch.json", dir);
    tb_risk_cfg c = fx_cfg();
    tb_err e;
    tb_risk *r = tb_risk_new(&c, dir, &e);
    FILE *fp = fopen(path, "w");
    fputs("{\"reason\": \"broker outage\", \"who\": \"ops\"}\n", fp);
    fclose(fp);
    tb_risk_poll(r, 1);
    tb_risk_kill_state k;
    tb_risk_kill_get(r, &k);
    CHECK_INT(k.engaged, 1);
    CHECK_STR(k.who, "ops");
    CHECK_STR(k.reason, "broker outage");
    unlink(path);
    tb_risk_poll(r, 1);
    tb_risk_kill_get(r, &k);
    CHECK_INT(k.engaged, 0);
    tb_risk_free(r);
    rmdir(dir);
}

/* Found by the simulation (docs/simulation.md, invariant 4): a cancel the broker never got (it
 * was away) comes back as a working order at reconciliation, and a book restored after a restart
 * was never canceled (the gates see the order manager before it is restored). The switch cancels
 * again, at every tick, what was working before it was engaged; an exit placed since stays. */
TEST(kill_switch_cancels_again_what_the_broker_still_has_working_but_keeps_later_exits)
{
    fx f;
    fx_init_default(&f);
    oms_intent a = fx_intent("AAA", OMS_BUY, 10), b = fx_intent("BBB", OMS_BUY, 10);
    const oms_order *oa = fx_submit(&f, &a), *ob = fx_submit(&f, &b);
    CHECK(oa != NULL && ob != NULL);
    fx_fill(&f, ob->client_id, 10, 50); /* a position to exit during the halt */
    f.auto_cancel = 0;
    tb_err e;
    tb_risk_kill(f.r, "test", "drill", &e);
    CHECK_INT(oa->status, OMS_ST_PENDING_CANCEL);
    /* Reconciliation: the broker still has it working (the cancel never arrived). */
    broker_update u = {.client_id = oa->client_id, .status = OMS_ST_ACCEPTED, .t_ns = 2};
    CHECK_INT(oms_on_update(f.m, &u, &e), 0);
    CHECK_INT(oa->status, OMS_ST_ACCEPTED);
    oms_intent exit = fx_intent("BBB", OMS_SELL, 10);
    exit.type = OMS_STOP;
    exit.stop_price = 45 * 1000000LL;
    const oms_order *ox = fx_submit(&f, &exit);
    CHECK(ox != NULL);
    tb_risk_tick(f.r, &f.cx);
    CHECK_INT(oa->status, OMS_ST_PENDING_CANCEL);
    CHECK_INT(ox->status, OMS_ST_ACCEPTED);
    fx_free(&f);
}

TEST(kill_switch_engaged_before_a_restart_cancels_the_restored_book_at_the_first_tick)
{
    char dir[] = "/tmp/tb-kill-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    fx f;
    tb_risk_cfg c = fx_cfg();
    fx_init(&f, &c);
    oms_intent a = fx_intent("AAA", OMS_BUY, 10);
    const oms_order *oa = fx_submit(&f, &a);
    CHECK(oa != NULL);
    oms_order saved = *oa;
    tb_err e;
    tb_risk *r = tb_risk_new(&c, dir, &e);
    CHECK_INT(tb_risk_kill(r, "repl", "halt", &e), 0);
    tb_risk_free(r);
    /* The restart, in the engine's order: gates (engaged from the file), then the order
     * manager they act on, then its book from the journal. */
    r = tb_risk_new(&c, dir, &e);
    oms_config oc = {4096, 64, 4096, 20260107};
    oms *m = oms_new(&oc, NULL);
    broker fb = {&fx_vt, NULL};
    oms_set_broker(m, fb);
    tb_risk_attach(r, m);
    CHECK_INT(oms_restore_order(m, &saved, &e), 0);
    const oms_order *open[4];
    CHECK_INT(oms_open_orders_all(m, open, 4), 1);
    tb_gate_ctx cx = f.cx;
    cx.oms = m;
    tb_risk_tick(r, &cx);
    CHECK_INT(oms_find(m, saved.client_id)->status, OMS_ST_PENDING_CANCEL);
    tb_risk_clear(r, "repl", &e);
    tb_risk_free(r);
    oms_free(m);
    fx_free(&f);
    rmdir(dir);
}
