/*
 * order.h - one order, its state machine and its executions.
 *
 * An order's cumulative filled qty and average price are kept apart from each execution's own
 * qty and price: a fill event carries both, and mixing them gave wrong positions in other
 * engines (field-lessons). Status changes go through one transition table; an impossible change
 * is refused with an error. Executions are applied idempotently by execution id through an
 * oms_execset, because brokers replay events after a reconnect.
 */
#ifndef TB_OMS_ORDER_H
#define TB_OMS_ORDER_H

#include <stdint.h>

#include "util/err.h"
#include "util/money.h"

#define OMS_CLIENT_ID_MAX 128 /* Alpaca's limit for client_order_id */
#define OMS_BROKER_ID_MAX 63
#define OMS_SYMBOL_MAX    15
#define OMS_STRATEGY_MAX  31
#define OMS_REASON_MAX    127
#define OMS_EXEC_ID_MAX   63

typedef enum { OMS_BUY, OMS_SELL } oms_side;
typedef enum { OMS_MARKET, OMS_LIMIT, OMS_STOP, OMS_STOP_LIMIT } oms_type;
typedef enum { OMS_TIF_DAY, OMS_TIF_GTC, OMS_TIF_IOC, OMS_TIF_OPG, OMS_TIF_CLS } oms_tif;
typedef enum { OMS_CLASS_SIMPLE, OMS_CLASS_BRACKET } oms_class;
/* Which part of a bracket an order is. */
typedef enum { OMS_LEG_NONE, OMS_LEG_TAKE_PROFIT, OMS_LEG_STOP_LOSS } oms_leg;

typedef enum {
    OMS_ST_NEW,              /* created and journaled; the broker has not acknowledged it */
    OMS_ST_HELD,             /* bracket leg waiting for its parent to fill */
    OMS_ST_ACCEPTED,         /* working at the broker */
    OMS_ST_PARTIALLY_FILLED, /* working, some qty filled */
    OMS_ST_PENDING_CANCEL,   /* cancel requested, not confirmed */
    OMS_ST_PENDING_REPLACE,  /* replace requested, not confirmed */
    OMS_ST_UNKNOWN,          /* sent, outcome unknown (timeout, 5xx, crash in flight): looked up
                                by client id until the broker confirms it or a deadline passes */
    OMS_ST_FILLED,           /* terminal */
    OMS_ST_CANCELED,         /* terminal */
    OMS_ST_REJECTED,         /* terminal */
    OMS_ST_EXPIRED,          /* terminal */
    OMS_ST_REPLACED,         /* terminal: a new order carries on */
    OMS_ST_COUNT
} oms_status;

typedef struct oms_order {
    char client_id[OMS_CLIENT_ID_MAX + 1]; /* ours: unique forever, never reused */
    char broker_id[OMS_BROKER_ID_MAX + 1]; /* the broker's, "" until acknowledged */
    char symbol[OMS_SYMBOL_MAX + 1];
    char strategy[OMS_STRATEGY_MAX + 1];
    char reason[OMS_REASON_MAX + 1];         /* the strategy's human reason */
    char note[OMS_REASON_MAX + 1];           /* the broker's reject or cancel reason */
    char parent_id[OMS_CLIENT_ID_MAX + 1];   /* bracket legs: the parent's client id */
    char replaces_id[OMS_CLIENT_ID_MAX + 1]; /* a replacement: the order it replaces */
    int64_t seq;                             /* the OMS sequence number in client_id */
    int32_t session_day;                     /* yyyymmdd the order was created in */
    oms_side side;
    oms_type type;
    oms_tif tif;
    oms_class order_class;
    oms_leg leg;
    oms_status status;
    tb_qty qty;
    tb_money limit_price; /* 0 when the type has none */
    tb_money stop_price;
    tb_money take_profit_limit; /* bracket parent: the legs' prices */
    tb_money stop_loss_stop;
    tb_money stop_loss_limit; /* 0: the stop-loss leg is a plain stop */
    /* Cumulative, summed over distinct executions; never a per-execution figure. */
    tb_qty filled_qty;
    tb_money filled_notional;  /* sum of exec qty x exec price, exact */
    tb_money filled_avg_price; /* filled_notional / filled_qty, half-even */
    tb_money commission;
    tb_qty broker_cum_qty; /* the largest cumulative qty a broker reported, for checks */
    int day_trade;         /* this order closed same-day opening shares (counted once) */
    int64_t created_ns, updated_ns, filled_ns, closed_ns;
} oms_order;

/* One execution as reported by a broker: qty and price of this execution only. */
typedef struct oms_exec {
    char exec_id[OMS_EXEC_ID_MAX + 1];
    tb_qty qty;
    tb_money price;
    tb_money commission;
    int64_t t_ns;
    tb_qty cum_qty; /* the broker's cumulative qty after it; 0 if not reported */
} oms_exec;

/* A fixed-capacity set of execution ids; the oldest is forgotten when full (FIFO). */
typedef struct oms_execset oms_execset;

/* Lower-case wire names ("partially_filled", "buy", "stop_limit", "gtc", "bracket"). */
const char *oms_status_name(oms_status s);
const char *oms_side_name(oms_side s);
const char *oms_type_name(oms_type t);
const char *oms_tif_name(oms_tif t);
const char *oms_class_name(oms_class c);
const char *oms_leg_name(oms_leg l);

/* Parses a wire name back; returns -1 with an error for an unknown one. */
int oms_status_parse(const char *s, oms_status *out, tb_err *e);
int oms_side_parse(const char *s, oms_side *out, tb_err *e);
int oms_type_parse(const char *s, oms_type *out, tb_err *e);
int oms_tif_parse(const char *s, oms_tif *out, tb_err *e);

/* 1 for filled, canceled, rejected, expired and replaced. */
int oms_status_is_terminal(oms_status s);

/* 1 if an order may go from `from` to `to` (a state to itself is allowed: no change). */
int oms_transition_allowed(oms_status from, oms_status to);

/*
 * Moves o to status `to` at time t_ns. Same status: no change, returns 0. A transition the table
 * does not allow: -1 with an error naming both states; o is unchanged.
 */
int oms_order_set_status(oms_order *o, oms_status to, int64_t t_ns, tb_err *e);

/*
 * Checks an order's fields before it is sent: qty > 0, prices present for the type and
 * positive, bracket prices on the right side of each other, ids and symbol non-empty.
 */
int oms_order_validate(const oms_order *o, tb_err *e);

/*
 * Applies one execution. Returns 1 if applied, 0 if its exec_id is already in `seen` (nothing
 * changes), -1 on error (non-positive qty or price, overfill, rejected order; o unchanged).
 * The id is added to `seen` only when the execution is applied. Status follows quantities:
 * filled when filled_qty == qty, else partially_filled; pending_cancel and pending_replace stay
 * pending on a partial fill. A fill on an order already canceled, expired or replaced (it
 * happened before the cancel; events arrive late) updates quantities but not the status.
 * Pass seen == NULL to skip the check (used to compute an order's next state on a copy).
 */
int oms_order_apply_exec(oms_order *o, const oms_exec *x, oms_execset *seen, tb_err *e);

/* Creates a set holding up to `capacity` ids; NULL on allocation failure. */
oms_execset *oms_execset_new(uint32_t capacity);
void oms_execset_free(oms_execset *s);

/* 1 if id is in the set. */
int oms_execset_has(const oms_execset *s, const char *id);

/* Adds id (evicting the oldest when full); 0 if added, 1 if already present, -1 if too long. */
int oms_execset_add(oms_execset *s, const char *id);

/* Number of ids held. */
uint32_t oms_execset_count(const oms_execset *s);

/* Copies src into dst (truncating to cap-1 bytes); returns 1 if it had to truncate. */
int oms_strlcpy(char *dst, const char *src, size_t cap);

#endif
