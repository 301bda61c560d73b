/*
 * trader_gate.c - the gates an intent passes (broker readiness, the engine's kill switch, the
 * configured gate chain), the view of the account and prices they get (tb_gate_ctx), and the
 * kill switch's switch and its cancel of every working order.
 */
#include "trade/trader.h"
#include "trade/trader_priv.h"
#include "trade/trader_state.h"
#include "log/log.h"

#include <math.h>
#include <stdio.h>

const tb_counters *tb_trader_gate_blocks(const tb_trader *t)
{
    return &t->gate_blocks;
}

tb_counters *tb_trader_gate_blocks_mut(tb_trader *t)
{
    return &t->gate_blocks;
}

void tb_trader_set_halt(tb_trader *t, int halted, const char *reason)
{
    t->halted = halted;
    snprintf(t->halt_reason, sizeof t->halt_reason, "%s", halted && reason ? reason : "");
}

int tb_trader_halted(const tb_trader *t, const char **reason)
{
    if (reason) *reason = t->halt_reason;
    return t->halted;
}

int tb_trader_cancel_all(tb_trader *t)
{
    int asked = 0;
    for (uint32_t id = 0; id < tb_symtab_count(t->o.syms); id++) {
        const oms_order *open[256];
        int n = oms_open_orders(t->oms, tb_symtab_name(t->o.syms, id), open, 256);
        for (int i = 0; i < n && i < 256; i++) {
            if (open[i]->status == OMS_ST_PENDING_CANCEL) continue;
            tb_err e;
            if (oms_cancel(t->oms, open[i]->client_id, &e) == 0)
                asked++;
            else
                TB_WARN("orders", "cancel %s: %s", open[i]->client_id, e.msg);
        }
    }
    return asked;
}

const tb_admit *tb_trader_admit(const tb_trader *t)
{
    return &t->admit;
}

static double last_price_cb(void *ud, const char *symbol)
{
    return tb_trader_last_price(ud, symbol);
}

static double last_volume_cb(void *ud, const char *symbol)
{
    tb_trader *t = ud;
    int64_t id = tb_trader_sym_id(t, symbol);
    if (id < 0 || (uint32_t)id >= t->nsym || !t->sym[id].ready || !t->sym[id].bars.len) return NAN;
    return tb_ring_get(&t->sym[id].bars, 0)->volume;
}

/* The last price of an order manager position: its symbol id looked up by name once per
 * symbol. */
static inline double position_last(tb_trader *t, const oms_position *p)
{
    uint32_t k = oms_position_index(t->oms, p);
    int64_t id = k < t->npos_sym ? t->pos_sym[k] : -1;
    if (id < 0) {
        id = tb_symtab_find(t->o.syms, p->symbol); /* names are never removed: ids are stable */
        if (id < 0) return NAN;
        if (k < t->npos_sym) t->pos_sym[k] = (int32_t)id;
    }
    return (uint32_t)id < t->nsym && t->sym[id].ready ? t->sym[id].last : NAN;
}

static double position_last_cb(void *ud, const oms_position *p)
{
    return position_last(ud, p);
}

static void positions_last_cb(void *ud, const oms_position *const *p, int n, double *out)
{
    for (int i = 0; i < n; i++) out[i] = position_last(ud, p[i]);
}

void tb_trader_gate_ctx(tb_trader *t, tb_gate_ctx *cx)
{
    /* Asked on every bar (gate_tick): inside the current session's day it is that session's. */
    int in_day = t->in_session && t->now_ns >= t->session.pre_open_ns &&
                 t->now_ns < t->session.post_close_ns;
    *cx = (tb_gate_ctx){
        .oms = t->oms,
        .account = tb_trader_account(t),
        .cal = t->o.cal,
        .now_ns = t->now_ns,
        .session_day = in_day      ? t->session_ymd
                       : t->now_ns ? tb_cal_session_yyyymmdd(t->now_ns)
                                   : 0,
        .session = t->in_session && t->gate_session_ok ? &t->gate_session : NULL,
        .last_price = last_price_cb,
        .last_volume = last_volume_cb,
        .position_last = position_last_cb,
        .positions_last = positions_last_cb,
        .price_ud = t,
    };
}

int tb_trader_gate(tb_trader *t, const oms_intent *in, char *gate, size_t gate_len, char *why,
                   size_t why_len)
{
    /* The broker first: an order it cannot take now is refused before it exists. */
    if (tb_admit_check(&t->admit, tb_trader_broker(t), t->oms, in, t->now_ns, gate, gate_len, why,
                       why_len)) {
        t->st.blocked++;
        return 1;
    }
    if (!t->o.gate) return 0;
    tb_gate_ctx cx;
    tb_trader_gate_ctx(t, &cx);
    if (!t->o.gate(t->o.gate_ud, &cx, in, gate, gate_len, why, why_len)) return 0;
    t->st.blocked++;
    return 1;
}

int tb_trader_gate_all(tb_trader *t, const oms_intent *in, char *gate, size_t gate_len, char *why,
                       size_t why_len)
{
    if (t->halted && !oms_intent_reduces(t->oms, NULL, in)) {
        snprintf(gate, gate_len, "kill_switch");
        snprintf(why, why_len,
                 "kill switch engaged: %s (only orders that reduce the account's "
                 "position, net of working orders, pass)",
                 t->halt_reason);
        t->st.blocked++;
        return 1;
    }
    return tb_trader_gate(t, in, gate, gate_len, why, why_len);
}
