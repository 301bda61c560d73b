/*
 * migrations.c - the schema of ml_db/ml_data.db as an ordered list of steps. Step i+1 is
 * applied when PRAGMA user_version is i. Append only: a released step never changes, a
 * correction is a new step.
 */
#include "store/db.h"

const tb_db_migration tb_db_migrations[] = {
    {"bars", "CREATE TABLE bars ("
             " symbol TEXT NOT NULL,"
             " timeframe INTEGER NOT NULL," /* seconds */
             " start_ns INTEGER NOT NULL,"  /* ns since the Unix epoch, UTC */
             " open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,"
             " volume REAL NOT NULL, vwap REAL, trades INTEGER NOT NULL DEFAULT 0,"
             " PRIMARY KEY (symbol, timeframe, start_ns)"
             ") WITHOUT ROWID;"},
    {"orchestrator run history",
     "CREATE TABLE orch_runs ("
     " id INTEGER PRIMARY KEY,"
     " step TEXT NOT NULL,"
     " day INTEGER NOT NULL," /* tb_date: days since 1970-01-01 */
     " attempt INTEGER NOT NULL,"
     " source TEXT NOT NULL," /* schedule | manual */
     " due_ns INTEGER NOT NULL, started_ns INTEGER NOT NULL, finished_ns INTEGER NOT NULL,"
     " status TEXT NOT NULL, final INTEGER NOT NULL, exit_code INTEGER NOT NULL,"
     " message TEXT NOT NULL);"
     "CREATE INDEX orch_runs_step_day ON orch_runs (step, day);"},
    {"vendor fetch ledger", "CREATE TABLE fetch_ledger ("
                            " vendor TEXT NOT NULL," /* polygon | alpaca */
                            " symbol TEXT NOT NULL," /* '*': the whole market (grouped daily) */
                            " timeframe INTEGER NOT NULL," /* seconds */
                            " day INTEGER NOT NULL,"       /* tb_date: days since 1970-01-01 */
                            " bars INTEGER NOT NULL,"      /* stored from that fetch */
                            " fetched_ns INTEGER NOT NULL,"
                            " PRIMARY KEY (vendor, symbol, timeframe, day)"
                            ") WITHOUT ROWID;"},
    /* Positions per strategy (issue 17). The order manager's other tables were then created
     * by oms/oms_store.c (step 7 since); an older database has the account's positions only, and
     * those become the position of the owner "unattributed" so that the account stays the sum of
     * its strategies (the engine's session-end flatten then closes them as that owner). */
    {"positions per strategy",
     "CREATE TABLE IF NOT EXISTS oms_positions ("
     " symbol TEXT PRIMARY KEY, qty INTEGER, cost_basis INTEGER, avg_price INTEGER,"
     " realized_pnl INTEGER, fees INTEGER, day INTEGER, opened_today "
     "INTEGER);" TB_DB_OMS_STRATEGY_POSITIONS_DDL
     "INSERT OR IGNORE INTO oms_strategy_positions SELECT 'unattributed', symbol, qty,"
     " cost_basis, avg_price, realized_pnl, fees, day, opened_today FROM oms_positions"
     " WHERE qty != 0;"},
    {"orchestrator step processes", /* a restarted orchestrator adopts a step still running */
     "ALTER TABLE orch_runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE orch_runs ADD COLUMN pid_start INTEGER NOT NULL DEFAULT 0;"},
    /* The Healer's audit trail (healer/audit.c), created on first use before it was a step: an
     * older database may already hold it with its rows, hence IF NOT EXISTS. */
    {"healer audit trail", "CREATE TABLE IF NOT EXISTS healer_audit ("
                           " id INTEGER PRIMARY KEY,"
                           " t TEXT NOT NULL,"         /* UTC, ISO 8601 */
                           " action TEXT NOT NULL,"    /* healer_directive_approved, ... */
                           " directive TEXT NOT NULL," /* the directive's id */
                           " by TEXT NOT NULL,"        /* cli | dashboard */
                           " detail TEXT NOT NULL)"},
    /* The order manager's journal (oms/oms_store.c), the ML journal (ml/ml_store.c) and the
     * engine's key-value state (store/kv.c), each created on first use by its owner before
     * it was a step: an older database may already hold them with their rows, hence IF NOT
     * EXISTS. The text is the owners' former DDL, so a fresh database gets the same schema. */
    {"order manager, ML journal and engine state",
     "CREATE TABLE IF NOT EXISTS oms_orders ("
     " client_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, broker_id TEXT, symbol TEXT NOT NULL,"
     " strategy TEXT, reason TEXT, note TEXT, parent_id TEXT, replaces_id TEXT,"
     " session_day INTEGER, side TEXT, type TEXT, tif TEXT, class TEXT, leg INTEGER,"
     " status TEXT, qty INTEGER, limit_price INTEGER, stop_price INTEGER, tp_limit INTEGER,"
     " sl_stop INTEGER, sl_limit INTEGER, filled_qty INTEGER, filled_notional INTEGER,"
     " filled_avg_price INTEGER, commission INTEGER, broker_cum_qty INTEGER, day_trade INTEGER,"
     " created_ns INTEGER, updated_ns INTEGER, filled_ns INTEGER, closed_ns INTEGER);"
     "CREATE INDEX IF NOT EXISTS oms_orders_status ON oms_orders(status, session_day);"
     "CREATE TABLE IF NOT EXISTS oms_fills ("
     " exec_id TEXT NOT NULL UNIQUE, client_id TEXT NOT NULL, symbol TEXT NOT NULL,"
     " side TEXT NOT NULL, qty INTEGER NOT NULL, price INTEGER NOT NULL, commission INTEGER,"
     " cum_qty INTEGER, t_ns INTEGER, session_day INTEGER);"
     "CREATE INDEX IF NOT EXISTS oms_fills_day ON oms_fills(session_day);"
     "CREATE TABLE IF NOT EXISTS oms_daytrades ("
     " client_id TEXT PRIMARY KEY, day INTEGER, symbol TEXT, t_ns INTEGER);"
     "CREATE TABLE IF NOT EXISTS ml_samples ("
     " id INTEGER PRIMARY KEY, t_ns INTEGER NOT NULL, symbol TEXT NOT NULL,"
     " schema_hash TEXT NOT NULL, features TEXT NOT NULL, close REAL NOT NULL,"
     " confidence REAL, model TEXT, horizon_min INTEGER NOT NULL, fwd_ret REAL, label INTEGER);"
     "CREATE INDEX IF NOT EXISTS ml_samples_t ON ml_samples (t_ns);"
     "CREATE TABLE IF NOT EXISTS ml_decisions ("
     " id INTEGER PRIMARY KEY, t_ns INTEGER NOT NULL, symbol TEXT NOT NULL,"
     " strategy TEXT NOT NULL, side TEXT NOT NULL, qty INTEGER NOT NULL, confidence REAL,"
     " model TEXT, verdict TEXT NOT NULL, outcome_pnl REAL, outcome INTEGER, closed_t_ns INTEGER,"
     " schema_hash TEXT, features TEXT);"
     "CREATE INDEX IF NOT EXISTS ml_decisions_open ON ml_decisions (strategy, symbol, outcome);"
     "CREATE VIEW IF NOT EXISTS ml_calibration AS SELECT"
     " MIN(CAST(confidence * 10 AS INTEGER), 9) AS bucket, COUNT(*) AS n,"
     " AVG(confidence) AS mean_confidence, AVG(outcome) AS win_rate, SUM(outcome_pnl) AS pnl"
     " FROM ml_decisions WHERE confidence IS NOT NULL AND outcome IS NOT NULL GROUP BY bucket;"
     "CREATE TABLE IF NOT EXISTS engine_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
     " updated_ns INTEGER);"},
    /* Next: a new step here; every table of the engine's database is created above. */
};

const int tb_db_nmigrations = (int)(sizeof tb_db_migrations / sizeof tb_db_migrations[0]);
