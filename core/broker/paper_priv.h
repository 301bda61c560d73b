/*
 * paper_priv.h - the paper broker's state, shared by its files and by nothing else.
 *
 * paper.c holds the symbol table, the order lifecycle and the update queue; paper_account.c the
 * account's sums; paper_orders.c the broker vtable (the order verbs); paper_fill.c the fill model
 * that bars drive. The helpers every bar calls are static inline here, so splitting the file
 * does not add a call on the per-bar path.
 */
#ifndef TB_BROKER_PAPER_PRIV_H
#define TB_BROKER_PAPER_PRIV_H

#include <string.h>

#include "broker/paper.h"
#include "util/hash.h"
#include "util/hmap.h"

typedef struct porder {
    char client_id[OMS_CLIENT_ID_MAX + 1];
    char broker_id[OMS_BROKER_ID_MAX + 1];
    int32_t sym;
    oms_side side;
    oms_type type;
    oms_tif tif;
    oms_leg leg;
    tb_qty qty, filled;
    tb_money limit, stop, notional;
    int live, active, triggered, commission_charged;
    int64_t submit_t, eligible_t;
    int32_t parent, tp, sl;
} porder;

typedef struct psym {
    oms_position pos;
    tb_money last;
    int has_price, tradable;
    int nlive;   /* live orders: a bar of a symbol with none skips the order scan */
    tb_money mv; /* last x qty as the account's sums below hold it */
} psym;

/* An update waiting for the latency timer (strings copied). */
typedef struct pending {
    char client_id[OMS_CLIENT_ID_MAX + 1];
    char broker_id[OMS_BROKER_ID_MAX + 1];
    char reason[OMS_REASON_MAX + 1];
    oms_status status;
    int64_t due_ns;
} pending;

#define PAPER_PENDING_MAX 1024

struct paper {
    paper_config cfg;
    porder *orders;
    uint32_t norders;
    uint32_t warm_norders, warm_n; /* norders at the last paper_warm, and its n */
    uint32_t first_live; /* every order before it is dead (orders are appended, never revived) */
    psym *syms;
    uint32_t nsyms;
    tb_hmap sym_map; /* symbol name -> index in syms */
    tb_money cash;
    /* Sums of every symbol's market value and its absolute value, kept as prices and positions
     * change (the account is asked on every bar by the gates); checked against a full sum at
     * every fill. */
    tb_money mv_sum, mv_gross;
    uint64_t invariant_violations;
    broker_state state;
    broker_update_fn fn;
    void *ud;
    uint64_t rng;
    int64_t now;
    int market_open;
    pending pend[PAPER_PENDING_MAX];
    int npend;
    struct event *timer;
};

/* FNV-1a 64 of a client order id: stable names for the exchange's ids across restarts. */
static inline uint64_t paper_id_hash(const char *s)
{
    return tb_fnv64_str(TB_FNV64_SEED, s);
}

/* The index of symbol s in syms, or -1 with *it where it would go. */
static inline int32_t paper_sym_probe(const paper *p, const char *s, tb_hmap_it *it)
{
    *it = tb_hmap_probe(&p->sym_map, tb_fnv32_str(s));
    for (uint32_t k; (k = tb_hmap_next(&p->sym_map, it)) != TB_HMAP_NONE;)
        if (strcmp(p->syms[k].pos.symbol, s) == 0) return (int32_t)k;
    return -1;
}

/* Every bar looks its symbol up: a hash probe, not a scan of all symbols. */
static inline int32_t paper_sym_find(const paper *p, const char *s)
{
    tb_hmap_it it;
    return paper_sym_probe(p, s, &it);
}

/* The first order that may be live: the scans start there, not at the session's first order (a
 * busy session holds thousands of finished orders until paper_end_session). */
static inline uint32_t paper_live_from(paper *p)
{
    while (p->first_live < p->norders && !p->orders[p->first_live].live) p->first_live++;
    return p->first_live;
}

static inline tb_money paper_market_value(const psym *s)
{
    tb_money mv = 0;
    tb_money_mul_qty(s->last, s->pos.qty, &mv, NULL);
    return mv;
}

/* After a symbol's last price or position changed: its share of the account's sums. */
static inline void paper_revalue(paper *p, psym *s)
{
    tb_money mv = paper_market_value(s);
    p->mv_sum += mv - s->mv;
    p->mv_gross += (mv < 0 ? -mv : mv) - (s->mv < 0 ? -s->mv : s->mv);
    s->mv = mv;
}

/* The symbol's index, added (not tradable unless the config lists no symbols) when new; -1 when
 * the table is full. */
int32_t paper_sym_add(paper *p, const char *s);

/* Delivers every queued update due at or before `upto`. */
void paper_flush_due(paper *p, int64_t upto);

/* Status update without an execution; delayed by latency when an event_base is set. */
void paper_emit_status(paper *p, const porder *o, oms_status st, const char *reason);

/* Takes a live order out of its symbol's live count (no update sent). */
void paper_set_dead(paper *p, porder *o);

/* Ends a live order and sends its final status. */
void paper_finish(paper *p, porder *o, oms_status st, const char *reason);

/* Checks the kept market-value sums against a full sum (at every fill); a difference is an
 * invariant violation, logged and counted, and the full sums are taken. */
void paper_check_sums(paper *p);

/* Money reserved by working orders that open exposure. */
tb_money paper_reserved(paper *p);

#endif
