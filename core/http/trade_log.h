/*
 * trade_log.h - the closed trades of the account, built from the persisted fills (oms_fills,
 * with each fill's order in oms_orders for its strategy and reason), so the dashboard's trade
 * list survives a restart of the engine.
 *
 * The fills are applied in the order they were persisted (rowid) to one average-cost position
 * per symbol, exactly as the order manager applies them (oms_pos_apply); a fill that realises
 * P&L is a trade, like the trader's in-memory list of a backtest (trade/trader.h). Reading is
 * incremental: each sync reads only the fills persisted since the last one. A commission
 * amended after its fill (a broker's late fee) is noticed by a look over all the rows read,
 * at most once every TB_TRADE_LOG_RECHECK_NS (it costs a scan of oms_fills: about 50 ms for
 * 200,000 fills, not to be paid on the loop at every page refresh), and the list is rebuilt.
 */
#ifndef TB_HTTP_TRADE_LOG_H
#define TB_HTTP_TRADE_LOG_H

#include "trade/trader.h"
#include "util/err.h"

#include <sqlite3.h>
#include <stddef.h>

typedef struct tb_trade_log tb_trade_log;

#define TB_TRADE_LOG_RECHECK_NS (60 * 1000000000LL)

/* An empty log (NULL when out of memory). */
tb_trade_log *tb_trade_log_new(void);

/* Frees the log; NULL is fine. */
void tb_trade_log_free(tb_trade_log *l);

/* Reads the fills persisted since the last sync from db and appends the trades they close;
 * now_ns (any monotonic clock) paces the look for amended commissions.
 * Returns 0; -1 with e set when the read failed (the trades before it stay, the next sync
 * reads on from there) or when a row could not be applied to its position (a corrupt side or
 * quantity: e names its exec_id; it is skipped once, the other rows count). */
int tb_trade_log_sync(tb_trade_log *l, sqlite3 *db, int64_t now_ns, tb_err *e);

/* The trades so far, oldest first (the log owns the array). */
const tb_trade_rec *tb_trade_log_trades(const tb_trade_log *l, size_t *n);

/* Fills read so far (for tests and logs). */
size_t tb_trade_log_fills(const tb_trade_log *l);

#endif
