#include "ml/ml_store.h"
#include "store/db.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tables and the ml_calibration view are created by the schema migrations
 * (store/migrations.c, step 7): the caller opens the database with tb_db_open. */

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

static const char *const table_of[S_COUNT] = {"ml_samples", "ml_samples", "ml_decisions",
                                              "ml_decisions"};

/* One write, with everything it binds copied: what waits while the database is locked. */
typedef struct ml_op {
    int kind, has_f, horizon;
    int late;                /* waits because it met the lock (not only for its group's commit) */
    int64_t t_ns, ref, qty;  /* ref: the sample a label is for (a row id or a ticket) */
    double close, conf, val; /* val: the forward return of a label, the P&L of an outcome */
    char symbol[16], strategy[48], side[8], model[96], verdict[24];
    float f[TB_FEATURES_N];
} ml_op;

/* A sample written later is known by a ticket until then; labels name it by that ticket. */
#define TICKET_BASE (INT64_C(1) << 62)

typedef struct ticket_map {
    int64_t ticket, rowid;
} ticket_map;

/* Tickets remembered after their sample was written: a label comes horizon_minutes later, when
 * every symbol has taken horizon / sample_every more samples (1,024 symbols x 30 / 5 = 6,144). */
#define TB_ML_STORE_TICKETS 16384

struct tb_ml_store {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    int batch, pending;
    char hash[24];
    int busy;  /* the last write met a lock held by another connection */
    int group; /* every write waits for tb_ml_store_flush (one commit for a burst) */
    ml_op *q;  /* ring of deferred writes, allocated at the first one */
    uint32_t qhead, qn, nlate; /* nlate: of the qn, those that met the lock */
    ticket_map *map;
    int64_t next_ticket;
    tb_ml_store_stats stats;
};

static int fail(tb_ml_store *s, const char *what, tb_err *e)
{
    s->busy = tb_db_last_busy(s->db);
    if (s->busy) return tb_errf(e, "ml_data.db: %s: database is locked by another process", what);
    return tb_errf(e, "ml_data.db: %s: %s", what, sqlite3_errmsg(s->db));
}

tb_ml_store *tb_ml_store_open(sqlite3 *db, int batch, tb_err *e)
{
    tb_ml_store *s = tb_zalloc(sizeof *s, "ml store", e);
    if (!s) return NULL;
    s->db = db, s->batch = batch;
    snprintf(s->hash, sizeof s->hash, "%016" PRIx64, tb_features_schema_hash());
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
            SQLITE_OK) {
            fail(s, "preparing statements (a database not opened with tb_db_open?)", e);
            tb_ml_store_close(s);
            return NULL;
        }
    return s;
}

void tb_ml_store_close(tb_ml_store *s)
{
    if (!s) return;
    if (s->pending) sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (s->group && s->qn) { /* a group not yet committed (the lock's leftovers are the caller's) */
        int busy;
        tb_err e;
        tb_ml_store_flush(s, &busy, &e);
    }
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(s->st[i]);
    free(s->q);
    free(s->map);
    free(s);
}

/* Runs a bound statement; in batch mode inside a transaction committed every `batch` rows. */
static int run(tb_ml_store *s, int i, tb_err *e)
{
    static const char *const what[S_COUNT] = {"writing a sample", "labelling a sample",
                                              "writing a decision", "writing an outcome"};
    if (s->batch && !s->pending) sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    int rc = sqlite3_step(s->st[i]);
    int ok = rc == SQLITE_DONE || fail(s, what[i], e) == 0;
    sqlite3_reset(s->st[i]);
    sqlite3_clear_bindings(s->st[i]);
    if (s->batch && ++s->pending >= s->batch) {
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        s->pending = 0;
    }
    return ok ? 0 : -1;
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

/* An optional text column: "" (no model) is stored as NULL. */
static const char *or_null(const char *v)
{
    return *v ? v : NULL;
}

/* The row id a label names: itself, or what its ticket became when the sample was written. */
static int64_t resolve(const tb_ml_store *s, int64_t ref)
{
    if (ref < TICKET_BASE) return ref;
    const ticket_map *t = s->map ? &s->map[ref % TB_ML_STORE_TICKETS] : NULL;
    return t && t->ticket == ref ? t->rowid : -1;
}

/* Binds and runs one write; a sample answers its row id. */
static int64_t exec_op(tb_ml_store *s, const ml_op *op, tb_err *e)
{
    sqlite3_stmt *st = s->st[op->kind];
    char buf[TB_FEATURES_N * 20 + 4];
    switch (op->kind) {
    case S_SAMPLE:
        features_json(op->f, buf, sizeof buf);
        TB_DB_BIND(st, TB_DB_INT(op->t_ns), TB_DB_TEXT(op->symbol), TB_DB_TEXT(s->hash),
                   TB_DB_TEXT(buf), TB_DB_REAL(op->close), TB_DB_REAL_OR_NULL(op->conf),
                   TB_DB_TEXT(or_null(op->model)), TB_DB_INT(op->horizon));
        break;
    case S_LABEL: {
        int64_t id = resolve(s, op->ref);
        if (id < 0) {
            s->busy = 0;
            return tb_errf(e, "ml_data.db: labelling a sample: its row was never written");
        }
        TB_DB_BIND(st, TB_DB_REAL(op->val), TB_DB_INT(op->val > 0), TB_DB_INT(id));
        break;
    }
    case S_DECISION:
        if (op->has_f) features_json(op->f, buf, sizeof buf);
        TB_DB_BIND(st, TB_DB_INT(op->t_ns), TB_DB_TEXT(op->symbol), TB_DB_TEXT(op->strategy),
                   TB_DB_TEXT(op->side), TB_DB_INT(op->qty), TB_DB_REAL_OR_NULL(op->conf),
                   TB_DB_TEXT(or_null(op->model)), TB_DB_TEXT(op->verdict),
                   TB_DB_TEXT(op->has_f ? s->hash : NULL), TB_DB_TEXT(op->has_f ? buf : NULL));
        break;
    default:
        TB_DB_BIND(st, TB_DB_REAL(op->val), TB_DB_INT(op->val > 0), TB_DB_INT(op->t_ns),
                   TB_DB_TEXT(op->strategy), TB_DB_TEXT(op->symbol));
    }
    if (run(s, op->kind, e) != 0) return -1;
    return op->kind == S_SAMPLE ? sqlite3_last_insert_rowid(s->db) : 0;
}

/* Counts a waiting write as one that met the lock: what dbwait reports as a lock episode. */
static void mark_late(tb_ml_store *s, ml_op *op)
{
    if (op->late) return;
    op->late = 1;
    s->nlate++;
    s->stats.deferred++;
    s->stats.tables |= op->kind == S_SAMPLE || op->kind == S_LABEL ? 1u : 2u;
}

/* Keeps op for tb_ml_store_flush; a sample answers its ticket. -1 when the buffer is full. late:
 * it waits because of the lock (or behind rows that do), not only for its group's commit. */
static int64_t defer(tb_ml_store *s, const ml_op *op, int late, tb_err *e)
{
    if (!s->q && (!(s->q = malloc(TB_ML_STORE_DEFER_MAX * sizeof *s->q)) ||
                  !(s->map = calloc(TB_ML_STORE_TICKETS, sizeof *s->map)))) {
        s->stats.dropped++;
        return tb_errf(e, "ml_data.db: %s row lost: out of memory", table_of[op->kind]);
    }
    if (s->qn == TB_ML_STORE_DEFER_MAX) {
        if (s->stats.dropped++ == 0) s->stats.dropped_table = table_of[op->kind];
        return tb_errf(e, "ml_data.db locked: %d rows already wait; a %s row is dropped",
                       TB_ML_STORE_DEFER_MAX, table_of[op->kind]);
    }
    ml_op *slot = &s->q[(s->qhead + s->qn++) % TB_ML_STORE_DEFER_MAX];
    *slot = *op;
    slot->late = 0;
    if (late) mark_late(s, slot);
    if (op->kind != S_SAMPLE) return 0;
    slot->ref = TICKET_BASE + s->next_ticket++;
    return slot->ref;
}

/* Writes now, or (engine mode) keeps the write when the database is locked or earlier writes
 * already wait, so they land in order. */
static int64_t submit(tb_ml_store *s, const ml_op *op, tb_err *e)
{
    if (s->group && s->qn == TB_ML_STORE_DEFER_MAX && !s->nlate) {
        int busy; /* a full group (the timer is late): commit it now rather than drop a row */
        tb_ml_store_flush(s, &busy, e);
    }
    if (!s->batch && (s->qn || s->group)) return defer(s, op, !s->group || s->nlate, e);
    s->busy = 0;
    int64_t rc = exec_op(s, op, e);
    if (rc < 0 && !s->batch && s->busy) return defer(s, op, 1, e);
    return rc;
}

void tb_ml_store_group(tb_ml_store *s, int on)
{
    s->group = on && !s->batch;
}

/* The lock stopped a flush: every waiting row now counts as one that met it. */
static void all_late(tb_ml_store *s)
{
    for (uint32_t i = 0; i < s->qn; i++)
        mark_late(s, &s->q[(s->qhead + i) % TB_ML_STORE_DEFER_MAX]);
}

void tb_ml_store_locked(tb_ml_store *s)
{
    if (s) all_late(s);
}

int tb_ml_store_flush(tb_ml_store *s, int *busy, tb_err *e)
{
    *busy = 0;
    if (!s->qn) return 0;
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        *busy = tb_db_last_busy(s->db);
        if (*busy) all_late(s);
        return fail(s, "writing deferred rows", e);
    }
    uint64_t lost = 0, lost_late = 0;
    for (uint32_t i = 0; i < s->qn; i++) {
        ml_op *op = &s->q[(s->qhead + i) % TB_ML_STORE_DEFER_MAX];
        s->busy = 0;
        int64_t rc = exec_op(s, op, e);
        if (rc < 0 && s->busy) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            *busy = 1;
            all_late(s);
            return -1;
        }
        lost += rc < 0; /* a row SQLite refuses for good would block every later one */
        lost_late += rc < 0 && op->late;
        if (rc > 0 && op->kind == S_SAMPLE)
            s->map[op->ref % TB_ML_STORE_TICKETS] = (ticket_map){op->ref, rc};
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        *busy = tb_db_last_busy(s->db);
        fail(s, "committing deferred rows", e);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (*busy) all_late(s);
        return -1;
    }
    s->stats.written_later += s->nlate - lost_late;
    s->stats.dropped += lost;
    s->qhead = s->qn = s->nlate = 0;
    s->stats.tables = 0;
    return 0;
}

void tb_ml_store_stats_get(const tb_ml_store *s, tb_ml_store_stats *out)
{
    *out = s->stats;
    out->pending = s->nlate;
    out->queued = s->qn;
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

int64_t tb_ml_store_sample(tb_ml_store *s, int64_t t_ns, const char *symbol,
                           const float f[TB_FEATURES_N], double close, double confidence,
                           const char *model, int horizon_min, tb_err *e)
{
    ml_op op = {.kind = S_SAMPLE,
                .t_ns = t_ns,
                .close = close,
                .conf = confidence,
                .horizon = horizon_min,
                .has_f = 1};
    copy(op.symbol, sizeof op.symbol, symbol);
    copy(op.model, sizeof op.model, model);
    memcpy(op.f, f, sizeof op.f);
    return submit(s, &op, e);
}

int tb_ml_store_label(tb_ml_store *s, int64_t id, double fwd_ret, tb_err *e)
{
    ml_op op = {.kind = S_LABEL, .ref = id, .val = fwd_ret};
    return submit(s, &op, e) < 0 ? -1 : 0;
}

int tb_ml_store_decision(tb_ml_store *s, int64_t t_ns, const char *symbol, const char *strategy,
                         const char *side, int64_t qty, double confidence, const char *model,
                         const char *verdict, const float *f, tb_err *e)
{
    ml_op op = {.kind = S_DECISION, .t_ns = t_ns, .qty = qty, .conf = confidence, .has_f = !!f};
    copy(op.symbol, sizeof op.symbol, symbol);
    copy(op.strategy, sizeof op.strategy, strategy);
    copy(op.side, sizeof op.side, side);
    copy(op.model, sizeof op.model, model);
    copy(op.verdict, sizeof op.verdict, verdict);
    if (f) memcpy(op.f, f, sizeof op.f);
    return submit(s, &op, e) < 0 ? -1 : 0;
}

int tb_ml_store_outcome(tb_ml_store *s, const char *symbol, const char *strategy, double pnl,
                        int64_t t_ns, tb_err *e)
{
    ml_op op = {.kind = S_OUTCOME, .t_ns = t_ns, .val = pnl};
    copy(op.symbol, sizeof op.symbol, symbol);
    copy(op.strategy, sizeof op.strategy, strategy);
    return submit(s, &op, e) < 0 ? -1 : 0;
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

int64_t tb_ml_decisions_by_decile(sqlite3 *db, double counts[10][3])
{
    sqlite3_stmt *st;
    if (!db || sqlite3_prepare_v2(db,
                                  "SELECT MIN(CAST(confidence * 10 AS INTEGER), 9), outcome,"
                                  " COUNT(*) FROM ml_decisions WHERE confidence IS NOT NULL"
                                  " GROUP BY 1, 2",
                                  -1, &st, NULL) != SQLITE_OK)
        return -1;
    int64_t rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int b = sqlite3_column_int(st, 0);
        int k = sqlite3_column_type(st, 1) == SQLITE_NULL ? 2 : (sqlite3_column_int(st, 1) ? 0 : 1);
        if (b < 0 || b > 9) continue;
        counts[b][k] += (double)sqlite3_column_int64(st, 2);
        rows++;
    }
    sqlite3_finalize(st);
    return rows;
}

int tb_ml_decisions_calibration(sqlite3 *db, tb_ml_calibration *out)
{
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    if (!db || sqlite3_prepare_v2(db,
                                  "SELECT count(*), avg(confidence), avg(outcome) FROM ml_decisions"
                                  " WHERE outcome IS NOT NULL AND confidence IS NOT NULL",
                                  -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
        out->n = sqlite3_column_int64(st, 0);
        out->mean_probability = sqlite3_column_double(st, 1);
        out->hit_rate = sqlite3_column_double(st, 2);
    }
    sqlite3_finalize(st);
    return 0;
}
