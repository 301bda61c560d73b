/*
 * buying_power.c - an entry's cost against the broker's buying power, less what our own working
 * entry orders already hold (a broker reserves them too; the account figure may lag).
 */
#include "risk/risk_priv.h"

#include <math.h>
#include <stdio.h>

/* Cost of the unfilled part of working orders that open exposure. */
static double reserved(const tb_gate_ctx *cx)
{
    const oms_order *open[4096];
    int n = oms_open_orders_all(cx->oms, open, 4096);
    double sum = 0;
    for (int i = 0; i < n && i < 4096; i++) {
        const oms_order *o = open[i];
        if (o->leg != OMS_LEG_NONE) continue; /* bracket legs close what the parent opened */
        const oms_position *p = oms_order_position(cx->oms, o); /* flat if never traded */
        tb_qty pos = p->qty;
        int reduces = (pos > 0 && o->side == OMS_SELL) || (pos < 0 && o->side == OMS_BUY);
        if (reduces) continue;
        double px =
            o->limit_price ? tb_money_to_double(o->limit_price) : tb_gate_position_last(cx, p);
        if (isfinite(px)) sum += px * (double)(o->qty - o->filled_qty);
    }
    return sum;
}

int risk_buying_power_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why,
                            size_t n)
{
    if (!r->cfg.buying_power || o->opening == 0 || !cx->oms) return 0;
    if (!(cx->account.has & BROKER_HAS_BUYING_POWER)) return 0;
    double bp = tb_money_to_double(cx->account.buying_power), held = reserved(cx);
    double cost = (double)o->opening * o->price;
    if (cost <= bp - held) return 0;
    snprintf(why, n,
             "insufficient buying power: order $%.2f, available $%.2f ($%.2f held by open "
             "orders)",
             cost, bp - held, held);
    return 1;
}
