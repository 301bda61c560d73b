/*
 * hours.c - orders only while the market takes them: the regular session by default; with
 * extended hours configured, pre-market and after-hours too, for limit orders only (what Alpaca
 * and IBKR accept outside the regular session).
 */
#include "risk/risk_priv.h"

#include <stdio.h>

int risk_hours_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n)
{
    if (!cx->now_ns) return 0; /* no clock yet (a test without bars): nothing to judge */
    if (tb_cal_is_open(cx->cal, cx->now_ns, 0)) return 0;
    if (!tb_cal_is_open(cx->cal, cx->now_ns, 1)) {
        snprintf(why, n, "market closed");
        return 1;
    }
    if (!r->cfg.extended_hours) {
        snprintf(why, n, "outside the regular session (extended hours are off)");
        return 1;
    }
    if (o->in->type != OMS_LIMIT) {
        snprintf(why, n, "extended hours take limit orders only");
        return 1;
    }
    return 0;
}
