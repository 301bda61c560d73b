/*
 * risk_lua.h - what tb.risk (risk_lua.c) reads. The engine that runs the gates attaches itself
 * when it opens and detaches when it closes, so the binding depends on the gates and the
 * configuration only, never on the engine.
 */
#ifndef TB_RISK_LUA_H
#define TB_RISK_LUA_H

#include "config/config.h"
#include "oms/gate.h"
#include "risk/gates.h"

typedef struct tb_risk_lua_src {
    tb_risk *const *risk; /* the running gates; *risk NULL: none (tb.risk raises) */
    const tb_config *cfg; /* risk.enabled and risk.day_trades, read at each call */
    /* Fills cx with the running trader's gate context; returns 0 when no trader runs. */
    int (*gate_ctx)(void *ud, tb_gate_ctx *cx);
    void *ud;
} tb_risk_lua_src;

/* Points tb.risk at src (copied; what it points to must outlive the attachment); NULL detaches. */
void tb_risk_lua_attach(const tb_risk_lua_src *src);

#endif
