#include "ml/ml_store.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schema_sql[] =
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
    " FROM ml_decisions WHERE confidence IS NOT NULL AND outcome IS NOT NULL GROUP BY bucket;";

enum { S_SAMPLE, S_LABEL, S_DECISION, S_OUTCOME, S_COUNT };

static const char *const stmt_sql[S_COUNT] = {
    "INSERT INTO ml_samples (t_ns, symbol, schema_hash, features, close, confidence, model,"
    " horizon_min) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "UPDATE ml_samples SET fwd_ret = ?, label = ? WHERE id = ?",
    "INSERT INTO ml_decisions (t_ns, symbol, strategy, side, qty, confidence, model, verdict,"
    " schema_hash, features) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "UPDATE ml_decisions SET outcome_pnl = ?, outcome = ?, closed_t_ns = ? WHERE id = (SELECT"
    " MAX(id) FROM ml_decisions WHERE strategy = ? AND symbol = ? AND verdict = 'passed'"
    " AND outcome IS NULL)",
};

struct tb_ml_store {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    int batch, pending;
    char hash[24];
};

static int fail(tb_ml_store *s, const char *what, tb_err *e)
{
    return tb_errf(e, "ml_data.db: %s: %s", what, sqlite3_errmsg(s->db));
}

tb_ml_store *tb_ml_store_open(sqlite3 *db, int batch, tb_err *e)
{
    tb_ml_store *s = calloc(1, sizeof *s);
    if (!s) {
        tb_errf(e, "ml store: out of memory");
        return NULL;
    }
    s->db = db, s->batch = batch;
    snprintf(s->hash, sizeof s->hash, "%016" PRIx64, tb_features_schema_hash());
    if (sqlite3_exec(db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
        fail(s, "creating the ML tables", e);
        tb_ml_store_close(s);
        return NULL;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
            SQLITE_OK) {
            fail(s, "preparing statements", e);
            tb_ml_store_close(s);
            return NULL;
        }
    return s;
}

void tb_ml_store_close(tb_ml_store *s)
{
    if (!s) return;
    if (s->pending) sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(s->st[i]);
    free(s);
}

/* Runs a bound statement; in batch mode inside a transaction committed every `batch` rows. */
static int run(tb_ml_store *s, int i, const char *what, tb_err *e)
{
    if (s->batch && !s->pending) sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    int rc = sqlite3_step(s->st[i]);
    sqlite3_reset(s->st[i]);
    sqlite3_clear_bindings(s->st[i]);
    if (s->batch && ++s->pending >= s->batch) {
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        s->pending = 0;
    }
    return rc == SQLITE_DONE ? 0 : fail(s, what, e);
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* The features as a JSON array, null for a missing value; returns the length. */
static int features_json(const float *f, char *buf, size_t len)
{
    size_t at = 0;
    buf[at++] = '[';
    for (int i = 0; i < TB_FEATURES_N; i++) {
        int n = isnan(f[i]) ? snprintf(buf + at, len - at, "%snull", i ? "," : "")
                            : snprintf(buf + at, len - at, "%s%.9g", i ? "," : "", (double)f[i]);
        at += (size_t)n;
    }
    buf[at++] = ']';
    buf[at] = '\0';
    return (int)at;
}

int64_t tb_ml_store_sample(tb_ml_store *s, int64_t t_ns, const char *symbol,
                           const float f[TB_FEATURES_N], double close, double confidence,
                           const char *model, int horizon_min, tb_err *e)
{
    char buf[TB_FEATURES_N * 20 + 4];
    int at = features_json(f, buf, sizeof buf);
    sqlite3_stmt *st = s->st[S_SAMPLE];
    sqlite3_bind_int64(st, 1, t_ns);
    sqlite3_bind_text(st, 2, symbol, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, s->hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, buf, at, SQLITE_STATIC);
    sqlite3_bind_double(st, 5, close);
    bind_real_or_null(st, 6, confidence);
    if (model && *model) sqlite3_bind_text(st, 7, model, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, horizon_min);
    if (run(s, S_SAMPLE, "writing a sample", e) != 0) return -1;
    return sqlite3_last_insert_rowid(s->db);
}

int tb_ml_store_label(tb_ml_store *s, int64_t id, double fwd_ret, tb_err *e)
{
    sqlite3_stmt *st = s->st[S_LABEL];
    sqlite3_bind_double(st, 1, fwd_ret);
    sqlite3_bind_int(st, 2, fwd_ret > 0);
    sqlite3_bind_int64(st, 3, id);
    return run(s, S_LABEL, "labelling a sample", e);
}

int tb_ml_store_decision(tb_ml_store *s, int64_t t_ns, const char *symbol, const char *strategy,
                         const char *side, int64_t qty, double confidence, const char *model,
                         const char *verdict, const float *f, tb_err *e)
{
    sqlite3_stmt *st = s->st[S_DECISION];
    char buf[TB_FEATURES_N * 20 + 4];
    if (f) {
        int n = features_json(f, buf, sizeof buf);
        sqlite3_bind_text(st, 9, s->hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, buf, n, SQLITE_STATIC);
    }
    sqlite3_bind_int64(st, 1, t_ns);
    sqlite3_bind_text(st, 2, symbol, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, strategy, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, side, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, qty);
    bind_real_or_null(st, 6, confidence);
    if (model && *model) sqlite3_bind_text(st, 7, model, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, verdict, -1, SQLITE_STATIC);
    return run(s, S_DECISION, "writing a decision", e);
}

int tb_ml_store_outcome(tb_ml_store *s, const char *symbol, const char *strategy, double pnl,
                        int64_t t_ns, tb_err *e)
{
    sqlite3_stmt *st = s->st[S_OUTCOME];
    sqlite3_bind_double(st, 1, pnl);
    sqlite3_bind_int(st, 2, pnl > 0);
    sqlite3_bind_int64(st, 3, t_ns);
    sqlite3_bind_text(st, 4, strategy, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, symbol, -1, SQLITE_STATIC);
    return run(s, S_OUTCOME, "writing an outcome", e);
}

int64_t tb_ml_store_count_labelled(sqlite3 *db)
{
    char sql[160], hash[24];
    snprintf(hash, sizeof hash, "%016" PRIx64, tb_features_schema_hash());
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM ml_samples WHERE label IS NOT NULL AND schema_hash = '%s'",
             hash);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return 0;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return n;
}

static int parse_row(const char *text, float *row)
{
    json_t *a = json_loads(text, 0, NULL);
    int ok = json_is_array(a) && json_array_size(a) == TB_FEATURES_N;
    for (int i = 0; ok && i < TB_FEATURES_N; i++) {
        json_t *v = json_array_get(a, (size_t)i);
        row[i] = json_is_number(v) ? (float)json_number_value(v) : NAN;
    }
    json_decref(a);
    return ok ? 0 : -1;
}

int tb_ml_store_training_set(sqlite3 *db, int64_t **t, float **x, float **y, size_t *n, tb_err *e)
{
    *t = NULL, *x = NULL, *y = NULL, *n = 0;
    size_t cap = (size_t)tb_ml_store_count_labelled(db);
    if (!cap) return 0;
    char sql[200], hash[24];
    snprintf(hash, sizeof hash, "%016" PRIx64, tb_features_schema_hash());
    snprintf(sql, sizeof sql,
             "SELECT t_ns, features, label FROM ml_samples WHERE label IS NOT NULL AND "
             "schema_hash = '%s' ORDER BY t_ns, id",
             hash);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return tb_errf(e, "ml_data.db: %s", sqlite3_errmsg(db));
    *t = malloc(cap * sizeof **t), *x = malloc(cap * TB_FEATURES_N * sizeof **x);
    *y = malloc(cap * sizeof **y);
    if (!*t || !*x || !*y) {
        sqlite3_finalize(st);
        return tb_errf(e, "training set: out of memory");
    }
    while (*n < cap && sqlite3_step(st) == SQLITE_ROW) {
        const char *f = (const char *)sqlite3_column_text(st, 1);
        if (!f || parse_row(f, *x + *n * TB_FEATURES_N) != 0) continue;
        (*t)[*n] = sqlite3_column_int64(st, 0);
        (*y)[*n] = (float)sqlite3_column_int(st, 2);
        (*n)++;
    }
    sqlite3_finalize(st);
    return 0;
}
