/*
 * test_broker_fwd.c - the decorator forwarders of oms/broker.h (the session recorder and the
 * replay broker pass these functions through): each reaches the wrapped broker, with the
 * wrapped broker's own state and the caller's arguments, and returns what it returned.
 */
#include "oms/broker.h"
#include "tbtest.h"

#include <string.h>

typedef struct inner_state {
    int calls;
    const void *last_arg;
} inner_state;

static inner_state *seen(void *self, const void *arg)
{
    inner_state *s = self;
    s->calls++;
    s->last_arg = arg;
    return s;
}

static int i_connect(void *self, tb_err *e)
{
    seen(self, e);
    return 11;
}
static int i_disconnect(void *self, tb_err *e)
{
    seen(self, e);
    return 12;
}
static broker_state i_state(void *self)
{
    seen(self, NULL);
    return BROKER_SYNCING;
}
static int i_cancel(void *self, const oms_order *o, tb_err *e)
{
    seen(self, o);
    return 13;
}
static int i_positions(void *self, broker_position *out, int cap, int *n, tb_err *e)
{
    seen(self, out);
    snprintf(out[0].symbol, sizeof out[0].symbol, "AAPL");
    *n = cap - 1;
    return 14;
}
static int i_account(void *self, broker_account *out, tb_err *e)
{
    seen(self, out);
    out->cash = 123456789;
    return 15;
}
static const char *i_not_ready(void *self, char *why, size_t len)
{
    seen(self, why);
    snprintf(why, len, "inner is paused");
    return "paused";
}
static const struct posdiff *i_differences(void *self)
{
    return (const struct posdiff *)seen(self, NULL);
}

static const broker_vtable inner_vt = {.name = "inner",
                                       .connect = i_connect,
                                       .disconnect = i_disconnect,
                                       .state = i_state,
                                       .cancel = i_cancel,
                                       .positions = i_positions,
                                       .account = i_account,
                                       .not_ready = i_not_ready,
                                       .differences = i_differences};

static const broker_vtable deco_vt = {.name = "deco",
                                      .connect = broker_fwd_connect,
                                      .disconnect = broker_fwd_disconnect,
                                      .state = broker_fwd_state,
                                      .cancel = broker_fwd_cancel,
                                      .positions = broker_fwd_positions,
                                      .account = broker_fwd_account,
                                      .not_ready = broker_fwd_not_ready,
                                      .differences = broker_fwd_differences};

typedef struct deco {
    broker inner; /* first, as the forwarders require */
    int own;
} deco;

TEST(each_forwarder_reaches_the_wrapped_broker_with_the_callers_arguments)
{
    inner_state in = {0};
    deco d = {.inner = {.vt = &inner_vt, .self = &in}, .own = 7};
    broker b = {.vt = &deco_vt, .self = &d};
    tb_err e = {{0}};
    oms_order o;
    memset(&o, 0, sizeof o);
    CHECK_INT(broker_connect(b, &e), 11);
    CHECK(in.last_arg == &e);
    CHECK_INT(broker_disconnect(b, &e), 12);
    CHECK_INT(broker_get_state(b), BROKER_SYNCING);
    CHECK_INT(broker_cancel(b, &o, &e), 13);
    CHECK(in.last_arg == &o);
    broker_position pos[4];
    int n = 0;
    CHECK_INT(broker_positions(b, pos, 4, &n, &e), 14);
    CHECK_INT(n, 3);
    CHECK_STR(pos[0].symbol, "AAPL");
    broker_account a = {0};
    CHECK_INT(broker_account_get(b, &a, &e), 15);
    CHECK_INT(a.cash, 123456789);
    char why[64];
    CHECK_STR(broker_not_ready(b, why, sizeof why), "paused");
    CHECK_STR(why, "inner is paused");
    CHECK(broker_differences(b) == (const struct posdiff *)&in);
    CHECK_INT(in.calls, 8);
    CHECK_INT(d.own, 7); /* the decorator's own state is not the wrapped broker's */
}
