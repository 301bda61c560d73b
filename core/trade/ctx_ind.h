/*
 * ctx_ind.h - ctx.ind, the current symbol's indicators by name (nil while one warms up).
 *
 * A plain table, so that a read is a table hit inside the Lua VM instead of a metamethod call
 * into C (three such calls a bar were 12% of a backtest's instructions). What a strategy has read
 * once is written into the table before each of its on_bar calls, inside the protected call
 * (tb_ctx_ind_fill); a name not read before, or one warming up, goes through __index, which
 * answers from the indicator set and remembers the name for the next bars. Before any other
 * callback the values are taken out again (tb_ctx_ind_clear): outside on_bar there is no current
 * symbol, and ctx.ind reads nil there as it always did. An unknown name raises "ctx.ind has no
 * indicator 'x'", a new key cannot be written and the metatable is locked.
 */
#ifndef TB_TRADE_CTX_IND_H
#define TB_TRADE_CTX_IND_H

#include "ind/ind_set.h"
#include "trade/trader.h"

#include <lua.h>

typedef struct tb_ctx_ind tb_ctx_ind;

/* Pushes a new ctx.ind table for trader t; the returned view lives as long as the state. */
tb_ctx_ind *tb_ctx_ind_new(lua_State *L, tb_trader *t);

/* Writes the names read so far from set (NULL: none) into the table. Inside a protected call:
 * the first write of a name allocates. */
void tb_ctx_ind_fill(lua_State *L, tb_ctx_ind *v, const ind_set *set);

/* Takes the written values out again (allocates nothing: safe outside a protected call). */
void tb_ctx_ind_clear(lua_State *L, tb_ctx_ind *v);

#endif
