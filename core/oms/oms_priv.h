/*
 * oms_priv.h - the order manager's state, shared by its files (oms.c: lifecycle and the held
 * broker updates; oms_requests.c: submit, cancel, replace; oms_update.c: broker updates applied;
 * oms_pool.c: the order pool and maps; oms_late.c: news out of order; oms_strategy.c: positions
 * per strategy, pending exposure and the invariant check). Not for users outside core/oms/.
 */
#ifndef TB_OMS_PRIV_H
#define TB_OMS_PRIV_H

#include "oms/book.h"
#include "oms/held.h"
#include "oms/oms.h"
#include "util/hmap.h"

#define HELD_MAX 4096 /* broker updates kept while the database is locked */

typedef struct slot {
    oms_order o;
    int32_t sym;        /* symbol index */
    int32_t prev, next; /* open-order list of the symbol */
    uint8_t used, open;
    /* A final status (canceled, expired, replaced) the broker reported with more shares filled
     * than our fills say: held back, the order still working here, until those fills arrive
     * (value: the status + 1; deferred_reports counts the reports while waiting). */
    uint8_t deferred, deferred_reports;
} slot;

typedef struct sym_entry {
    oms_position pos;
    int32_t open_head;
    int32_t book_head; /* the symbol's strategy positions (oms_book chain) */
    uint8_t traded;
    uint8_t in_held, in_open; /* on the held / open lists below (oms_sym_track) */
} sym_entry;

struct oms {
    oms_config cfg;
    slot *slots;
    int32_t *free_stack;
    uint32_t nfree;
    uint32_t warm_nfree, warm_n; /* nfree at the last oms_warm, and its n */
    tb_hmap ids;                 /* client id -> slot */
    /* The slot last indexed + 1 (0: none), which ids maps its id to until a removal: the
     * broker's acknowledgement of an order follows its submit, found without hashing the id. */
    int32_t id_recent;
    /* symbol -> entry in syms. An entry lives at the index of its slot in the map, which never
     * removes nor grows (so the slot stays), and syms has one entry per slot: index order is the
     * table's order, the order every walk over the symbols has always followed. */
    tb_hmap sym_map;
    sym_entry *syms;
    uint32_t nsyms; /* entries used: the max_symbols check needs no scan of the table */
    /* The used entries' indices in ascending order: walks over every symbol visit them in the
     * table's order, as a scan of the whole table did, without its empty slots (the risk gates
     * walk positions and open orders for every intent; the table has 2 x max_symbols slots). */
    uint32_t *used_idx;
    /* Of those, the entries with a position (qty != 0) and those with open orders, also in
     * ascending order: the risk gates walk them for every intent, so their work follows what is
     * held and working, not every symbol ever seen. Kept by oms_sym_track at every change of a
     * position or an open list; oms_check_invariants compares them with a walk of used_idx. */
    uint32_t *held_idx, *open_idx;
    uint32_t nheld, nopen;
    oms_execset *execs;
    oms_daytrades daytrades;
    int64_t next_seq;
    /* "-<session day %08d>-" of the client ids, made once per day (day_txt_for: its day). */
    char day_txt[24];
    uint8_t day_txt_len;
    int32_t day_txt_for;
    broker brk;
    int has_broker;
    int detached; /* oms_detach_broker: the adapter is gone */
    oms_journal journal;
    oms_listener_fn listener;
    void *listener_ud;
    uint64_t update_errors;
    tb_err cb_err;
    oms_held held;
    int applying_held; /* oms_retry_held is applying the front update (still in the queue) */
    uint64_t held_total, held_dropped, busy_refusals, unjournaled_cancels;
    oms_book book; /* positions per (strategy, symbol) */
    uint64_t invariant_violations;
    char last_invariant[256];
    tb_counters refused; /* broker updates refused, by reason (each logged: refused.c) */
};

/* The index of the symbol's entry, created when missing; -1 with e when the table is full. */
int32_t oms_sym_get(oms *m, const char *symbol, tb_err *e);

/* The symbol's entry, or NULL when it was never seen. */
const sym_entry *oms_sym_lookup(const oms *m, const char *symbol);

/* Puts entry i on or off the held and open lists as its position and open orders now are
 * (oms_active.c). Call after every change of either. */
void oms_sym_track(oms *m, uint32_t i);

/* The held and open lists == a walk of every used entry; on a difference logs an ERROR line,
 * counts it and returns -1 (oms_active.c). */
int oms_check_lists(oms *m);

/* Account qty of the symbol == sum of its strategies' qtys; on a difference logs an ERROR line,
 * counts it and returns -1. */
int oms_check_symbol(oms *m, const sym_entry *y);

/* The pool, the client-id map and the open list (oms_pool.c). */
slot *oms_slot_find(const oms *m, const char *client_id); /* NULL: unknown id */
slot *oms_slot_alloc(oms *m, tb_err *e);                  /* NULL with e: the pool is full */
void oms_slot_release(oms *m, slot *s);                   /* back to the pool, out of the map */
void oms_slot_index(oms *m, slot *s);

/* Checks that the slot the id lookup tries first (id_recent) is the one the id map gives: 0, or
 * -1 counted and logged as an invariant violation. */
int oms_check_id_recent(oms *m);     /* into the client-id map */
void oms_open_link(oms *m, slot *s); /* onto the open list */
void oms_open_unlink(oms *m, slot *s);

/* oms_update.c. Hands the orders to the journal: 0, -1 with e, or OMS_JOURNAL_BUSY with e. */
int oms_journal_orders(oms *m, const oms_order *const *os, int n, tb_err *e);
/* Moves s to status to (with note when not NULL) on a copy, journals it, then commits and tells
 * the listener; with unjournaled_ok a locked database does not stop the change (a cancel
 * request). 0, or what oms_journal_orders returned. */
int oms_set_status(oms *m, slot *s, oms_status to, const char *note, int unjournaled_ok, tb_err *e);
/* oms_set_status with the journal required. */
int oms_change_status(oms *m, slot *s, oms_status to, const char *note, tb_err *e);

/* oms_late.c. Whether an order this one replaces (along a chain) made a day trade. */
int oms_late_replaced_day_trade(const oms *m, const oms_order *o);
/* A fill of the replaced order old arrived: cancels its replacement if together they would
 * trade more than old's shares. */
void oms_late_trim_replacement(oms *m, const slot *old);
/* 1: u is a final status overtaking fills the broker reports: held back, the order works on. */
int oms_late_defer_final(oms *m, slot *s, const broker_update *u);
/* 1 with *to: the held-back final status is due now that its fills are in. */
int oms_late_deferred_due(slot *s, oms_status *to);

#endif
