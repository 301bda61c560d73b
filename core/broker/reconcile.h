/*
 * reconcile.h - one reconciliation round with a broker, shared by the adapters.
 *
 * Each adapter fetches its broker's lists its own way (Alpaca: REST orders and positions; IB:
 * openOrder/execDetails/position streams) and settles the orders those lists did not show its own
 * way (Alpaca looks them up by client_order_id: its list holds every status; IB's list holds only
 * open orders, so an acknowledged order missing from it is canceled here). What a round means is
 * the same for both and lives here: the positions are compared with the engine's (posdiff.h:
 * logged once, persistent differences hold entries), every difference is counted in the
 * adapter's `differences` metric, an order of ours the engine never heard acknowledged is a
 * difference, an open order carrying our id prefix that the engine does not hold is a loud line
 * and a difference, and every round ends with one summary line and the `reconciles` metric:
 *
 *   reconciled: N <what>, N positions, N differences: broker ready     (connect, reconnect)
 *   periodic reconcile: N <what>, N positions, N differences           (timer, lookups)
 */
#ifndef TB_BROKER_RECONCILE_H
#define TB_BROKER_RECONCILE_H

#include "broker/posdiff.h"
#include "oms/broker.h"
#include "oms/oms.h"

#include <stdint.h>

typedef struct reconcile_round {
    const char *who;       /* log component: "alpaca", "ibkr" */
    const char *orders;    /* the summary's noun for the order count: "open orders at IB" */
    const oms *oms;        /* the engine's orders and positions */
    posdiff *posdiff;      /* the adapter's position differences (kept across rounds) */
    uint64_t *differences; /* the adapter's metrics; periodic may be NULL */
    uint64_t *reconciles;
    uint64_t *periodic;
    uint64_t before; /* differences when the round began */
} reconcile_round;

/* Begins a round: remembers the difference count so the summary can say this round's. */
void reconcile_begin(reconcile_round *r);

/* Compares the broker's positions (pos, npos) with the engine's; each difference is counted. */
void reconcile_positions(reconcile_round *r, const broker_position *pos, int npos);

/* An order of ours still `new` (never acknowledged) that the broker's lists did not show: counted
 * as a difference; the caller marks it unknown (its outcome is looked up, never sent again). */
void reconcile_unacknowledged(reconcile_round *r, const oms_order *o);

/* Whether a broker's client order id carries our prefix ("tb-"): an order some tradebot made,
 * as opposed to one the trader or another program placed by hand. */
int reconcile_is_ours(const char *client_id);

/* An open order at the broker that the engine does not hold. With our id prefix (lost journal,
 * another engine on the account) it is one WARN line and a difference, and 1 is returned; other
 * clients' orders (a trader's manual ones) are not counted: 0, the adapter keeps its own
 * treatment. Either way the order is left alone: nothing is adopted or canceled. */
int reconcile_foreign_open(reconcile_round *r, const char *client_id, const char *broker_id);

/* Ends the round: counts it (and, when periodic, in *periodic) and logs the summary line with
 * n_orders orders and n_positions positions. Returns the differences of this round. */
uint64_t reconcile_end(reconcile_round *r, int n_orders, int n_positions, int periodic);

#endif
