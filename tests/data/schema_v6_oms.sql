-- The oms tables as their owner created them before migration step 7 (schema version 6),
-- frozen: tests/unit/test_migrations.c builds an old database from this text. Never edit.
CREATE TABLE IF NOT EXISTS oms_orders ( client_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, broker_id TEXT, symbol TEXT NOT NULL, strategy TEXT, reason TEXT, note TEXT, parent_id TEXT, replaces_id TEXT, session_day INTEGER, side TEXT, type TEXT, tif TEXT, class TEXT, leg INTEGER, status TEXT, qty INTEGER, limit_price INTEGER, stop_price INTEGER, tp_limit INTEGER, sl_stop INTEGER, sl_limit INTEGER, filled_qty INTEGER, filled_notional INTEGER, filled_avg_price INTEGER, commission INTEGER, broker_cum_qty INTEGER, day_trade INTEGER, created_ns INTEGER, updated_ns INTEGER, filled_ns INTEGER, closed_ns INTEGER);
CREATE INDEX IF NOT EXISTS oms_orders_status ON oms_orders(status, session_day);
CREATE TABLE IF NOT EXISTS oms_fills ( exec_id TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL, qty INTEGER NOT NULL, price INTEGER NOT NULL, commission INTEGER, cum_qty INTEGER, t_ns INTEGER, session_day INTEGER);
CREATE INDEX IF NOT EXISTS oms_fills_day ON oms_fills(session_day);
CREATE TABLE IF NOT EXISTS oms_positions ( symbol TEXT PRIMARY KEY, qty INTEGER, cost_basis INTEGER, avg_price INTEGER, realized_pnl INTEGER, fees INTEGER, day INTEGER, opened_today INTEGER);
CREATE TABLE IF NOT EXISTS oms_strategy_positions ( strategy TEXT NOT NULL, symbol TEXT NOT NULL, qty INTEGER, cost_basis INTEGER, avg_price INTEGER, realized_pnl INTEGER, fees INTEGER, day INTEGER, opened_today INTEGER, PRIMARY KEY (strategy, symbol));
CREATE TABLE IF NOT EXISTS oms_daytrades ( client_id TEXT PRIMARY KEY, day INTEGER, symbol TEXT, t_ns INTEGER);
