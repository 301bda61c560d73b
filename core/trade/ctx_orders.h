/*
 * ctx_orders.h - the order actions of a strategy's ctx (ctx_orders.c); registered by
 * tb_trader_ctx_init with the trader and the strategy's name as upvalues 1 and 2.
 */
#ifndef TB_TRADE_CTX_ORDERS_H
#define TB_TRADE_CTX_ORDERS_H

#include "trade/trader_priv.h"

#include <lauxlib.h>

/* buy, sell, short, cover, close, cancel. */
extern const luaL_Reg tb_ctx_order_fns[];

/* One line in logs/enhanced_decision_log.jsonl for an intent and its verdict. */
void tb_ctx_log_decision(tb_trader *t, const oms_intent *in, const char *verdict, const char *gate,
                         const char *why, const oms_order *o);

#endif
