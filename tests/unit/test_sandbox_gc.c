/* The strategies' Lua collector runs between bars (tb_lua_gc_defer / tb_shost_gc_pay), never
 * inside a call, while the memory cap still holds and garbage never counts against it. */
#include "lua/sandbox.h"
#include "strategy/host.h"
#include "tbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MB (1u << 20)

static const tb_lua_limits lim = {.mem_limit = 16u << 20, .instr_budget = 50000000};

/* A host with one strategy whose on_bar runs src (ctx and bar in scope). */
static void host_with(tb_shost *h, const char *on_bar_body)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/tbtest-gc-%d.lua", (int)getpid());
    FILE *f = fopen(path, "w");
    fprintf(f, "return { on_bar = function(ctx, bar) %s end }\n", on_bar_body);
    fclose(f);
    tb_shost_init(h, &lim);
    tb_strategy_cfg c = {.name = "gc", .file = path, .enabled = 1};
    tb_err e;
    CHECK_INT(tb_shost_add(h, &c, &e), 0);
    remove(path);
}

/* About 1 MB of tables that are garbage when on_bar returns. */
static const char *garbage = "for i = 1, 10000 do local t = {i, i, i, i} end";

TEST(a_strategy_call_does_no_collector_work_and_the_pay_after_the_bar_does)
{
    tb_shost h;
    host_with(&h, garbage);
    tb_lua_ctl *c = tb_lua_ctl_of(h.s[0]->L);
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    tb_shost_gc_pay(&h);
    size_t before = c->used;
    tb_shost_on_bar(&h, &bar);
    CHECK_INT(h.s[0]->errors, 0);
    /* Nothing was freed inside the call: every table is still counted. */
    CHECK(c->used - before > MB * 9 / 10);
    size_t grown = c->used;
    /* A payment is a bounded slice (the loop stays responsive); the rest waits for the next. */
    int steps = tb_lua_gc_pay(h.s[0]->L);
    CHECK(steps > 0 && steps <= 16);
    for (int i = 0; i < 100 && c->used >= grown; i++) tb_lua_gc_pay(h.s[0]->L);
    CHECK(c->used < grown);
    tb_shost_free(&h);
}

TEST(memory_stays_bounded_over_many_bars_paid_between_them)
{
    tb_shost h;
    host_with(&h, garbage);
    tb_lua_ctl *c = tb_lua_ctl_of(h.s[0]->L);
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    size_t most = 0;
    for (int i = 0; i < 200; i++) { /* 200 MB allocated in all against a 16 MB cap */
        tb_shost_on_bar(&h, &bar);
        tb_shost_gc_pay(&h);
        if (c->used > most) most = c->used;
    }
    CHECK_INT(h.s[0]->errors, 0);
    CHECK(most < 6 * MB);
    tb_shost_free(&h);
}

TEST(a_state_nobody_pays_for_still_collects_before_its_calls)
{
    tb_shost h;
    host_with(&h, "for i = 1, 2000 do local t = {i, i, i, i} end"); /* ~200 KB a bar */
    tb_lua_ctl *c = tb_lua_ctl_of(h.s[0]->L);
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    size_t most = 0;
    for (int i = 0; i < 500; i++) { /* 100 MB, no tb_shost_gc_pay */
        tb_shost_on_bar(&h, &bar);
        if (c->used > most) most = c->used;
    }
    CHECK_INT(h.s[0]->errors, 0);
    CHECK(most < 4 * MB); /* not up to the cap and the emergency collection there */
    tb_shost_free(&h);
}

TEST(garbage_past_the_cap_inside_one_call_does_not_stop_an_honest_strategy)
{
    tb_shost h;
    /* 64 MB of garbage in one call, four times the cap: the allocator's refusal at the cap runs
     * Lua's full emergency collection, which the deferral does not stop. */
    host_with(&h, "for i = 1, 64 do local s = string.rep('x', 1 << 20) .. i end");
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    for (int i = 0; i < 3; i++) tb_shost_on_bar(&h, &bar);
    CHECK_INT(h.s[0]->errors, 0);
    CHECK(!h.s[0]->disabled);
    CHECK(tb_lua_ctl_of(h.s[0]->L)->used < lim.mem_limit);
    tb_shost_free(&h);
}

TEST(garbage_at_the_cap_inside_a_pcall_does_not_stop_an_honest_strategy)
{
    tb_shost h;
    /* Each error is caught (a catch point that would turn a real memory stop into a stop): the
     * refusal the emergency collection cures is not one. */
    host_with(&h, "for i = 1, 64 do pcall(function() local s = string.rep('x', 1 << 20) .. i "
                  "error('e') end) end ctx.state.n = (ctx.state.n or 0) + 1");
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    for (int i = 0; i < 3; i++) tb_shost_on_bar(&h, &bar);
    CHECK_INT(h.s[0]->errors, 0);
    tb_err e;
    json_t *state = tb_shost_state_get(&h, h.s[0], &e); /* every call ran to its end */
    CHECK(state != NULL);
    CHECK_INT(json_integer_value(json_object_get(state, "n")), 3);
    json_decref(state);
    tb_shost_free(&h);
}

TEST(a_strategy_keeping_everything_is_still_stopped_at_its_cap)
{
    tb_shost h;
    host_with(&h, "ctx.state.keep = ctx.state.keep or {} "
                  "for i = 1, 1e9 do ctx.state.keep[#ctx.state.keep + 1] = string.rep('x', 4096) "
                  ".. i end");
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    tb_shost_on_bar(&h, &bar);
    CHECK_INT(h.s[0]->errors, 1);
    CHECK_CONTAINS(h.s[0]->last_error, "memory limit exceeded (16 MB)");
    CHECK(tb_lua_ctl_of(h.s[0]->L)->used <= lim.mem_limit);
    tb_shost_free(&h);
}

/* Collector work runs outside calls, where no watchdog runs: a weak-key table whose values chain
 * its keys makes one step of the atomic phase long (ephemerons converge pass by pass). A payment
 * over the time limit is the strategy's overrun, as the same work inside its call would be. */
TEST(a_payment_over_the_time_limit_is_the_strategy_s_overrun)
{
    tb_shost h;
    host_with(&h, "local st = ctx.state "
                  "if not st.wk then st.wk = setmetatable({}, {__mode = 'k'}) st.head = {} "
                  "st.last = st.head st.n = 0 end "
                  "if st.n < 60000 then for i = 1, 4000 do local k = {} st.wk[st.last] = k "
                  "st.last = k end st.n = st.n + 4000 end "
                  "for i = 1, 2000 do local t = {i, i, i, i} end");
    h.lim.time_limit_ms = 5; /* the calls keep the state's own limits (none here) */
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    for (int i = 0; i < 2000 && h.s[0]->overruns == 0; i++) {
        tb_shost_on_bar(&h, &bar);
        tb_shost_gc_pay(&h);
    }
    CHECK_INT(h.s[0]->overruns, 1);
    CHECK_CONTAINS(h.s[0]->last_error, "collecting its garbage took");
    CHECK_CONTAINS(h.s[0]->last_error, "(time limit 5 ms)");
    tb_shost_free(&h);
}

/* Honest garbage is paid in slices far under the limit: no overrun. */
TEST(paying_for_honest_garbage_is_no_overrun)
{
    tb_shost h;
    host_with(&h, garbage);
    h.lim.time_limit_ms = 50;
    tb_bar_view bar = {.symbol = "AAPL", .close = 100};
    for (int i = 0; i < 200; i++) {
        tb_shost_on_bar(&h, &bar);
        tb_shost_gc_pay(&h);
    }
    CHECK_INT(h.s[0]->overruns, 0);
    CHECK_INT(h.s[0]->errors, 0);
    tb_shost_free(&h);
}
