/* One reconciliation round with a broker, shared by the adapters (see reconcile.h). */
#include "broker/reconcile.h"

#include "log/log.h"

#include <string.h>

void reconcile_begin(reconcile_round *r)
{
    r->before = *r->differences;
}

void reconcile_positions(reconcile_round *r, const broker_position *pos, int npos)
{
    posdiff_compare(r->posdiff, r->who, r->oms, pos, npos, r->differences);
}

void reconcile_unacknowledged(reconcile_round *r, const oms_order *o)
{
    if (o && o->status == OMS_ST_NEW) (*r->differences)++;
}

int reconcile_is_ours(const char *client_id)
{
    return client_id && strncmp(client_id, "tb-", 3) == 0;
}

int reconcile_foreign_open(reconcile_round *r, const char *client_id, const char *broker_id)
{
    if (!reconcile_is_ours(client_id)) return 0;
    (*r->differences)++;
    TB_WARN(r->who, "reconcile: open order %s (id %s) at the broker is unknown here: left alone",
            client_id, broker_id);
    return 1;
}

uint64_t reconcile_end(reconcile_round *r, int n_orders, int n_positions, int periodic)
{
    uint64_t d = *r->differences - r->before;
    (*r->reconciles)++;
    if (periodic) {
        if (r->periodic) (*r->periodic)++;
        TB_INFO(r->who, "periodic reconcile: %d %s, %d positions, %llu differences", n_orders,
                r->orders, n_positions, (unsigned long long)d);
        return d;
    }
    TB_INFO(r->who, "reconciled: %d %s, %d positions, %llu differences: broker ready", n_orders,
            r->orders, n_positions, (unsigned long long)d);
    return d;
}
