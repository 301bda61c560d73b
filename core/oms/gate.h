/*
 * gate.h - the check every intent passes before the order manager takes it: a gate sees the
 * intent and a context (the order manager, the account, the clock and the last prices) and
 * passes or blocks it. The trader (core/trade/trader.h) runs the gate hook; the risk gates
 * (core/risk/gates.h), the ML gate (core/ml/ml_gate.h) and their chain
 * (core/trade/gate_chain.h) plug in here. It sits with the order manager so that risk/ and ml/
 * depend on it without depending on the trading path.
 */
#ifndef TB_OMS_GATE_H
#define TB_OMS_GATE_H

#include "data/calendar.h"
#include "oms/oms.h"

#include <stddef.h>
#include <stdint.h>

/* What a gate sees besides the intent: the order manager, the account and the clock. Build it
 * with a designated initialiser (or tb_trader_gate_ctx) so that a field added later starts
 * zeroed: every optional field below means "not known, ask the slow way" when zero. */
typedef struct tb_gate_ctx {
    oms *oms;
    broker_account account; /* marked to the last prices */
    const tb_cal *cal;
    int64_t now_ns;      /* the trader's time (the replayed bar's end) */
    int32_t session_day; /* yyyymmdd of now_ns */
    /* cal's session of the current trading day, computed once per session; NULL: none known.
     * The hours gate uses its bounds while now_ns is inside them instead of asking cal twice
     * per intent; outside them (or NULL) it asks cal. */
    const tb_session *session;
    /* Last trade price and last bar volume of a symbol; NAN when never seen. */
    double (*last_price)(void *ud, const char *symbol);
    double (*last_volume)(void *ud, const char *symbol);
    /* Optional: last_price of a position's symbol (p from oms_positions, oms_position_get or
     * oms_order_position) without a lookup by name, which the gates would do for every open
     * position and order per intent. NULL: last_price(p->symbol). Both must give the same
     * price. */
    double (*position_last)(void *ud, const oms_position *p);
    /* Optional: position_last of n positions into out, in one call (the gates price every held
     * position per intent). NULL: position_last for each. Must give the same prices. */
    void (*positions_last)(void *ud, const oms_position *const *p, int n, double *out);
    void *price_ud;
} tb_gate_ctx;

/* The last price of position p as cx gives it (position_last, else by name). */
static inline double tb_gate_position_last(const tb_gate_ctx *cx, const oms_position *p)
{
    return cx->position_last ? cx->position_last(cx->price_ud, p)
                             : cx->last_price(cx->price_ud, p->symbol);
}

/* A gate verdict: 0 pass, 1 blocked (gate and reason filled). core/risk/gates.h plugs in here. */
typedef int (*tb_gate_fn)(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate,
                          size_t gate_len, char *reason, size_t reason_len);

/* Called after every bar with the same context: time-driven risk work (daily loss, sessions). */
typedef void (*tb_gate_tick_fn)(void *ud, const tb_gate_ctx *cx);

#endif
