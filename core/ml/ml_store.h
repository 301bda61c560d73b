/*
 * ml_store.h - the ML tables of ml_db/ml_data.db (created by the schema migrations,
 * core/store/migrations.c; the handle comes from tb_db_open):
 *
 *   ml_samples    one row per decision point: time, symbol, schema hash, the feature vector (a
 *                 JSON array in schema order, null for a missing value), the close, the model's
 *                 confidence then (NULL without a model) and, once the horizon has passed, the
 *                 forward return and the label (1 when it is > 0). Training reads these.
 *   ml_decisions  one row per entry intent the ML gate saw: its features, confidence, verdict,
 *                 and the outcome of the trade (realised P&L of the first closing fill, outcome
 *                 1 win / 0 loss).
 *   ml_calibration (view) confidence buckets of 0.1 with count, mean confidence and win rate:
 *                 what the dashboard and Grafana plot as the calibration curve.
 */
#ifndef TB_ML_STORE_H
#define TB_ML_STORE_H

#include "ml/features.h"
#include "util/err.h"

#include <sqlite3.h>
#include <stdint.h>

typedef struct tb_ml_store tb_ml_store;

/* While the database is locked by another process, the engine's writes (batch 0) wait in
 * memory in order, at most this many (then new ones are dropped and counted). */
#define TB_ML_STORE_DEFER_MAX 4096

typedef struct tb_ml_store_stats {
    uint64_t deferred;         /* writes that met a locked database and waited */
    uint64_t written_later;    /* of those, committed by tb_ml_store_flush */
    uint64_t dropped;          /* lost: the buffer was full, or SQLite refused the row */
    uint64_t pending;          /* waiting now because of the lock (or behind rows that are) */
    uint64_t queued;           /* waiting now in all (group mode: also for the next commit) */
    unsigned tables;           /* tables with waiting rows: 1 ml_samples, 2 ml_decisions */
    const char *dropped_table; /* the table of the first dropped row */
} tb_ml_store_stats;

/* Creates the tables if needed and prepares statements (the handle stays the caller's). With
 * batch > 0, writes are grouped into transactions of that many rows (only for a process that
 * is the database's sole writer: `tradebot train` generating data). */
tb_ml_store *tb_ml_store_open(sqlite3 *db, int batch, tb_err *e);

/* Commits a pending batch and releases the statements. */
void tb_ml_store_close(tb_ml_store *s);

/* A decision point. confidence NaN: no model. Returns the row id, or -1. While the database is
 * locked the row waits and the answer is a ticket (>= 2^62) that tb_ml_store_label accepts. */
int64_t tb_ml_store_sample(tb_ml_store *s, int64_t t_ns, const char *symbol,
                           const float f[TB_FEATURES_N], double close, double confidence,
                           const char *model, int horizon_min, tb_err *e);

/* The label of a sample once its horizon has passed. */
int tb_ml_store_label(tb_ml_store *s, int64_t id, double fwd_ret, tb_err *e);

/* An entry intent seen by the ML gate, with the symbol's features then (f may be NULL). */
int tb_ml_store_decision(tb_ml_store *s, int64_t t_ns, const char *symbol, const char *strategy,
                         const char *side, int64_t qty, double confidence, const char *model,
                         const char *verdict, const float *f, tb_err *e);

/* A closing fill: the outcome of the latest open decision of that strategy and symbol. */
int tb_ml_store_outcome(tb_ml_store *s, const char *symbol, const char *strategy, double pnl,
                        int64_t t_ns, tb_err *e);

/* on: every write waits in memory (in order, as while locked) for tb_ml_store_flush, which
 * commits them in one transaction. The engine's connection commits with synchronous=FULL (the
 * order journal's durability), so a row a commit is an fsync each: 500 symbols' samples of one
 * minute were 500 fsyncs on the loop. Training rows may wait the flush timer (dbwait, 50 ms);
 * only rows that met the lock count as deferred. Not with batch > 0. */
void tb_ml_store_group(tb_ml_store *s, int on);

/* Another write found the database locked: every row waiting for its group's commit now waits
 * for the lock too (counted as deferred, reported by the lock episode). */
void tb_ml_store_locked(tb_ml_store *s);

/* Writes the waiting rows in one transaction with the connection's lock wait: 0 when none
 * waits any more, -1 with e (every row kept; *busy when the lock was the reason). */
int tb_ml_store_flush(tb_ml_store *s, int *busy, tb_err *e);

void tb_ml_store_stats_get(const tb_ml_store *s, tb_ml_store_stats *out);

/* Labelled samples of the live schema, oldest first: t (ns), X (n x TB_FEATURES_N, NaN for
 * missing) and y, as new arrays (free them). */
int tb_ml_store_training_set(sqlite3 *db, int64_t **t, float **x, float **y, size_t *n, tb_err *e);

/* Number of labelled samples of the live schema (0 when the table does not exist). */
int64_t tb_ml_store_count_labelled(sqlite3 *db);

/* Reads of ml_decisions for the dashboard and the Sentinel, so no one else writes SQL against the
 * table. Adds the decisions that have a confidence into counts[decile][outcome] (decile 0..9 of
 * the confidence; outcome 0 won, 1 lost, 2 still open); returns how many rows were counted, or
 * -1 when the query failed (a database without the table). */
int64_t tb_ml_decisions_by_decile(sqlite3 *db, double counts[10][3]);

typedef struct tb_ml_calibration {
    int64_t n;               /* closed decisions with a confidence */
    double mean_probability; /* their mean confidence */
    double hit_rate;         /* the share that won */
} tb_ml_calibration;

/* The model's calibration against outcomes. 0 (out->n may be 0), or -1 when the query failed. */
int tb_ml_decisions_calibration(sqlite3 *db, tb_ml_calibration *out);

#endif
