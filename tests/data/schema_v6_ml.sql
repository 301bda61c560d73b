-- The ml tables as their owner created them before migration step 7 (schema version 6),
-- frozen: tests/unit/test_migrations.c builds an old database from this text. Never edit.
CREATE TABLE IF NOT EXISTS ml_samples ( id INTEGER PRIMARY KEY, t_ns INTEGER NOT NULL, symbol TEXT NOT NULL, schema_hash TEXT NOT NULL, features TEXT NOT NULL, close REAL NOT NULL, confidence REAL, model TEXT, horizon_min INTEGER NOT NULL, fwd_ret REAL, label INTEGER);
CREATE INDEX IF NOT EXISTS ml_samples_t ON ml_samples (t_ns);
CREATE TABLE IF NOT EXISTS ml_decisions ( id INTEGER PRIMARY KEY, t_ns INTEGER NOT NULL, symbol TEXT NOT NULL, strategy TEXT NOT NULL, side TEXT NOT NULL, qty INTEGER NOT NULL, confidence REAL, model TEXT, verdict TEXT NOT NULL, outcome_pnl REAL, outcome INTEGER, closed_t_ns INTEGER, schema_hash TEXT, features TEXT);
CREATE INDEX IF NOT EXISTS ml_decisions_open ON ml_decisions (strategy, symbol, outcome);
CREATE VIEW IF NOT EXISTS ml_calibration AS SELECT MIN(CAST(confidence * 10 AS INTEGER), 9) AS bucket, COUNT(*) AS n, AVG(confidence) AS mean_confidence, AVG(outcome) AS win_rate, SUM(outcome_pnl) AS pnl FROM ml_decisions WHERE confidence IS NOT NULL AND outcome IS NOT NULL GROUP BY bucket;
