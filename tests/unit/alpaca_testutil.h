/*
 * alpaca_testutil.h - the rig shared by the Alpaca adapter's tests (test_alpaca*.c): the
 * emulator (tests/emu/alpaca_emu.js), an order manager, the adapter, the event loop run until a
 * condition holds, and the emulator's counters. One test executable includes it once.
 */
#ifndef TB_TEST_ALPACA_TESTUTIL_H
#define TB_TEST_ALPACA_TESTUTIL_H

#include "emu_loop.h"
#include "oms_testutil.h"
#include "tbtest.h"

#include "broker/alpaca.h"

typedef struct rig {
    oms *m;
    alpaca *a;
    int fills;
} rig;

static inline void on_event(void *ud, const oms_event *ev)
{
    if (ev->kind == OMS_EV_FILL) ((rig *)ud)->fills++;
}

static inline void start_emu(const char *const *args)
{
    emu_loop_open("test_alpaca");
    emu_restart("alpaca_emu.js", args);
}

static const char *tls_ca; /* set by the TLS test: https and wss with this CA */
static long poll_after_ms; /* the order watchdog (0: off, as the other tests expect) */
static long unknown_deadline_ms, unknown_max_ms; /* unknown outcomes (0: the defaults) */

static inline void rig_open(rig *r, const char *key, long reconcile_ms)
{
    memset(r, 0, sizeof *r);
    oms_config oc = {.max_orders = 1024, .max_symbols = 64, .max_execs = 4096};
    tb_err e;
    r->m = oms_new(&oc, &e);
    oms_set_session_day(r->m, 20261127);
    oms_set_listener(r->m, on_event, r);
    char url[128], ws[128];
    snprintf(url, sizeof url, "%s://127.0.0.1:%d", tls_ca ? "https" : "http", E.port);
    snprintf(ws, sizeof ws, "%s://127.0.0.1:%d/stream", tls_ca ? "wss" : "ws", E.port);
    alpaca_opts o = {.base = base,
                     .trading_url = url,
                     .stream_url = ws,
                     .key_id = key ? key : "PKEMULATOR",
                     .secret_key = "emulator-secret",
                     .rate_per_minute = 6000,
                     .reconcile_interval_ms = reconcile_ms,
                     .stream_reconnect_min_ms = 100,
                     .stream_reconnect_max_ms = 400,
                     .cancel_poll_ms = 200,
                     .order_poll_after_ms = poll_after_ms,
                     .unknown_deadline_ms = unknown_deadline_ms,
                     .unknown_lookup_max_ms = unknown_max_ms,
                     .ca_file = tls_ca && *tls_ca ? tls_ca : NULL,
                     .oms = r->m};
    r->a = alpaca_new(&o, &e);
    CHECK(r->a != NULL);
    broker_connect(alpaca_broker(r->a), &e);
}

static inline int ready(rig *r)
{
    alpaca_stats st;
    alpaca_stats_get(r->a, &st);
    return broker_get_state(alpaca_broker(r->a)) == BROKER_READY && st.reconciles > 0;
}

static inline void rig_ready(rig *r, const char *key)
{
    rig_open(r, key, 0);
    WAIT_FOR(ready(r), 3000);
    WAIT_FOR(0, 100); /* the stream authenticates and listens */
}

/* The emulator started with args (NULL: its defaults) and a rig ready on it. */
static inline void rig_start(rig *r, const char *const *args)
{
    start_emu(args);
    rig_ready(r, NULL);
}

/* The adapter's counters now. */
static inline alpaca_stats rig_stats(rig *r)
{
    alpaca_stats st;
    alpaca_stats_get(r->a, &st);
    return st;
}

static inline void rig_close(rig *r)
{
    alpaca_free(r->a);
    oms_free(r->m);
}

static inline const oms_order *place(rig *r, const char *id, oms_side side, oms_type type,
                                     tb_qty qty, tb_money limit)
{
    oms_intent in = oms_test_order("t", "AAPL", side, qty);
    in.client_id = id, in.type = type, in.limit_price = limit;
    return oms_test_submit(r->m, &in);
}

static inline const oms_order *buy(rig *r, const char *id, oms_type type, tb_qty qty,
                                   tb_money limit)
{
    return place(r, id, OMS_BUY, type, qty, limit);
}

/* How many orders the emulator was given with this client_order_id. */
static inline int posts(const char *cid)
{
    return emu_stat(cid, 0);
}

/* How many POST /v2/orders the emulator received with this client_order_id. */
static inline int post_requests(const char *cid)
{
    const char *s = strstr(emu_ctl(&E, "stats", NULL), "\"post_requests\":");
    char key[200];
    snprintf(key, sizeof key, "\"%s\":", cid);
    const char *p = s ? strstr(s, key) : NULL;
    return p ? atoi(p + strlen(key)) : 0;
}

static inline oms_status status_of(rig *r, const char *cid)
{
    const oms_order *o = oms_find(r->m, cid);
    return o ? o->status : OMS_ST_COUNT;
}

#endif
