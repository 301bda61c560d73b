/*
 * broker.h - the broker interface: a C vtable implemented by paper, alpaca and ibkr adapters
 * (core/broker/). It sits with the order manager, which drives it, below the adapters.
 *
 * Calls return 0 when the request was handed to the broker and -1 when it could not be sent
 * (tb_err says why). A broker's verdict (accepted, rejected, filled, canceled) always arrives
 * through the update callback, possibly from inside the call itself (the paper broker with no
 * latency). A submit that may have reached the broker without a verdict (a synchronous timeout)
 * returns BROKER_OUTCOME_UNKNOWN: the order becomes `unknown` and the adapter looks it up by
 * client order id (docs/orders.md); -1 from submit means nothing was sent (it is rejected).
 * Asynchronous adapters report an unknown outcome later with an update of status `unknown`.
 */
#ifndef TB_OMS_BROKER_H
#define TB_OMS_BROKER_H

#include "oms/order.h"
#include "util/err.h"
#include "util/money.h"

#define BROKER_OUTCOME_UNKNOWN (-2) /* submit: sent, no verdict; tb_err says why */

typedef enum {
    BROKER_DISCONNECTED,
    BROKER_CONNECTING,
    BROKER_SYNCING, /* connected, reconciling orders and positions: no new orders yet */
    BROKER_READY
} broker_state;

/* One order update: a status change and/or one execution. Strings live for the call only. */
typedef struct broker_update {
    const char *client_id; /* our id: the key */
    const char *broker_id; /* may be NULL */
    oms_status status;     /* the broker's status for the order after this event */
    const char *reason;    /* reject or cancel reason; may be NULL */
    int has_exec;          /* 1 when the fields below describe an execution */
    const char *exec_id;
    tb_qty exec_qty;     /* this execution only */
    tb_money exec_price; /* this execution only */
    tb_money commission;
    tb_qty cum_qty;     /* broker's cumulative filled qty after it (0: not reported) */
    tb_money avg_price; /* broker's cumulative average price (0: not reported) */
    int64_t t_ns;       /* when we learned it */
    int64_t exec_t_ns;  /* the broker's time of the execution (0: not reported): dates the fill */
} broker_update;

typedef void (*broker_update_fn)(void *ud, const broker_update *u);

/* A bracket sent as one request: the parent and its two legs (legs NULL for a simple order). */
typedef struct broker_submit_req {
    const oms_order *order;
    const oms_order *take_profit;
    const oms_order *stop_loss;
} broker_submit_req;

/* A replace: the working order and its replacement (a new client id with the new fields). */
typedef struct broker_replace_req {
    const oms_order *old_order;
    const oms_order *new_order;
} broker_replace_req;

typedef struct broker_position {
    char symbol[OMS_SYMBOL_MAX + 1];
    tb_qty qty; /* signed */
    tb_money avg_price;
} broker_position;

/* Every field optional: brokers drop fields (Alpaca removed its PDT fields in 2026). */
enum { BROKER_HAS_CASH = 1, BROKER_HAS_EQUITY = 2, BROKER_HAS_BUYING_POWER = 4 };
typedef struct broker_account {
    unsigned has; /* BROKER_HAS_* bits */
    tb_money cash, equity, buying_power;
} broker_account;

struct posdiff;

typedef struct broker_vtable {
    const char *name;
    int (*connect)(void *self, tb_err *e);
    int (*disconnect)(void *self, tb_err *e);
    broker_state (*state)(void *self);
    int (*submit)(void *self, const broker_submit_req *r, tb_err *e);
    int (*cancel)(void *self, const oms_order *o, tb_err *e);
    int (*replace)(void *self, const broker_replace_req *r, tb_err *e);
    /* Fills out[0..cap) and *n; -1 if more than cap positions. */
    int (*positions)(void *self, broker_position *out, int cap, int *n, tb_err *e);
    int (*account)(void *self, broker_account *out, tb_err *e);
    void (*set_update_fn)(void *self, broker_update_fn fn, void *ud);
    /* Optional (NULL: ready exactly when state() is BROKER_READY). Whether a new order can go
     * out now: NULL when it can, else a short reason code ("disconnected", "paused",
     * "restart_window", ...) with a sentence for the operator in why. */
    const char *(*not_ready)(void *self, char *why, size_t why_len);
    /* Optional (NULL: none). The position differences its reconciliations see
     * (broker/posdiff.h): persistent ones hold entries on their symbol. */
    const struct posdiff *(*differences)(void *self);
} broker_vtable;

/* A broker handle: the vtable and the adapter's state. Owned by whoever created the adapter. */
typedef struct broker {
    const broker_vtable *vt;
    void *self;
} broker;

/* Lower-case name of a connection state ("ready"). */
const char *broker_state_name(broker_state s);

/* Thin wrappers over the vtable, so callers read broker_submit(b, ...). */
int broker_connect(broker b, tb_err *e);
int broker_disconnect(broker b, tb_err *e);
broker_state broker_get_state(broker b);
int broker_submit(broker b, const broker_submit_req *r, tb_err *e);
int broker_cancel(broker b, const oms_order *o, tb_err *e);
int broker_replace(broker b, const broker_replace_req *r, tb_err *e);
int broker_positions(broker b, broker_position *out, int cap, int *n, tb_err *e);
int broker_account_get(broker b, broker_account *out, tb_err *e);
void broker_set_update_fn(broker b, broker_update_fn fn, void *ud);

/*
 * Whether new intents may be admitted now (core/trade/admit.c asks before an order is even
 * created): NULL when the broker can take an order, else its short reason code, with why (may
 * be NULL) filled for the decision log. Broker-generic: adapters without a not_ready function
 * are ready exactly when their state is BROKER_READY.
 */
const char *broker_not_ready(broker b, char *why, size_t why_len);

/* The adapter's position differences (broker/posdiff.h), or NULL when it keeps none. */
const struct posdiff *broker_differences(broker b);

/*
 * Forwarders for a decorator (a broker that wraps another: the session recorder, the replay
 * broker): self points to a struct whose FIRST member is the wrapped broker, and each forwarder
 * calls the same function of that broker. A decorator's vtable names these for what it passes
 * through unchanged and its own functions for the rest.
 */
int broker_fwd_connect(void *self, tb_err *e);
int broker_fwd_disconnect(void *self, tb_err *e);
broker_state broker_fwd_state(void *self);
int broker_fwd_cancel(void *self, const oms_order *o, tb_err *e);
int broker_fwd_positions(void *self, broker_position *out, int cap, int *n, tb_err *e);
int broker_fwd_account(void *self, broker_account *out, tb_err *e);
const char *broker_fwd_not_ready(void *self, char *why, size_t why_len);
const struct posdiff *broker_fwd_differences(void *self);

#endif
