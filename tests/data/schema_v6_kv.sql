-- The kv tables as their owner created them before migration step 7 (schema version 6),
-- frozen: tests/unit/test_migrations.c builds an old database from this text. Never edit.
CREATE TABLE IF NOT EXISTS engine_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_ns INTEGER)
