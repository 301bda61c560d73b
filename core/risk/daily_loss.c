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

/* Sends a market order closing each owner's position less the exits it has working, as an
 * order of that owner (so no strategy's shares are sold for another). Returns how many owners
 * are not covered yet: refused (the database is locked or broker updates wait to be
 * committed), or with exits still working that a cancel may yet take away; both are retried on
 * every tick until the position is flat. */
static int close_all(tb_risk *r)
{
    const char *owners[4096];
    const oms_position *ps[4096];
    int n = oms_strategy_positions(r->oms, owners, ps, 4096), pending = 0;
    for (int i = 0; i < n && i < 4096; i++) {
        if (!ps[i]->qty) continue;
        oms_exposure x;
        oms_exposure_get(r->oms, owners[i], ps[i]->symbol, &x);
        tb_qty working = x.filled > 0 ? x.working_sell : x.working_buy;
        tb_qty rest = (x.filled > 0 ? x.filled : -x.filled) - working;
        if (working > 0) pending++;
        if (rest <= 0) continue;
        oms_intent in = {.strategy = owners[i],
                         .symbol = ps[i]->symbol,
                         .side = x.filled > 0 ? OMS_SELL : OMS_BUY,
                         .type = OMS_MARKET,
                         .tif = OMS_TIF_DAY,
                         .qty = rest,
                         .reason = CLOSE_REASON};
        const oms_order *out;
        tb_err e;
        if (oms_submit(r->oms, &in, &out, &e) < 0 && !out) {
            pending++;
            if (!r->close_logged)
                TB_ERROR("risk",
                         "daily loss limit: close %s of %s failed: %s; retried on every risk tick",
                         ps[i]->symbol, owners[i], e.msg);
            r->close_logged = 1;
        } else {
            TB_WARN("risk", "daily loss limit: closing %s of %s (%lld shares)", ps[i]->symbol,
                    owners[i], (long long)in.qty);
        }
    }
    return pending;
}

/* Closes what is left; the flag stays up until every position is covered by its closing order. */
static void close_out(tb_risk *r)
{
    if (close_all(r)) {
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

int tb_risk_daily_loss_hit(const tb_risk *r, int32_t session_day)
{
    return session_day && r->halted_day == session_day;
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
