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
    /* Positions per strategy (issue 17). The order manager's own tables are created by
     * oms/oms_store.c; an older database has the account's positions only, and those become
     * the position of the owner "unattributed" so that the account stays the sum of its
     * strategies (the engine's session-end flatten then closes them as that owner). */
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
    /* Next: orders, fills, ... */
};

const int tb_db_nmigrations = (int)(sizeof tb_db_migrations / sizeof tb_db_migrations[0]);
