/*
 * paper.h - the paper broker: an in-process simulated exchange behind the broker vtable.
 *
 * Driven by bars: the engine calls paper_on_bar for each closed bar, and working orders of that
 * symbol fill against it (docs/orders.md, "Paper fill model"). Simulated time is the time of the
 * last bar; an order submitted at time T can fill only on a later bar (t > T and t >= T +
 * latency), so a market order fills at the next bar's open, never at a price it has already
 * seen. Everything is deterministic for a given seed: ids and the optional random slippage come
 * from the broker's own PRNG.
 */
#ifndef TB_BROKER_PAPER_H
#define TB_BROKER_PAPER_H

#include <stdint.h>

#include "oms/broker.h"
#include "oms/position.h"

struct event_base;

typedef enum {
    PAPER_CASH, /* buying power = settled cash; no short sales */
    PAPER_REGT  /* Reg T: 50% initial margin, buying power = 2 x equity - gross exposure */
} paper_margin;

typedef struct paper_config {
    uint64_t seed;
    tb_money initial_cash;
    paper_margin margin;
    int64_t latency_ns;      /* order to exchange; also delays acks when `base` is set */
    int32_t slippage_bps;    /* market and stop fills move this much against the order */
    int slippage_random;     /* 1: slippage drawn uniformly in [0, slippage_bps] */
    int limit_fill_on_touch; /* 0 (default): a limit fills only if the price trades through */
    tb_money commission_per_share;
    tb_money commission_min;       /* per order, charged with its first fill */
    tb_money commission_per_order; /* flat, charged with the first fill */
    int32_t participation_pct;     /* max % of a bar's volume filled per bar; 0: no limit */
    uint32_t max_orders;           /* working and finished orders kept (default 4096) */
    uint32_t max_symbols;          /* default 1024 */
    const char *const *symbols;    /* tradable symbols; NULL: any symbol that had a bar */
    int nsymbols;
    /* Market hours: the callback when set, else the flag from paper_set_market_open (default
     * open). Orders submitted while closed are rejected. */
    int (*market_open_fn)(void *ud, int64_t t_ns);
    void *market_open_ud;
    struct event_base *base; /* optional: acks are delivered by a timer after latency_ns */
} paper_config;

typedef struct paper paper;

/* Creates a paper broker (disconnected until broker_connect); NULL and e on failure. */
paper *paper_new(const paper_config *c, tb_err *e);
void paper_free(paper *p);

/* Touches the memory of the next n order records (as oms_warm does for the order manager's
 * slots): between events, so that a new order does not page-fault. */
void paper_warm(paper *p, uint32_t n);

/* The vtable handle for the OMS. */
broker paper_broker(paper *p);

/*
 * Feeds one closed bar (prices exact, see tb_money_from_double). Working orders of the symbol
 * fill against it; fills are reported through the update callback before this returns.
 */
int paper_on_bar(paper *p, const char *symbol, tb_money open, tb_money high, tb_money low,
                 tb_money close, tb_qty volume, int64_t t_ns, tb_err *e);

/* Sets the market-open flag used when no callback is configured. */
void paper_set_market_open(paper *p, int open);

/* Ends the session: day, ioc, opg and cls orders still working expire. */
void paper_end_session(paper *p);

/*
 * Restores the simulated book after a restart: the cash, and one position (marked at its average
 * price until the next bar). Working orders are not restored: a restarted exchange has none.
 */
void paper_restore_cash(paper *p, tb_money cash);
int paper_restore_position(paper *p, const oms_position *pos, tb_err *e);

/* Account figures now (cash, equity at last prices, buying power), from sums kept as prices and
 * positions change. */
broker_account paper_account(const paper *p);

/* Times the kept sums differed from a full sum over the symbols (checked at every fill; each an
 * ERROR "INVARIANT VIOLATED: paper_account_sums" line). Must stay 0. */
uint64_t paper_invariant_violations(const paper *p);

/* Number of updates waiting for their latency timer. */
int paper_pending_updates(const paper *p);

#endif
