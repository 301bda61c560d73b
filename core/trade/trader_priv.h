/*
 * trader_priv.h - what the Lua context (ctx_lua.c) reads from the trader; not for other users.
 */
#ifndef TB_TRADE_TRADER_PRIV_H
#define TB_TRADE_TRADER_PRIV_H

#include "data/ring.h"
#include "ind/ind_set.h"
#include "trade/trader.h"

#include <lua.h>

const ind_set *tb_trader_cur_ind(const tb_trader *t);
const tb_ring *tb_trader_cur_bars(const tb_trader *t);
const char *tb_trader_cur_symbol(const tb_trader *t);
/* The symbol id of the bar being handed to strategies, -1 outside on_bar; its last close. */
int32_t tb_trader_cur_sym(const tb_trader *t);
double tb_trader_cur_last(const tb_trader *t);
/* The id of a registered symbol, -1 for a name the engine does not know. */
int64_t tb_trader_sym_id(const tb_trader *t, const char *symbol);
double tb_trader_last_price(tb_trader *t, const char *symbol);
int64_t tb_trader_now(const tb_trader *t);
int64_t tb_trader_session_close(const tb_trader *t);
tb_trader_stats *tb_trader_stats_mut(tb_trader *t);
tb_counters *tb_trader_gate_blocks_mut(tb_trader *t);
const tb_trader_opts *tb_trader_opts_of(const tb_trader *t);

/*
 * Every gate an intent passes, in order: the engine's own kill switch (tb_trader_set_halt), which
 * admits only an order that reduces the account's exposure, counting working orders, and no more
 * than that exposure; then the configured gate chain. 1 blocked (gate and why filled), counted.
 */
int tb_trader_gate_all(tb_trader *t, const oms_intent *in, char *gate, size_t gate_len, char *why,
                       size_t why_len);

/* Pushes an order as the table strategies see (id, symbol, side, type, status, qty, ...). */
void tb_trader_push_order(lua_State *L, const oms_order *o);

#endif
