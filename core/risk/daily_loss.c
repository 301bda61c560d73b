/*
 * daily_loss.c - the daily loss limit: when the session's loss (realised plus unrealised: equity
 * against the equity at the session's first bar) reaches the limit, open orders are cancelled,
 * positions closed at market (configurable) and entries halted until the next session.
 */
#include "risk/risk_priv.h"
#include "log/log.h"

#include <stdio.h>

static void close_all(tb_risk *r)
{
    const oms_position *ps[4096];
    int n = oms_positions(r->oms, ps, 4096);
    for (int i = 0; i < n && i < 4096; i++) {
        if (!ps[i]->qty) continue;
        oms_intent in = {.strategy = "risk",
                         .symbol = ps[i]->symbol,
                         .side = ps[i]->qty > 0 ? OMS_SELL : OMS_BUY,
                         .type = OMS_MARKET,
                         .tif = OMS_TIF_DAY,
                         .qty = ps[i]->qty > 0 ? ps[i]->qty : -ps[i]->qty,
                         .reason = "daily loss limit: close"};
        const oms_order *out;
        tb_err e;
        if (oms_submit(r->oms, &in, &out, &e) < 0)
            TB_ERROR("risk", "daily loss limit: close %s failed: %s", ps[i]->symbol, e.msg);
        else
            TB_WARN("risk", "daily loss limit: closing %s (%lld shares)", ps[i]->symbol,
                    (long long)in.qty);
    }
}

static void evaluate(tb_risk *r, const tb_gate_ctx *cx)
{
    if (!cx->session_day) return;
    if (cx->session_day != r->loss_day) {
        r->loss_day = cx->session_day;
        r->start_equity = cx->account.equity;
    }
    if (!r->cfg.daily_loss.limit || r->halted_day == cx->session_day) return;
    tb_money pnl = cx->account.equity - r->start_equity;
    if (pnl > -r->cfg.daily_loss.limit) return;
    r->halted_day = cx->session_day;
    char a[32], b[32];
    TB_WARN("risk",
            "daily loss limit reached: %s today (limit %s): entries halted until the next "
            "session",
            tb_money_fmt(pnl, a, sizeof a), tb_money_fmt(r->cfg.daily_loss.limit, b, sizeof b));
    risk_cancel_all(r, "daily loss limit");
    if (r->cfg.daily_loss.close_positions && r->oms) close_all(r);
}

void risk_daily_loss_tick(tb_risk *r, const tb_gate_ctx *cx)
{
    evaluate(r, cx);
}

int risk_daily_loss_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why,
                          size_t n)
{
    evaluate(r, cx);
    if (o->reduces || !r->halted_day || r->halted_day != cx->session_day) return 0;
    char b[32];
    snprintf(why, n, "daily loss limit %s reached: entries halted until the next session",
             tb_money_fmt(r->cfg.daily_loss.limit, b, sizeof b));
    return 1;
}
