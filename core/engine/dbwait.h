/*
 * dbwait.h - the engine's writes while another process holds the write lock on
 * ml_db/ml_data.db (an operator's sqlite3 shell, a backup, `tradebot train`, orchestrator
 * children).
 *
 * The loop's connection waits at most TB_DB_LOOP_BUSY_MS for a lock, so the loop never stalls.
 * What could not be written waits in memory and a timer retries it every TB_DBWAIT_RETRY_MS:
 * broker updates (fills, order statuses) held by the order manager in arrival order and applied
 * only once committed; ML rows (ml_samples, ml_decisions) and strategy state (engine_kv).
 * Journaling an intent before it is sent may wait TB_DB_JOURNAL_BUSY_MS (no wait at all while
 * the database was found locked in the last second), then the intent is refused. Each
 * lock episode is logged when it starts (with the tables) and when it ends (what was written).
 */
#ifndef TB_ENGINE_DBWAIT_H
#define TB_ENGINE_DBWAIT_H

#include <stdint.h>

struct tb_engine;
struct event_base;

#define TB_DBWAIT_RETRY_MS 50
#define TB_DBWAIT_PROBE_MS 5 /* lock wait of one retry */

typedef struct tb_dbwait tb_dbwait;

typedef struct tb_dbwait_stats {
    uint32_t held_updates;        /* broker updates waiting to be committed now */
    uint64_t held_total;          /* ever held */
    uint64_t held_dropped;        /* lost because the queue was full */
    uint64_t intents_refused;     /* not journaled, not sent */
    uint64_t unjournaled_cancels; /* sent while locked, journaled with the broker's answer */
    uint64_t rows_pending;        /* ML rows and strategy states waiting now */
    uint64_t rows_deferred;       /* ever deferred */
    uint64_t rows_dropped;        /* ML rows lost (buffer full) */
    uint64_t episodes;            /* lock episodes seen */
} tb_dbwait_stats;

/* Starts the retry timer (the engine's database, order manager, kv and ML store must be open). */
tb_dbwait *tb_dbwait_new(struct tb_engine *en, struct event_base *base);

/* Last retry with the connection's default lock wait (shutdown); logs what stays unwritten. */
void tb_dbwait_free(tb_dbwait *w);

/* The lock wait for journaling an order or fill now (w may be NULL: the default bound). */
int tb_dbwait_journal_ms(const tb_dbwait *w);

/* Records that a journal write met the lock (shortens the next waits for a second). */
void tb_dbwait_note_busy(tb_dbwait *w);

/* One retry pass now (the timer's work). */
void tb_dbwait_retry(tb_dbwait *w);

void tb_dbwait_stats_get(const tb_dbwait *w, tb_dbwait_stats *out);

#endif
