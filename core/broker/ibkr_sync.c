/*
 * Reconciliation with IB: at connect, after every reconnect, after 1101 and after 103, the
 * connection asks for all open orders, executions and positions; when the three lists have
 * ended, our open orders and positions are made to agree with IB's and each difference is logged.
 * Executions were applied as they arrived (by execId, so a replay changes nothing).
 */
#include "broker/ibkr_priv.h"
#include "log/log.h"
#include "util/clock.h"

#include <string.h>

void ibk_sync_begin(ibkr *a)
{
    a->syncing = 1;
    a->quiet = 0;
    a->sync_started_ns = tb_clock_now_ns();
    a->nseen = 0;
    a->nsync_pos = 0;
    a->round = (reconcile_round){.who = "ibkr",
                                 .orders = "open orders at IB",
                                 .oms = a->o.oms,
                                 .posdiff = &a->posdiff,
                                 .differences = &a->st.differences,
                                 .reconciles = &a->st.reconciles,
                                 .periodic = &a->st.quiet_reconciles};
    reconcile_begin(&a->round);
}

void ibk_sync_saw_open(ibkr *a, const char *cid)
{
    for (int i = 0; i < a->nseen; i++)
        if (!strcmp(a->seen_open[i], cid)) return;
    if (a->nseen < IBK_SEEN) oms_strlcpy(a->seen_open[a->nseen++], cid, sizeof a->seen_open[0]);
}

static int seen_open(const ibkr *a, const char *cid)
{
    for (int i = 0; i < a->nseen; i++)
        if (!strcmp(a->seen_open[i], cid)) return 1;
    return a->nseen >= IBK_SEEN; /* list overflowed: assume open rather than cancel */
}

static void put(broker_position *list, int *n, const ibkr_position *p)
{
    int i = 0;
    while (i < *n && strcmp(list[i].symbol, p->symbol)) i++;
    if (i == *n && *n == IBK_POSITIONS) return;
    if (i == *n) (*n)++;
    oms_strlcpy(list[i].symbol, p->symbol, sizeof list[i].symbol);
    list[i].qty = p->qty;
    list[i].avg_price = p->avg_cost;
}

void ibk_position_put(ibkr *a, const ibkr_position *p)
{
    if (strcmp(p->sec_type, "STK") != 0) return;
    if (a->account[0] && p->account[0] && strcmp(a->account, p->account) != 0) return;
    if (a->syncing) put(a->sync_pos, &a->nsync_pos, p);
    put(a->pos, &a->npos, p); /* later updates of the subscription keep the list current */
}

/* Our open orders IB does not list as open and whose executions do not fill them. */
static void settle_missing(ibkr *a)
{
    enum { CAP = 4096 };
    static const oms_order *open[CAP];
    static char ids[256][OMS_CLIENT_ID_MAX + 1];
    int n = oms_open_orders_all(a->o.oms, open, CAP), k = 0;
    if (n > CAP) n = CAP;
    for (int i = 0; i < n && k < 256; i++)
        if (!seen_open(a, open[i]->client_id) && open[i]->filled_qty < open[i]->qty &&
            open[i]->created_ns <= a->sync_started_ns) /* newer: sent after the request */
            oms_strlcpy(ids[k++], open[i]->client_id, sizeof ids[0]);
    for (int i = 0; i < k; i++) {
        const oms_order *o = oms_find(a->o.oms, ids[i]);
        if (!o || oms_status_is_terminal(o->status)) continue;
        if (o->status == OMS_ST_NEW || o->status == OMS_ST_UNKNOWN) {
            /* Not acknowledged: IB may show it later (a late acknowledgement, a reconnect). */
            reconcile_unacknowledged(&a->round, o);
            ibk_unknown_settle(a, o);
        } else {
            a->st.differences++;
            TB_WARN("ibkr", "reconcile: order %s (%s) is not open at IB: marked canceled",
                    o->client_id, oms_status_name(o->status));
            ibk_update(a, o->client_id, 0, OMS_ST_CANCELED, "not open at IB (reconcile)");
        }
    }
}

void ibk_sync_end(ibkr *a)
{
    a->syncing = 0;
    memcpy(a->pos, a->sync_pos, (size_t)a->nsync_pos * sizeof a->pos[0]);
    a->npos = a->nsync_pos;
    reconcile_positions(&a->round, a->pos, a->npos);
    settle_missing(a);
    reconcile_end(&a->round, a->nseen, a->npos, a->quiet);
    a->quiet = 0;
}

void ibk_quiet_sync(ibkr *a)
{
    if (a->state != BROKER_READY || a->syncing || !a->conn) return;
    ibk_sync_begin(a);
    a->quiet = 1;
    if (ibkr_conn_quiet_sync(a->conn) != 0) a->syncing = a->quiet = 0;
}
