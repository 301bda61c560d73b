/*
 * fake_broker.h - an in-process broker at the broker.h interface that has a bad day on purpose,
 * driven by a seed: partial fills, rejections, submits that time out after reaching it, updates
 * delivered late (steps later), twice (same execution id) or out of order, and disconnects that
 * lose the stream until a reconciliation. It keeps its own book (orders, executions, positions,
 * cash) and survives the engine's crash, as a real broker does; the simulator (tests/sim/sim.c)
 * plays the adapter's part: it attaches the order manager after a restart and reconciles.
 *
 * It also counts what only the broker can see: how many times each client id was sent, and which
 * executions were ever handed to the engine (invariant 5 of docs/simulation.md).
 */
#ifndef TB_SIM_FAKE_BROKER_H
#define TB_SIM_FAKE_BROKER_H

#include "oms/broker.h"
#include "oms/oms.h"

#include <stdint.h>

#define FB_MAX_SYMBOLS 8

typedef struct fb_config {
    uint64_t seed;
    int max_orders, max_execs; /* book capacity (orders and executions of the whole run) */
    int reject_pm;             /* per mille of submits rejected */
    int timeout_pm;            /* per mille of submits that reach the broker but answer -1 */
    int fill_pct;              /* chance a marketable working order trades in a step */
    int partial_pct;           /* chance a trade is partial */
    int late_pct;              /* chance an update is delivered 1..max_delay steps late */
    int max_delay;
    int dup_pct;       /* chance an update is delivered twice */
    int disconnect_pm; /* per mille per step: the stream drops for 1..20 steps */
    tb_money cash;     /* starting cash */
    int lose_exec;     /* sabotage: execution n (1-based) is marked delivered, never sent */
    /* Called for each submit that reaches the broker, before it is booked (invariant 4). */
    void (*on_submit)(void *ud, const broker_submit_req *r);
    /* One line per event the broker sees or sends (the trace the run's hash covers). */
    void (*trace)(void *ud, const char *line);
    void *ud;
} fb_config;

typedef struct fake_broker fake_broker;

fake_broker *fb_new(const fb_config *c, tb_err *e);
void fb_free(fake_broker *b);

/* The vtable handle for tb_trader_opts.make_broker. */
broker fb_broker(fake_broker *b);

/* The order manager of the running engine (NULL: crashed); reconciliation reads its open orders. */
void fb_attach(fake_broker *b, oms *m);

/* The engine died: the stream is gone with everything in flight; the book stays. */
void fb_crash(fake_broker *b);

/*
 * Reconciliation, as an adapter does after connecting: every order with something undelivered
 * and every working one is reported again (executions, then status); open orders of the OMS the
 * broker never received are reported rejected. Then the broker is ready.
 */
void fb_reconcile(fake_broker *b);

/* A new last price (the bar's close) and the step's time: working orders may trade. */
void fb_market(fake_broker *b, const char *symbol, tb_money price, int64_t step, int64_t t_ns);

/* Disconnects and reconnections of this step (reconnecting reconciles). */
void fb_tick(fake_broker *b, int64_t step);

/* Delivers the updates due at step, at most max of them (a crash may cut delivery short);
 * returns how many are still due. */
int fb_deliver(fake_broker *b, int64_t step, int max);

/* Session end: day orders expire. */
void fb_end_session(fake_broker *b, int64_t step);

/* What the broker knows, for the invariants. */
broker_state fb_state(const fake_broker *b);
tb_qty fb_position(const fake_broker *b, const char *symbol);
tb_qty fb_undelivered_qty(const fake_broker *b, const char *symbol); /* executions not handed */
int64_t fb_execs_delivered(const fake_broker *b); /* distinct executions handed to the engine */
int64_t fb_execs_total(const fake_broker *b);
int fb_max_sends(const fake_broker *b, const char **client_id); /* most sends of one client id */
int64_t fb_orders(const fake_broker *b);
int64_t fb_disconnects(const fake_broker *b);

#endif
