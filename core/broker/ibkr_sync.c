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
    a->nsync_pos = 0;
    a->round = (reconcile_round){.who = "ibkr",
                                 .orders = "open orders at IB",
                                 .oms = a->o.oms,
                                 .posdiff = &a->posdiff,
                                 .differences = &a->st.differences,
                                 .reconciles = &a->st.reconciles,
                                 .periodic = &a->st.quiet_reconciles,
                                 .seen = &a->seen};
    reconcile_begin(&a->round);
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

/* ---- our open orders IB's lists did not show (broker/reconcile.h) ---- */

/* Created after the lists were asked for (IB cannot show it yet), or filled by its executions
 * (the status that ends it is on its way). */
static int settle_skip(void *ud, const oms_order *o)
{
    const ibkr *a = ud;
    return o->created_ns > a->round.asked_ns || o->filled_qty >= o->qty;
}

/* Not acknowledged: IB may show it later (a late acknowledgement, a reconnect). */
static void settle_unacknowledged(void *ud, const oms_order *o)
{
    ibk_unknown_settle(ud, o);
}

/* IB's open-order list holds every order working at IB: an acknowledged order missing from it
 * (and not filled by its executions) works no more, so it is canceled here. An unknown one is
 * looked up by these very lists, until its deadline. */
static void settle_missing(void *ud, const oms_order *o)
{
    ibkr *a = ud;
    if (o->status == OMS_ST_UNKNOWN) return ibk_unknown_settle(a, o);
    a->st.differences++;
    TB_WARN("ibkr", "reconcile: order %s (%s) is not open at IB: marked canceled", o->client_id,
            oms_status_name(o->status));
    ibk_update(a, o->client_id, 0, OMS_ST_CANCELED, "not open at IB (reconcile)");
}

void ibk_sync_end(ibkr *a)
{
    a->syncing = 0;
    memcpy(a->pos, a->sync_pos, (size_t)a->nsync_pos * sizeof a->pos[0]);
    a->npos = a->nsync_pos;
    reconcile_positions(&a->round, a->pos, a->npos);
    reconcile_settle_missing(&a->round, &(reconcile_settle){.skip = settle_skip,
                                                            .unacknowledged = settle_unacknowledged,
                                                            .missing = settle_missing,
                                                            .ud = a});
    reconcile_end(&a->round, a->seen.n, a->npos, a->quiet);
    a->quiet = 0;
}

void ibk_quiet_sync(ibkr *a)
{
    if (a->state != BROKER_READY || a->syncing || !a->conn) return;
    ibk_sync_begin(a);
    a->quiet = 1;
    if (ibkr_conn_quiet_sync(a->conn) != 0) a->syncing = a->quiet = 0;
}
