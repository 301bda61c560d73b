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
 *
 * Settling our open orders that the round's lists did not show is shared too
 * (reconcile_settle_missing): an order never acknowledged is a difference and becomes unknown
 * (looked up, never sent again). What the absence of an acknowledged order means is the broker's,
 * because the lists mean different things: IB's open-order list holds every working order and
 * nothing else, so an order missing from it is no longer working there (canceled); Alpaca's list is
 * the latest 500 orders of every status, so a missing order only fell out of that window (looked up
 * by id).
 */
#ifndef TB_BROKER_RECONCILE_H
#define TB_BROKER_RECONCILE_H

#include "broker/posdiff.h"
#include "oms/broker.h"
#include "oms/oms.h"

#include <stdint.h>

#include "util/hmap.h"

#define RECONCILE_SEEN   1024 /* our orders a round's lists can show (beyond: all taken as shown) */
#define RECONCILE_OPEN   4096 /* open orders a round looks at */
#define RECONCILE_SETTLE 256  /* orders a round settles (the rest: the next round) */

/* A round's storage, kept by the adapter (zeroed with it; reconcile_seen_free at its end): the
 * orders the broker's lists showed, found by id through a hash map (a round with a thousand
 * orders does not compare every id with every other), and the work lists of
 * reconcile_settle_missing (no static buffer: a settle callback may start another round). */
typedef struct reconcile_seen {
    int n;
    int no_map; /* no memory for the map: every order counts as shown */
    char cid[RECONCILE_SEEN][OMS_CLIENT_ID_MAX + 1];
    tb_hmap map; /* the id's hash -> its index in cid */
    const oms_order *open[RECONCILE_OPEN];
    char settle[RECONCILE_SETTLE][OMS_CLIENT_ID_MAX + 1];
} reconcile_seen;

/* Releases the map of s (the adapter's end). */
void reconcile_seen_free(reconcile_seen *s);

typedef struct reconcile_round {
    const char *who;       /* log component: "alpaca", "ibkr" */
    const char *orders;    /* the summary's noun for the order count: "open orders at IB" */
    const oms *oms;        /* the engine's orders and positions */
    posdiff *posdiff;      /* the adapter's position differences (kept across rounds) */
    uint64_t *differences; /* the adapter's metrics; periodic may be NULL */
    uint64_t *reconciles;
    uint64_t *periodic;
    reconcile_seen *seen; /* the adapter's storage for the orders the lists showed */
    uint64_t before;      /* differences when the round began */
    int64_t asked_ns;     /* when it began: orders created later cannot be in its lists */
} reconcile_round;

/* How an adapter settles our open orders that a round's lists did not show. */
typedef struct reconcile_settle {
    /* The adapter settles this order another way now (a request in flight, a held leg) or the
     * lists cannot show it (IB: created after r->asked_ns): the round leaves it alone. */
    int (*skip)(void *ud, const oms_order *o);
    /* Never acknowledged: the adapter marks it unknown (looked up, never sent again). */
    void (*unacknowledged)(void *ud, const oms_order *o);
    /* Acknowledged (or unknown): what its absence from the lists means at this broker. */
    void (*missing)(void *ud, const oms_order *o);
    void *ud;
} reconcile_settle;

/* Begins a round now (before its lists are asked for): remembers the difference count so the
 * summary can say this round's, and forgets the orders the last round's lists showed. */
void reconcile_begin(reconcile_round *r);

/* The lists showed our order client_id (settled by them). */
void reconcile_saw(reconcile_round *r, const char *client_id);

/* Whether the lists showed client_id; when more orders were shown than RECONCILE_SEEN holds,
 * every order counts as shown (nothing is settled on a list that was cut short). */
int reconcile_listed(const reconcile_round *r, const char *client_id);

/* Settles our open orders that the round's lists did not show and s->skip does not leave alone
 * (at most RECONCILE_SETTLE a round; the rest wait for the next): never acknowledged (`new`) ones
 * are a difference and go to s->unacknowledged, the others to s->missing. Needs r->seen (its
 * work lists); without it nothing is settled. */
void reconcile_settle_missing(reconcile_round *r, const reconcile_settle *s);

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
