/*
 * hours.c - orders only while the market takes them: the regular session by default; with
 * extended hours configured, pre-market and after-hours too, for limit orders only (what Alpaca
 * and IBKR accept outside the regular session).
 */
#include "risk/risk_priv.h"

#include <stdio.h>

/* 2: the regular session, 1: extended hours only, 0: closed. Inside the session the context
 * carries (the calendar's, computed once per session) its bounds answer, as tb_cal_is_open
 * would: now lies in that session's day. Elsewhere the calendar is asked. */
static int market_state(const tb_gate_ctx *cx)
{
    const tb_session *s = cx->session;
    int64_t t = cx->now_ns;
    if (s && s->trading && t >= s->pre_open_ns && t < s->post_close_ns)
        return t >= s->open_ns && t < s->close_ns ? 2 : 1;
    if (tb_cal_is_open(cx->cal, t, 0)) return 2;
    return tb_cal_is_open(cx->cal, t, 1);
}

int risk_hours_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n)
{
    if (!cx->now_ns) return 0; /* no clock yet (a test without bars): nothing to judge */
    int state = market_state(cx);
    if (state == 2) return 0;
    if (state == 0) {
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
