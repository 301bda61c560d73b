/*
 * fake_broker.h - a broker for order-manager tests: it counts calls, can refuse a submit before
 * sending (as an adapter does when not ready) and a cancel (the connection gone), shows each
 * submit to a test's hook (what was journaled by then), and keeps the update callback the OMS
 * registers, so a test delivers updates the way an adapter does (fake_broker_deliver). Include it
 * in one test file.
 */
#ifndef TB_TEST_FAKE_BROKER_H
#define TB_TEST_FAKE_BROKER_H

#include "oms/broker.h"

static struct {
    int submits, cancels, replaces;
    int refuse_submit; /* 1: submit fails with "not ready" and sends nothing */
    int refuse_cancel; /* 1: cancel fails with "not connected" and sends nothing */
    void (*on_submit)(const broker_submit_req *r); /* called for each submit sent */
    broker_update_fn fn;
    void *ud;
} fake_broker_st;

static int fake_broker_ok(void *s, tb_err *e)
{
    return 0;
}
static broker_state fake_broker_state(void *s)
{
    return BROKER_READY;
}
static int fake_broker_submit(void *s, const broker_submit_req *r, tb_err *e)
{
    if (fake_broker_st.refuse_submit) return tb_errf(e, "fake: broker is syncing, not ready");
    if (fake_broker_st.on_submit) fake_broker_st.on_submit(r);
    fake_broker_st.submits++;
    return 0;
}
static int fake_broker_cancel(void *s, const oms_order *o, tb_err *e)
{
    if (fake_broker_st.refuse_cancel) return tb_errf(e, "fake: not connected");
    fake_broker_st.cancels++;
    return 0;
}
static int fake_broker_replace(void *s, const broker_replace_req *r, tb_err *e)
{
    fake_broker_st.replaces++;
    return 0;
}
static int fake_broker_positions(void *s, broker_position *o, int cap, int *n, tb_err *e)
{
    *n = 0;
    return 0;
}
static int fake_broker_account(void *s, broker_account *a, tb_err *e)
{
    a->has = 0;
    return 0;
}
static void fake_broker_set_update(void *s, broker_update_fn fn, void *ud)
{
    fake_broker_st.fn = fn, fake_broker_st.ud = ud;
}
/* not_ready NULL: ready exactly when the state is (broker.h). */
static const broker_vtable fake_broker_vt = {"fake",
                                             fake_broker_ok,
                                             fake_broker_ok,
                                             fake_broker_state,
                                             fake_broker_submit,
                                             fake_broker_cancel,
                                             fake_broker_replace,
                                             fake_broker_positions,
                                             fake_broker_account,
                                             fake_broker_set_update,
                                             NULL,
                                             NULL};

/* The fake broker handle, its counters reset. */
static inline broker fake_broker(void)
{
    memset(&fake_broker_st, 0, sizeof fake_broker_st);
    return (broker){&fake_broker_vt, NULL};
}

/* Delivers u through the callback the OMS registered (as an adapter does). */
static inline void fake_broker_deliver(const broker_update *u)
{
    if (fake_broker_st.fn) fake_broker_st.fn(fake_broker_st.ud, u);
}

#endif
