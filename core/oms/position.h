/*
 * position.h - one symbol's position, exact P&L and the day-trade ledger.
 *
 * Average-cost accounting in integers: cost_basis is the exact cost of the open shares (for a
 * short, the exact proceeds of the open short sale). Closing part of a position removes
 * cost_basis * closed / open rounded half to even; the remainder stays in the basis, so no
 * micro-dollar is created or lost and a flat position has a basis of exactly 0. A fill larger
 * than the position flips it through zero: the first part closes, the rest opens the other side
 * at the fill price.
 *
 * Day trades (docs/orders.md): the position remembers how many of its shares were opened in the
 * current session day (`opened_today`). A closing fill closes today's shares first (LIFO), and
 * reports how many it closed in `closed_today`; the order manager then records one day trade
 * per closing order (not per fill) in the ledger. Session-day ids are yyyymmdd integers supplied
 * by the caller, since the exchange calendar lives elsewhere.
 */
#ifndef TB_OMS_POSITION_H
#define TB_OMS_POSITION_H

#include <stdint.h>

#include "oms/order.h"
#include "util/err.h"
#include "util/money.h"

typedef struct oms_position {
    char symbol[OMS_SYMBOL_MAX + 1];
    tb_qty qty;            /* > 0 long, < 0 short */
    tb_money cost_basis;   /* >= 0: cost (long) or proceeds (short) of the open shares */
    tb_money avg_price;    /* cost_basis / |qty| half-even; 0 when flat */
    tb_money realized_pnl; /* gross of fees */
    tb_money fees;         /* commissions paid */
    int32_t day;           /* session day that opened_today refers to */
    tb_qty opened_today;   /* shares of the open position opened on `day` */
} oms_position;

/* What one fill did to a position. */
typedef struct oms_pos_change {
    tb_qty opened;       /* shares added to the position (either side) */
    tb_qty closed;       /* shares closed */
    tb_qty closed_today; /* of `closed`, shares opened the same session day */
    tb_money realized;   /* P&L realised by this fill */
} oms_pos_change;

/* Zeroes p and sets its symbol. */
void oms_pos_init(oms_position *p, const char *symbol);

/*
 * Applies a fill of qty shares at price (and its fee) made in session day `day`. Fills change
 * chg (may be NULL). On error (qty or price not positive, overflow) p is unchanged.
 */
int oms_pos_apply(oms_position *p, oms_side side, tb_qty qty, tb_money price, tb_money fee,
                  int32_t day, oms_pos_change *chg, tb_err *e);

/* Unrealised P&L of the open shares against a mark price. */
int oms_pos_unrealized(const oms_position *p, tb_money mark, tb_money *out, tb_err *e);

/* Signed market value qty * mark. */
int oms_pos_market_value(const oms_position *p, tb_money mark, tb_money *out, tb_err *e);

#define OMS_DAYTRADES_MAX 512

typedef struct oms_daytrade {
    int32_t day;                           /* session day, yyyymmdd */
    char symbol[OMS_SYMBOL_MAX + 1];       /* security day-traded */
    char client_id[OMS_CLIENT_ID_MAX + 1]; /* the closing order */
    int64_t t_ns;                          /* time of the closing fill */
} oms_daytrade;

/* The most recent OMS_DAYTRADES_MAX day trades (older ones are forgotten). */
typedef struct oms_daytrades {
    oms_daytrade ring[OMS_DAYTRADES_MAX];
    uint32_t head, count;
} oms_daytrades;

/* Empties the ledger. */
void oms_daytrades_init(oms_daytrades *d);

/* Records a day trade; 0 if recorded, 1 if that closing order is already recorded. */
int oms_daytrades_record(oms_daytrades *d, const oms_daytrade *dt);

/* Number of day trades with first_day <= day <= last_day (the caller's business-day window). */
int oms_daytrades_count(const oms_daytrades *d, int32_t first_day, int32_t last_day);

/* The i-th most recent day trade (0 = newest), or NULL. */
const oms_daytrade *oms_daytrades_get(const oms_daytrades *d, uint32_t i);

#endif
