/* One reconciliation round with a broker, shared by the adapters (see reconcile.h). */
#include "broker/reconcile.h"

#include "log/log.h"
#include "util/clock.h"

#include <string.h>

void reconcile_begin(reconcile_round *r)
{
    r->before = *r->differences;
    r->asked_ns = tb_clock_now_ns();
    if (r->seen) r->seen->n = 0;
}

void reconcile_saw(reconcile_round *r, const char *client_id)
{
    reconcile_seen *s = r->seen;
    if (!s || reconcile_listed(r, client_id)) return;
    oms_strlcpy(s->cid[s->n++], client_id, sizeof s->cid[0]);
}

int reconcile_listed(const reconcile_round *r, const char *client_id)
{
    const reconcile_seen *s = r->seen;
    if (!s) return 0;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->cid[i], client_id) == 0) return 1;
    return s->n >= RECONCILE_SEEN; /* the list overflowed: take it as shown */
}

void reconcile_settle_missing(reconcile_round *r, const reconcile_settle *s)
{
    enum { CAP = 4096, MAX = 256 };
    static const oms_order *open[CAP];
    static char ids[MAX][OMS_CLIENT_ID_MAX + 1];
    int n = oms_open_orders_all(r->oms, open, CAP), k = 0;
    if (n > CAP) n = CAP;
    for (int i = 0; i < n && k < MAX; i++) {
        const oms_order *o = open[i];
        if (reconcile_listed(r, o->client_id)) continue;
        if (s->skip && s->skip(s->ud, o)) continue;
        oms_strlcpy(ids[k++], o->client_id, sizeof ids[0]);
    }
    /* The callbacks change orders: each is found again by its id. */
    for (int i = 0; i < k; i++) {
        const oms_order *o = oms_find(r->oms, ids[i]);
        if (!o || oms_status_is_terminal(o->status)) continue;
        if (o->status == OMS_ST_NEW) {
            reconcile_unacknowledged(r, o);
            s->unacknowledged(s->ud, o);
        } else {
            s->missing(s->ud, o);
        }
    }
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
