/*
 * oms_late.c - news that arrives out of order: a fill of an order already replaced (in flight
 * when the replace went out), a final status that overtook the order's fills. Both would
 * otherwise let the gates and strategies act on shares that already traded.
 */
#include "log/log.h"
#include "oms/oms_priv.h"

#include <string.h>

/* Whether an order this one replaces (directly or along a chain) made a day trade: its fill
 * came after the replace was sent, so the replacement did not inherit the mark. */
int oms_late_replaced_day_trade(const oms *m, const oms_order *o)
{
    for (int hop = 0; hop < 16 && o->replaces_id[0]; hop++) {
        const slot *p = oms_slot_find(m, o->replaces_id);
        if (!p) return 0;
        if (p->o.day_trade) return 1;
        o = &p->o;
    }
    return 0;
}

/* Fills overtaken by the order's final status (a canceled with 5 filled at the broker, our fills
 * still on the way): ending the order now would tell the gates those shares never traded, and a
 * strategy could sell them again or spend a day trade they already made. The order stays as it
 * is until the fills arrive; a broker that reports the same end three times without them (its
 * executions lost for good) ends it all the same, loudly. 1: held back. */
int oms_late_defer_final(oms *m, slot *s, const broker_update *u)
{
    if (u->has_exec || u->cum_qty <= s->o.filled_qty || oms_status_is_terminal(s->o.status) ||
        (u->status != OMS_ST_CANCELED && u->status != OMS_ST_EXPIRED &&
         u->status != OMS_ST_REPLACED))
        return 0;
    if (u->cum_qty > s->o.broker_cum_qty) s->o.broker_cum_qty = u->cum_qty;
    if (s->deferred_reports >= 2) {
        TB_ERROR("oms",
                 "order %s: broker reports it %s with %lld filled, %lld arrived here: ended "
                 "without the missing fills (reconciliation will show the position difference)",
                 s->o.client_id, oms_status_name(u->status), (long long)u->cum_qty,
                 (long long)s->o.filled_qty);
        s->deferred = 0;
        return 0;
    }
    if (!s->deferred)
        TB_INFO("oms",
                "order %s: %s at the broker with %lld filled, %lld here: kept working "
                "until the fills arrive",
                s->o.client_id, oms_status_name(u->status), (long long)u->cum_qty,
                (long long)s->o.filled_qty);
    s->deferred = (uint8_t)(u->status + 1);
    s->deferred_reports++;
    return 1;
}

/* The held-back final status, once the fills it waited for are in. */
int oms_late_deferred_due(slot *s, oms_status *to)
{
    if (!s->deferred || s->o.filled_qty < s->o.broker_cum_qty) return 0;
    *to = (oms_status)(s->deferred - 1);
    s->deferred = s->deferred_reports = 0;
    return !oms_status_is_terminal(s->o.status);
}

/* A fill of a replaced order that arrived after the replace was sent (it was in flight): the
 * replacement asked for the remainder without it, so together they would trade more shares than
 * the gates admitted (a sell past the strategy's own, a second day trade). The replacement is
 * canceled; the strategy decides again on what it then holds. */
void oms_late_trim_replacement(oms *m, const slot *old)
{
    const oms_order *open[64];
    int n = oms_open_orders(m, old->o.symbol, open, 64);
    for (int i = 0; i < n && i < 64; i++) {
        const oms_order *r = open[i];
        if (strcmp(r->replaces_id, old->o.client_id) != 0) continue;
        if (old->o.filled_qty + r->qty <= old->o.qty || r->status == OMS_ST_PENDING_CANCEL) return;
        char id[OMS_CLIENT_ID_MAX + 1];
        oms_strlcpy(id, r->client_id, sizeof id);
        tb_err e;
        TB_WARN("oms",
                "late fill of replaced order %s (%lld of %lld filled): replacement %s for %lld "
                "would trade more than the order admitted, canceling it",
                old->o.client_id, (long long)old->o.filled_qty, (long long)old->o.qty, id,
                (long long)r->qty);
        if (oms_cancel(m, id, &e) < 0)
            TB_ERROR("oms", "cancel of replacement %s after a late fill failed: %s", id, e.msg);
        return;
    }
}
