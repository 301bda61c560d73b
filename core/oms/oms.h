/*
 * oms.h - the order manager: intents in, orders to the broker, updates and fills back.
 *
 * Every order gets a client order id that is never reused ("tb-<strategy>-<symbol>-<day>-<seq>",
 * seq persisted), is journaled before the broker sees it, and is the key of idempotency: a
 * resubmission with the same id returns the existing order and sends nothing. Broker updates go
 * through the order state machine; each execution is journaled (with the order and position as
 * they will be after it) and applied only when the journal says it is committed, so memory never
 * runs ahead of the database. Orders live in a pool sized at creation; lookups by client id use
 * an open-addressing map; nothing is allocated per event.
 */
#ifndef TB_OMS_OMS_H
#define TB_OMS_OMS_H

#include <stdint.h>

#include "oms/broker.h"
#include "oms/order.h"
#include "oms/position.h"
#include "util/counters.h"
#include "util/err.h"

typedef struct oms oms;

typedef struct oms_config {
    uint32_t max_orders;  /* order pool; finished orders are evicted oldest first when full */
    uint32_t max_symbols; /* positions and open-order lists */
    uint32_t max_execs;   /* execution ids remembered in memory for replay detection */
    int32_t session_day;  /* yyyymmdd; change with oms_set_session_day */
} oms_config;

/* What a strategy (or the Lua runtime) asks for. Zero prices mean "none". */
typedef struct oms_intent {
    const char *client_id; /* NULL: generate one; set it to make a resubmission idempotent */
    const char *strategy;
    const char *symbol;
    oms_side side; /* a sell without a long position is a short sale */
    oms_type type;
    oms_tif tif;
    tb_qty qty;
    tb_money limit_price, stop_price;
    oms_class order_class;
    tb_money take_profit_limit, stop_loss_stop, stop_loss_limit; /* brackets */
    const char *reason;
} oms_intent;

/* Fields to change in a replace; 0 keeps the old value (qty 0: the unfilled remainder). */
typedef struct oms_changes {
    tb_qty qty;
    tb_money limit_price, stop_price;
} oms_changes;

/*
 * Persistence hooks, all optional. save_orders writes the given orders (insert or update, with
 * the sequence number) atomically and is called before an order is sent and on every status
 * change. save_fill writes one execution together with the order, the account's position and the
 * position of the order's strategy (sp, its strategy field names the owner: o->strategy) as they
 * will be after it and the day trade it makes (or NULL), atomically; it returns 0 when committed, 1
 * when that execution id was already stored (a replay: the OMS skips it), -1 on error (the OMS does
 * not apply the fill). Either may return OMS_JOURNAL_BUSY when the database is locked by
 * another process and nothing was written: an intent is then refused, and a broker update is
 * held in memory in arrival order (not applied) until oms_retry_held commits it.
 */
#define OMS_JOURNAL_BUSY (-2)

typedef struct oms_journal {
    void *ud;
    int (*save_orders)(void *ud, const oms_order *const *orders, int n, tb_err *e);
    int (*save_fill)(void *ud, const oms_order *o, const oms_exec *x, const oms_position *p,
                     const oms_position *sp, const oms_daytrade *dt, tb_err *e);
    /* Optional (a commission reported after its fill, oms_on_commission): the stored fill's
     * commission (0 found, 1 no such fill) and, in one transaction, the fill's new commission
     * with the order and both positions carrying it. */
    int (*fill_commission)(void *ud, const char *exec_id, tb_money *out, tb_err *e);
    int (*save_commission)(void *ud, const oms_order *o, const char *exec_id, tb_money commission,
                           const oms_position *p, const oms_position *sp, tb_err *e);
} oms_journal;

/* OMS_EV_FEE: a fill's commission arrived after the fill (exec->commission is the change). */
typedef enum { OMS_EV_ORDER, OMS_EV_FILL, OMS_EV_FEE } oms_event_kind;

/* A change the OMS applied: an order status change, or a fill (exec and position set). */
typedef struct oms_event {
    oms_event_kind kind;
    const oms_order *order;
    const oms_exec *exec;
    const oms_position *position;
} oms_event;

typedef void (*oms_listener_fn)(void *ud, const oms_event *ev);

/* Creates an OMS with its pools; NULL and e on failure. */
oms *oms_new(const oms_config *c, tb_err *e);
void oms_free(oms *m);

/* Touches the memory of the next n order slots the pool will hand out. The pool is sized at
 * start but its pages are the kernel's until first written: an order taking a fresh slot paid a
 * page fault on the order path (a third of the benchmark's orders). Call between events. */
void oms_warm(oms *m, uint32_t n);

/* Touches the memory of the entry a symbol not yet known would take (its first order made it:
 * a page fault on that order's path). Nothing is added; a symbol already known is left. */
void oms_warm_symbol(oms *m, const char *symbol);

/* Uses b for orders and registers the OMS as its update callback. */
void oms_set_broker(oms *m, broker b);

/* Stops using the broker: its adapter is about to be freed (shutdown). Later submits, cancels
 * and replaces fail ("broker closed") and send nothing; a strategy's on_fill may still run. */
void oms_detach_broker(oms *m);

/* Sets the persistence hooks (copied). */
void oms_set_journal(oms *m, const oms_journal *j);

/* Sets one listener for applied changes (strategy callbacks, logs). */
void oms_set_listener(oms *m, oms_listener_fn fn, void *ud);

/* Sets the session day (yyyymmdd) used for new client ids and day-trade recognition. */
void oms_set_session_day(oms *m, int32_t day);

/*
 * Creates, journals and sends an order (a bracket: parent and two held legs, ids "<id>-tp" and
 * "<id>-sl"). Returns 0 when sent, 1 when an order with in->client_id exists (it is returned in
 * *out and nothing is sent), -1 on error: invalid intent or journal failure (nothing created or
 * sent), or a send failure (the order stays `new` and journaled, *out is set; reconcile by client
 * id before sending again). While broker updates are held (the database was locked) the intent is
 * refused too: positions in memory are not yet what the broker says. A refusal because of the
 * lock says "database locked" in e and is counted (oms_busy_refusals).
 */
int oms_submit(oms *m, const oms_intent *in, const oms_order **out, tb_err *e);
/* (An intent is also refused while an order of the same strategy and symbol has an unknown
 * outcome: see oms/unknown.h.) */

/* Requests a cancel: pending_cancel, journaled, then the broker. 0 if already pending. While the
 * database is locked the cancel is sent all the same, pending_cancel kept in memory only (counted:
 * oms_unjournaled_cancels); the final status is journaled with the broker's answer. */
int oms_cancel(oms *m, const char *client_id, tb_err *e);

/*
 * Replaces a working order: a new order (new client id, replaces_id set) with the changes is
 * journaled, the old one goes pending_replace, and the broker gets both. *out: the new order.
 * Refused like an intent ("database locked" in e, counted in oms_busy_refusals) while broker
 * updates are held or the journal meets the lock: the remainder and the broker's fill count
 * would come from fills not yet applied.
 */
int oms_replace(oms *m, const char *client_id, const oms_changes *c, const oms_order **out,
                tb_err *e);

/*
 * Applies one broker update. Returns 0 when applied or when it changes nothing (a replayed
 * execution, a repeated status), -1 on an unknown order, an impossible transition, a bad
 * execution or a journal failure, OMS_JOURNAL_BUSY when the database was locked (nothing
 * applied in either case). The broker callback the OMS registers calls this and holds the
 * update instead when it returns OMS_JOURNAL_BUSY or when earlier updates are still held.
 */
int oms_on_update(oms *m, const broker_update *u, tb_err *e);

/*
 * A fill's commission reported after the fill was applied (IB's commissionReport follows its
 * execDetails, sometimes late, and again with every reqExecutions replay): the fill's fee
 * becomes commission, and the order and the account's and strategy's positions take the
 * difference, journaled together; an OMS_EV_FEE event carries the difference. Idempotent: the
 * same figure again changes nothing. 1 when the fill is not stored (yet): the caller applies
 * the commission with the execution instead. Without a journal the fill is taken as fee-less.
 */
int oms_on_commission(oms *m, const char *client_id, const char *exec_id, tb_money commission,
                      tb_err *e);

/*
 * Applies the held broker updates in arrival order until one meets the locked database again.
 * The update being applied does not count as held for the callbacks it runs (an on_fill may
 * place an order when no other update waits).
 * Returns how many are still held (0: all committed, or refused for another reason: counted in
 * oms_update_errors). Call it from a timer while oms_held_count() > 0.
 */
int oms_retry_held(oms *m);

/*
 * The filled qty and notional of an order counting the executions still held (not applied yet)
 * behind the locked database, each execution id once: what an adapter that derives executions
 * from a broker's cumulative figures must subtract. -1 for an unknown order.
 */
int oms_filled_with_held(const oms *m, const char *client_id, tb_qty *qty, tb_money *notional);

/* Broker updates held because the database was locked; how many were ever held and dropped
 * (the queue was full); intents refused because of the lock. */
uint32_t oms_held_count(const oms *m);
uint64_t oms_held_total(const oms *m);
uint64_t oms_held_dropped(const oms *m);
uint64_t oms_busy_refusals(const oms *m);
uint64_t oms_unjournaled_cancels(const oms *m);

/* The order with this client id, or NULL. */
const oms_order *oms_find(const oms *m, const char *client_id);

/* Open (non-terminal) orders of a symbol into out[0..cap); returns how many exist. */
int oms_open_orders(const oms *m, const char *symbol, const oms_order **out, int cap);

/* Every open order (all symbols) into out[0..cap); returns how many exist (risk gates, kill
 * switch, reconciliation). */
int oms_open_orders_all(const oms *m, const oms_order **out, int cap);

/* The position of a symbol, or NULL if it never traded. */
const oms_position *oms_position_get(const oms *m, const char *symbol);

/* Every position into out[0..cap); returns how many exist. */
int oms_positions(const oms *m, const oms_position **out, int cap);

/* The positions that are not flat (qty != 0) into out[0..cap), in the order oms_positions gives
 * them; returns how many there are. Costs what is held, not every symbol ever traded. */
int oms_positions_held(const oms *m, const oms_position **out, int cap);

/* The position of order o's symbol without a lookup by name: the pointer oms_positions and
 * oms_position_get give for that symbol, or, if it never traded, a flat one (qty 0) that
 * oms_position_index also knows. o must be one of m's orders (oms_find, oms_open_orders*). */
const oms_position *oms_order_position(const oms *m, const oms_order *o);

/* Position p's index in m (p from oms_positions or oms_position_get): below oms_position_slots,
 * the same for a symbol as long as m lives, so a caller can keep per-symbol data in a flat array
 * instead of looking the name up for every position it walks. */
uint32_t oms_position_index(const oms *m, const oms_position *p);
uint32_t oms_position_slots(const oms *m);

/*
 * Positions per strategy. Every order belongs to the strategy named in it, and so do its fills:
 * oms_position_get is the account's net position of a symbol, the sum of its strategies'.
 * The engine's own orders carry the strategy whose position they close ("session end: flatten").
 */

/* The name a strategy's orders carry (and its positions are kept under): the configured name
 * reduced to [A-Za-z0-9_.] and OMS_STRATEGY_MAX characters, as in client ids. */
void oms_strategy_key(const char *name, char *out, size_t cap);

/* The strategy's own filled position of a symbol (0 if none). */
tb_qty oms_strategy_qty(const oms *m, const char *strategy, const char *symbol);

/* The strategy's position with its P&L, or NULL if it never traded the symbol. A position, once
 * made, stays at the same address for the manager's life, so a caller may keep the pointer. */
const oms_position *oms_strategy_position(const oms *m, const char *strategy, const char *symbol);

/* How many strategy positions were ever made: while it is unchanged, a NULL from
 * oms_strategy_position stays NULL (callers cache the answer per symbol on the per-bar path). */
uint32_t oms_strategy_positions_made(const oms *m);

/* Every (strategy, symbol) position: strategies[i] owns out[i], for i < cap; returns how many
 * exist. Either array may be NULL to count only. */
int oms_strategy_positions(const oms *m, const char **strategies, const oms_position **out,
                           int cap);

/* A position as it will be if every working order fills: the filled qty and the unfilled rest
 * of working buys and sells (held bracket legs not counted; of an active take-profit and
 * stop-loss pair only one, since one cancels the other). */
typedef struct oms_exposure {
    tb_qty filled;       /* signed: > 0 long */
    tb_qty working_buy;  /* >= 0 */
    tb_qty working_sell; /* >= 0 */
} oms_exposure;

/* The exposure of a strategy (NULL: the account) in a symbol. */
void oms_exposure_get(const oms *m, const char *strategy, const char *symbol, oms_exposure *out);

/* The account's exposure in a symbol (oms_exposure_get with strategy NULL) and its position
 * (oms_position_get), from one lookup: the gates ask both for every intent. */
const oms_position *oms_position_exposure(const oms *m, const char *symbol, oms_exposure *out);

/* The positions of one symbol's owners (as oms_strategy_positions); returns how many exist. */
int oms_symbol_strategies(const oms *m, const char *symbol, const char **strategies,
                          const oms_position **out, int cap);

/* 1 when the intent only reduces the position of the strategy (NULL: the account) and by no
 * more than what is left of it once the working orders on the same side have filled: a sell of
 * at most filled long - working sells, a buy of at most filled short - working buys. */
int oms_intent_reduces(const oms *m, const char *strategy, const oms_intent *in);

/*
 * The invariant "account qty == sum of strategy qtys" per symbol is checked after every fill
 * (and by oms_check_invariants): a difference is an ERROR log line and a count, never silence.
 * oms_check_invariants also checks that the held positions and the open orders the walks above
 * give are those of a walk over every symbol. Returns the number of differences found now.
 */
int oms_check_invariants(oms *m);
uint64_t oms_invariant_violations(const oms *m);
const char *oms_last_invariant_violation(const oms *m);

/* The day-trade ledger, and its count over [first_day, last_day]. */
const oms_daytrades *oms_get_daytrades(const oms *m);
int oms_daytrade_count(const oms *m, int32_t first_day, int32_t last_day);

/* The sequence number the next client id will use. */
int64_t oms_next_seq(const oms *m);

/* Number of broker updates refused in the callback, and the last reason (for metrics, logs). */
uint64_t oms_update_errors(const oms *m);
const char *oms_last_update_error(const oms *m);

/* Broker updates refused in the callback, by reason (oms/refused.h names them); each was logged
 * at WARN or ERROR with its client id, broker order id and execution id. */
const tb_counters *oms_refused_by_reason(const oms *m);

/* Restoring state at start (oms_store_load): no journal calls, no broker calls. */
int oms_restore_order(oms *m, const oms_order *o, tb_err *e);
int oms_restore_position(oms *m, const oms_position *p, tb_err *e);
int oms_restore_strategy_position(oms *m, const char *strategy, const oms_position *p, tb_err *e);
void oms_restore_exec(oms *m, const char *exec_id);
void oms_restore_daytrade(oms *m, const oms_daytrade *dt);
/* Moves the sequence forward to at least next_seq (never back). */
void oms_restore_seq(oms *m, int64_t next_seq);

#endif
