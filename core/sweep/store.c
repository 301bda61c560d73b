/*
 * store.c - the sweep file (store.h).
 */
#include "sweep/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_db_migration migrations[] = {
    {"sweep", "CREATE TABLE sweep_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
              "CREATE TABLE sweep_sets (id INTEGER PRIMARY KEY, params TEXT NOT NULL);"
              "CREATE TABLE sweep_segments (id INTEGER PRIMARY KEY,"
              " kind TEXT NOT NULL," /* F full, T train, O test (out of sample) */
              " window INTEGER NOT NULL, from_day TEXT NOT NULL, to_day TEXT NOT NULL);"
              "CREATE TABLE sweep_results (task INTEGER PRIMARY KEY,"
              " set_id INTEGER NOT NULL, seg INTEGER NOT NULL,"
              " pnl REAL, return_pct REAL, sharpe REAL, max_drawdown_pct REAL, win_rate REAL,"
              " trades INTEGER, fees REAL, end_equity REAL, sessions INTEGER,"
              " disabled INTEGER NOT NULL, error TEXT,"
              " equity TEXT);" /* [["YYYY-MM-DD", closing equity], ...] */},
};

tb_db *tb_sweep_db_open(const char *path, tb_err *e)
{
    tb_db *db = calloc(1, sizeof *db);
    if (!db) return tb_errf(e, "out of memory"), NULL;
    snprintf(db->path, sizeof db->path, "%s", path);
    int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        tb_db_fail(db, rc, "open", e);
    } else {
        sqlite3_busy_timeout(db->h, TB_DB_DEFAULT_BUSY_MS);
        db->busy_ms = TB_DB_DEFAULT_BUSY_MS;
        if (tb_db_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL", e) == 0 &&
            tb_db_migrate(db, migrations, (int)(sizeof migrations / sizeof migrations[0]), e) == 0)
            return db;
    }
    tb_db_close(db);
    return NULL;
}

char *tb_sweep_db_meta_in(tb_db *db, const char *schema, const char *key)
{
    sqlite3_stmt *st;
    char *out = NULL, sql[96];
    snprintf(sql, sizeof sql, "SELECT value FROM %s.sweep_meta WHERE key = ?", schema);
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL)) return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

char *tb_sweep_db_meta(tb_db *db, const char *key)
{
    return tb_sweep_db_meta_in(db, "main", key);
}

static int meta_put(sqlite3_stmt *st, const char *key, const char *value)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

static int meta_int(sqlite3_stmt *st, const char *key, long long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", v);
    return meta_put(st, key, buf);
}

/* What the report needs to know about the sweep without its spec file. */
static int write_meta(tb_db *db, const tb_sweep_spec *s, const tb_sweep_plan *p, const char *shard)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "INSERT OR REPLACE INTO sweep_meta VALUES (?, ?)", -1, &st, NULL))
        return -1;
    char *spec = json_dumps(s->json, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_t *pa = json_array();
    for (int i = 0; i < s->nparams; i++) json_array_append_new(pa, json_string(s->params[i]));
    char *params = json_dumps(pa, JSON_COMPACT);
    int rc = meta_put(st, "hash", s->hash) | meta_put(st, "spec", spec) |
             meta_put(st, "params", params) | meta_put(st, "metric", s->metric->name) |
             meta_put(st, "strategy", s->strategy_rel) |
             meta_put(st, "strategy_path", s->strategy_path) | meta_put(st, "heat_x", s->heat_x) |
             meta_put(st, "heat_y", s->heat_y) | meta_int(st, "top", s->top) |
             meta_int(st, "wf_train", s->wf_train) | meta_int(st, "wf_test", s->wf_test) |
             meta_int(st, "nsets", (long long)p->nsets) | meta_int(st, "nseg", p->nseg) |
             meta_int(st, "ntasks", (long long)p->ntasks) | meta_int(st, "sessions", p->nsessions) |
             meta_put(st, "first", p->first) | meta_put(st, "last", p->last) |
             meta_put(st, "shard", shard);
    free(spec);
    free(params);
    json_decref(pa);
    sqlite3_finalize(st);
    return rc;
}

static int write_sets(tb_db *db, const tb_sweep_spec *s, const tb_sweep_plan *p)
{
    sqlite3_stmt *a, *b;
    int rc = 0;
    if (sqlite3_prepare_v2(db->h, "INSERT INTO sweep_sets VALUES (?, ?)", -1, &a, NULL)) return -1;
    if (sqlite3_prepare_v2(db->h, "INSERT INTO sweep_segments VALUES (?, ?, ?, ?, ?)", -1, &b,
                           NULL)) {
        sqlite3_finalize(a);
        return -1;
    }
    for (size_t i = 0; rc == 0 && i < p->nsets; i++) {
        char *j = json_dumps(json_array_get(s->sets, i),
                             JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
        sqlite3_reset(a);
        sqlite3_bind_int64(a, 1, (sqlite3_int64)i);
        sqlite3_bind_text(a, 2, j, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(a) == SQLITE_DONE ? 0 : -1;
        free(j);
    }
    for (int i = 0; rc == 0 && i < p->nseg; i++) {
        char kind[2] = {p->seg[i].kind, 0};
        sqlite3_reset(b);
        sqlite3_bind_int(b, 1, i);
        sqlite3_bind_text(b, 2, kind, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(b, 3, p->seg[i].window);
        sqlite3_bind_text(b, 4, p->seg[i].from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(b, 5, p->seg[i].to, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(b) == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    return rc;
}

int tb_sweep_db_init(tb_db *db, const tb_sweep_spec *s, const tb_sweep_plan *p, const char *shard,
                     tb_err *e)
{
    char *have = tb_sweep_db_meta(db, "hash");
    if (have) {
        int same = strcmp(have, s->hash) == 0;
        free(have);
        if (!same)
            return tb_errf(e,
                           "%s holds another sweep (its spec or strategy differs); write to a "
                           "new file",
                           db->path);
        return 0;
    }
    if (tb_db_exec(db, "BEGIN", e) != 0) return -1;
    if (write_meta(db, s, p, shard) != 0 || write_sets(db, s, p) != 0) {
        tb_db_fail(db, sqlite3_errcode(db->h), "recording the sweep", e);
        tb_db_exec(db, "ROLLBACK", NULL);
        return -1;
    }
    return tb_db_exec(db, "COMMIT", e);
}

int tb_sweep_db_done(tb_db *db, unsigned char *done, size_t ntasks, tb_err *e)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->h, "SELECT task FROM sweep_results", -1, &st, NULL);
    if (rc) return tb_db_fail(db, rc, "reading results", e);
    memset(done, 0, ntasks);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 t = sqlite3_column_int64(st, 0);
        if (t >= 0 && (size_t)t < ntasks) done[t] = 1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : tb_db_fail(db, rc, "reading results", e);
}

static void bind_real(sqlite3_stmt *st, int i, json_t *v)
{
    if (json_is_number(v))
        sqlite3_bind_double(st, i, json_number_value(v));
    else
        sqlite3_bind_null(st, i);
}

int tb_sweep_db_put(tb_db *db, json_t *r, tb_err *e)
{
    static const char *const reals[] = {"pnl",      "return_pct", "sharpe", "max_drawdown_pct",
                                        "win_rate", "trades",     "fees",   "end_equity",
                                        "sessions", NULL};
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        db->h, "INSERT OR REPLACE INTO sweep_results VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
        &st, NULL);
    if (rc) return tb_db_fail(db, rc, "storing a result", e);
    sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(r, "task")));
    sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(r, "set")));
    sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(r, "seg")));
    for (int i = 0; reals[i]; i++) {
        json_t *v = json_object_get(r, reals[i]);
        if (json_is_integer(v))
            sqlite3_bind_int64(st, 4 + i, json_integer_value(v));
        else
            bind_real(st, 4 + i, v);
    }
    sqlite3_bind_int(st, 13, (int)json_integer_value(json_object_get(r, "disabled")));
    const char *err = json_string_value(json_object_get(r, "error"));
    if (err)
        sqlite3_bind_text(st, 14, err, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 14);
    json_t *eq = json_object_get(r, "equity");
    char *eqs = eq ? json_dumps(eq, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    if (eqs)
        sqlite3_bind_text(st, 15, eqs, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 15);
    rc = sqlite3_step(st);
    free(eqs);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : tb_db_fail(db, rc, "storing a result", e);
}
