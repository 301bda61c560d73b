/*
 * daily_loss.c - the daily loss limit: when the session's loss (realised plus unrealised: equity
 * against the equity at the session's first bar) reaches the limit, open orders are cancelled,
 * positions closed at market (configurable) and entries halted until the next session.
 */
#include "risk/risk_priv.h"
#include "log/log.h"

#include <stdio.h>
#include <string.h>

#define CLOSE_REASON "daily loss limit: close"

/* A closing order of ours is working for the position already. */
static int has_closing_order(tb_risk *r, const oms_position *p)
{
    const oms_order *open[64];
    int n = oms_open_orders(r->oms, p->symbol, open, 64);
    for (int i = 0; i < n && i < 64; i++)
        if (strcmp(open[i]->reason, CLOSE_REASON) == 0 &&
            open[i]->side == (p->qty > 0 ? OMS_SELL : OMS_BUY))
            return 1;
    return 0;
}

/* Sends a market order closing each position that has none; returns how many were refused (an
 * order is refused while the database is locked or broker updates wait to be committed). */
static int close_all(tb_risk *r)
{
    const oms_position *ps[4096];
    int n = oms_positions(r->oms, ps, 4096), refused = 0;
    for (int i = 0; i < n && i < 4096; i++) {
        if (!ps[i]->qty || has_closing_order(r, ps[i])) continue;
        oms_intent in = {.strategy = "risk",
                         .symbol = ps[i]->symbol,
                         .side = ps[i]->qty > 0 ? OMS_SELL : OMS_BUY,
                         .type = OMS_MARKET,
                         .tif = OMS_TIF_DAY,
                         .qty = ps[i]->qty > 0 ? ps[i]->qty : -ps[i]->qty,
                         .reason = CLOSE_REASON};
        const oms_order *out;
        tb_err e;
        if (oms_submit(r->oms, &in, &out, &e) < 0 && !out) {
            refused++;
            if (!r->close_logged)
                TB_ERROR("risk",
                         "daily loss limit: close %s failed: %s; retried on every risk tick",
                         ps[i]->symbol, e.msg);
        } else {
            TB_WARN("risk", "daily loss limit: closing %s (%lld shares)", ps[i]->symbol,
                    (long long)in.qty);
        }
    }
    return refused;
}

/* Closes what is left; the flag stays up until every position has its closing order. */
static void close_out(tb_risk *r)
{
    int refused = close_all(r);
    if (refused) {
        r->close_logged = 1;
        r->close_pending = 1;
        return;
    }
    if (r->close_logged) TB_INFO("risk", "daily loss limit: every position has its closing order");
    r->close_pending = r->close_logged = 0;
}

static void evaluate(tb_risk *r, const tb_gate_ctx *cx)
{
    if (!cx->session_day) return;
    if (cx->session_day != r->loss_day) {
        r->loss_day = cx->session_day;
        r->start_equity = cx->account.equity;
    }
    if (r->close_pending && r->halted_day != cx->session_day) r->close_pending = 0;
    if (r->close_pending && r->oms) close_out(r);
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
    r->close_logged = 0;
    if (r->cfg.daily_loss.close_positions && r->oms) close_out(r);
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
