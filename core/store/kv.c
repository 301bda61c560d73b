#include "store/kv.h"
#include "store/db.h"

#include <stdlib.h>
#include <string.h>

typedef struct kv_pending {
    char *key, *value;
} kv_pending;

struct tb_kv {
    sqlite3 *db;
    sqlite3_stmt *set, *get;
    kv_pending pend[TB_KV_PENDING_MAX];
    int npend;
};

tb_kv *tb_kv_open(sqlite3 *db, tb_err *e)
{
    /* engine_kv is created by the schema migrations (store/migrations.c, step 7). */
    tb_kv *kv = tb_zalloc(sizeof *kv, "engine_kv", e);
    if (!kv) return NULL;
    kv->db = db;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO engine_kv (key, value, updated_ns) VALUES (?1, ?2,"
                           " CAST((julianday('now') - 2440587.5) * 86400e9 AS INTEGER))"
                           " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
                           " updated_ns = excluded.updated_ns",
                           -1, &kv->set, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT value FROM engine_kv WHERE key = ?1", -1, &kv->get, NULL) !=
            SQLITE_OK) {
        tb_errf(e, "engine_kv: %s", sqlite3_errmsg(db));
        tb_kv_close(kv);
        return NULL;
    }
    return kv;
}

void tb_kv_close(tb_kv *kv)
{
    if (!kv) return;
    sqlite3_finalize(kv->set);
    sqlite3_finalize(kv->get);
    for (int i = 0; i < kv->npend; i++) {
        free(kv->pend[i].key);
        free(kv->pend[i].value);
    }
    free(kv);
}

int tb_kv_set(tb_kv *kv, const char *key, const char *value, tb_err *e)
{
    sqlite3_bind_text(kv->set, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(kv->set, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(kv->set);
    sqlite3_reset(kv->set);
    if (rc != SQLITE_DONE) return tb_errf(e, "engine_kv %s: %s", key, sqlite3_errmsg(kv->db));
    return 0;
}

char *tb_kv_get(tb_kv *kv, const char *key, tb_err *e)
{
    sqlite3_bind_text(kv->get, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(kv->get);
    char *out = NULL;
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(kv->get, 0);
        out = strdup(v ? (const char *)v : "");
    } else if (rc != SQLITE_DONE) {
        tb_errf(e, "engine_kv %s: %s", key, sqlite3_errmsg(kv->db));
    }
    sqlite3_reset(kv->get);
    return out;
}

int tb_kv_set_later(tb_kv *kv, const char *key, const char *value, tb_err *e)
{
    char *v = strdup(value);
    if (!v) return tb_errf(e, "engine_kv %s: out of memory", key);
    for (int i = 0; i < kv->npend; i++)
        if (strcmp(kv->pend[i].key, key) == 0) {
            free(kv->pend[i].value);
            kv->pend[i].value = v;
            return 0;
        }
    char *k = kv->npend < TB_KV_PENDING_MAX ? strdup(key) : NULL;
    if (!k) {
        free(v);
        return tb_errf(e, "engine_kv %s: %d values already wait for the database", key, kv->npend);
    }
    kv->pend[kv->npend++] = (kv_pending){k, v};
    return 0;
}

int tb_kv_flush(tb_kv *kv, int *busy, tb_err *e)
{
    *busy = 0;
    if (!kv->npend) return 0;
    int rc = sqlite3_exec(kv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (int i = 0; rc == SQLITE_OK && i < kv->npend; i++) {
        sqlite3_bind_text(kv->set, 1, kv->pend[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(kv->set, 2, kv->pend[i].value, -1, SQLITE_STATIC);
        rc = sqlite3_step(kv->set);
        if (rc == SQLITE_DONE) rc = SQLITE_OK;
        sqlite3_reset(kv->set);
    }
    if (rc == SQLITE_OK) rc = sqlite3_exec(kv->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        *busy = tb_db_last_busy(kv->db);
        tb_errf(e, "engine_kv: %d values not written: %s", kv->npend,
                *busy ? "database is locked by another process" : sqlite3_errmsg(kv->db));
        if (!sqlite3_get_autocommit(kv->db)) sqlite3_exec(kv->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    for (int i = 0; i < kv->npend; i++) {
        free(kv->pend[i].key);
        free(kv->pend[i].value);
    }
    kv->npend = 0;
    return 0;
}

int tb_kv_pending(const tb_kv *kv)
{
    return kv->npend;
}
