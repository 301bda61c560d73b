/*
 * risk_fixture.h - a real order manager behind a broker the test drives by hand (accept, fill,
 * partial fill, reject, cancel), the risk gates, and the context the trader would give them.
 * Included by tests/unit/test_risk_*.c after tbtest.h.
 */
#ifndef RISK_FIXTURE_H
#define RISK_FIXTURE_H

/* Each test file uses a part of the fixture. */
#pragma GCC diagnostic ignored "-Wunused-function"

#include "data/calendar.h"
#include "intent_testutil.h"
#include "oms/oms.h"
#include "risk/gates.h"
#include "util/clock.h"

#include <math.h>

#include <stdio.h>
#include <string.h>

#define FX_SYMS 16

typedef struct fx {
    oms *m;
    tb_risk *r;
    tb_cal cal;
    tb_gate_ctx cx;
    const char *sym[FX_SYMS];
    double px[FX_SYMS];
    int nsym;
    int exec_seq;
    int auto_cancel; /* the broker confirms cancels at once */
    char gate[64], why[256];
} fx;

static fx *fx_cur;

static int fxb_ok(void *s, tb_err *e)
{
    return 0;
}
static broker_state fxb_state(void *s)
{
    return BROKER_READY;
}
static int fxb_submit(void *s, const broker_submit_req *r, tb_err *e)
{
    return 0;
}
static int fxb_cancel(void *s, const oms_order *o, tb_err *e)
{
    if (!fx_cur->auto_cancel) return 0;
    broker_update u = {.client_id = o->client_id, .status = OMS_ST_CANCELED, .t_ns = 1};
    oms_on_update(fx_cur->m, &u, e);
    return 0;
}
static int fxb_replace(void *s, const broker_replace_req *r, tb_err *e)
{
    return 0;
}
static int fxb_positions(void *s, broker_position *o, int cap, int *n, tb_err *e)
{
    *n = 0;
    return 0;
}
static int fxb_account(void *s, broker_account *a, tb_err *e)
{
    a->has = 0;
    return 0;
}
static void fxb_set_update(void *s, broker_update_fn fn, void *ud) {}
static const broker_vtable fx_vt = {"fixture",   fxb_ok,         fxb_ok,      fxb_state,
                                    fxb_submit,  fxb_cancel,     fxb_replace, fxb_positions,
                                    fxb_account, fxb_set_update, NULL,        NULL};

static double fx_price(void *ud, const char *s)
{
    fx *f = ud;
    for (int i = 0; i < f->nsym; i++)
        if (strcmp(f->sym[i], s) == 0) return f->px[i];
    return NAN;
}

static double fx_volume(void *ud, const char *s)
{
    return 100000;
}

static void fx_set_price(fx *f, const char *s, double px)
{
    for (int i = 0; i < f->nsym; i++)
        if (strcmp(f->sym[i], s) == 0) {
            f->px[i] = px;
            return;
        }
    f->sym[f->nsym] = s;
    f->px[f->nsym++] = px;
}

/* 10:00 ET on a trading day (yyyymmdd), equity and buying power in dollars. */
static void fx_at(fx *f, int32_t ymd, int hh, int mm)
{
    tb_date d = tb_date_from_ymd(ymd / 10000, ymd / 100 % 100, ymd % 100);
    f->cx.now_ns = tb_cal_local_to_ns(d, hh * 3600 + mm * 60);
    f->cx.session_day = ymd;
    oms_set_session_day(f->m, ymd);
}

static void fx_account(fx *f, double equity, double bp)
{
    f->cx.account.has = BROKER_HAS_CASH | BROKER_HAS_EQUITY | BROKER_HAS_BUYING_POWER;
    f->cx.account.equity = (tb_money)(equity * 1e6);
    f->cx.account.cash = f->cx.account.equity;
    f->cx.account.buying_power = (tb_money)(bp * 1e6);
}

static void fx_init(fx *f, const tb_risk_cfg *c)
{
    memset(f, 0, sizeof *f);
    fx_cur = f;
    f->auto_cancel = 1;
    tb_cal_init(&f->cal);
    oms_config oc = {4096, 64, 4096, 20260107};
    f->m = oms_new(&oc, NULL);
    broker b = {&fx_vt, NULL};
    oms_set_broker(f->m, b);
    f->r = tb_risk_new(c, NULL, NULL);
    tb_risk_attach(f->r, f->m);
    tb_macro m = {.vix = 18, .valid = 1, .time_ns = tb_clock_now_ns()};
    snprintf(m.source, sizeof m.source, "test");
    tb_risk_set_macro(f->r, &m);
    f->cx.oms = f->m;
    f->cx.cal = &f->cal;
    f->cx.last_price = fx_price;
    f->cx.last_volume = fx_volume;
    f->cx.price_ud = f;
    fx_account(f, 100000, 200000);
    fx_at(f, 20260107, 10, 0);
    fx_set_price(f, "AAA", 100);
    fx_set_price(f, "BBB", 50);
    fx_set_price(f, "CCC", 20);
}

static void fx_free(fx *f)
{
    tb_risk_free(f->r);
    oms_free(f->m);
}

static tb_risk_cfg fx_cfg(void);

/* fx_init with the default risk configuration. */
static void fx_init_default(fx *f)
{
    tb_risk_cfg c = fx_cfg();
    fx_init(f, &c);
}

static oms_intent fx_intent(const char *sym, oms_side side, tb_qty qty)
{
    return oms_test_order("t", sym, side, qty);
}

/* The gate's verdict on an intent (1 blocked; f->gate and f->why say by what). */
static int fx_gate(fx *f, const oms_intent *in)
{
    f->gate[0] = f->why[0] = 0;
    return tb_risk_gate(f->r, &f->cx, in, f->gate, sizeof f->gate, f->why, sizeof f->why);
}

/* The gates' verdict on an intent as text: why they block it, or "pass". */
static const char *fx_verdict(fx *f, const oms_intent *in)
{
    return fx_gate(f, in) ? f->why : "pass";
}

/* The gate that blocks an intent (f->why says why), or "pass". */
static const char *fx_blocked_by(fx *f, const oms_intent *in)
{
    return fx_gate(f, in) ? f->gate : "pass";
}

/* fx_verdict and fx_blocked_by of a market intent of qty sym (fx_intent's). */
static const char *fx_verdict_for(fx *f, const char *sym, oms_side side, tb_qty qty)
{
    oms_intent in = fx_intent(sym, side, qty);
    return fx_verdict(f, &in);
}

static const char *fx_blocked_by_for(fx *f, const char *sym, oms_side side, tb_qty qty)
{
    oms_intent in = fx_intent(sym, side, qty);
    return fx_blocked_by(f, &in);
}

/* A limit intent of qty sym at price dollars. */
static oms_intent fx_limit_intent(const char *sym, oms_side side, tb_qty qty, double price)
{
    oms_intent in = fx_intent(sym, side, qty);
    in.type = OMS_LIMIT;
    in.limit_price = (tb_money)(price * 1e6 + 0.5);
    return in;
}

/* Gate, then submit; the order's client id (static buffer per call site is the caller's), or
 * NULL when blocked. */
static const oms_order *fx_submit(fx *f, const oms_intent *in)
{
    if (fx_gate(f, in)) return NULL;
    const oms_order *o = NULL;
    tb_err e;
    if (oms_submit(f->m, in, &o, &e) < 0) return NULL;
    broker_update u = {.client_id = o->client_id, .status = OMS_ST_ACCEPTED, .t_ns = f->cx.now_ns};
    oms_on_update(f->m, &u, &e);
    return oms_find(f->m, o->client_id);
}

/* An execution of qty at price on the order (status follows the quantities). */
static int fx_fill(fx *f, const char *id, tb_qty qty, double price)
{
    const oms_order *o = oms_find(f->m, id);
    if (!o) return -1;
    char xid[32];
    snprintf(xid, sizeof xid, "x%d", ++f->exec_seq);
    int done = o->filled_qty + qty >= o->qty;
    broker_update u = {.client_id = id,
                       .status = done ? OMS_ST_FILLED : OMS_ST_PARTIALLY_FILLED,
                       .has_exec = 1,
                       .exec_id = xid,
                       .exec_qty = qty,
                       .exec_price = (tb_money)(price * 1e6 + 0.5),
                       .t_ns = f->cx.now_ns};
    tb_err e;
    return oms_on_update(f->m, &u, &e);
}

static int fx_reject(fx *f, const char *id)
{
    broker_update u = {.client_id = id, .status = OMS_ST_REJECTED, .reason = "test reject"};
    tb_err e;
    return oms_on_update(f->m, &u, &e);
}

/* Submits and fills at the last price at once; 0 when it went through. */
static int fx_trade(fx *f, const char *sym, oms_side side, tb_qty qty)
{
    oms_intent in = fx_intent(sym, side, qty);
    const oms_order *o = fx_submit(f, &in);
    if (!o) return -1;
    char id[OMS_CLIENT_ID_MAX + 1];
    snprintf(id, sizeof id, "%s", o->client_id);
    return fx_fill(f, id, qty, fx_price(f, sym));
}

static tb_risk_cfg fx_cfg(void)
{
    tb_risk_cfg c;
    tb_risk_cfg_defaults(&c);
    return c;
}

#endif
