#include "data/bar_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tb_bar_store {
    tb_db *db;
    sqlite3_stmt *put;
};

tb_bar_store *tb_bar_store_open(tb_db *db, tb_err *e)
{
    tb_bar_store *bs = calloc(1, sizeof *bs);
    if (!bs) {
        tb_errf(e, "%s: out of memory", db->path);
        return NULL;
    }
    bs->db = db;
    int rc = sqlite3_prepare_v3(db->h,
                                "INSERT OR REPLACE INTO bars (symbol, timeframe, start_ns, open, "
                                "high, low, close, volume, vwap, trades) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                                -1, SQLITE_PREPARE_PERSISTENT, &bs->put, NULL);
    if (rc != SQLITE_OK) {
        tb_db_fail(db, rc, "preparing the bar insert", e);
        free(bs);
        return NULL;
    }
    return bs;
}

void tb_bar_store_close(tb_bar_store *bs)
{
    if (!bs) return;
    sqlite3_finalize(bs->put);
    free(bs);
}

static int put_one(tb_bar_store *bs, const tb_symtab *syms, const tb_bar *b, tb_err *e)
{
    const char *name = tb_symtab_name(syms, b->sym);
    if (!name) return tb_errf(e, "%s: bar with unknown symbol id %u", bs->db->path, b->sym);
    sqlite3_stmt *st = bs->put;
    TB_DB_BIND(st, TB_DB_TEXT(name), TB_DB_INT(b->tf_sec), TB_DB_INT(b->start_ns),
               TB_DB_REAL(b->open), TB_DB_REAL(b->high), TB_DB_REAL(b->low), TB_DB_REAL(b->close),
               TB_DB_REAL(b->volume), TB_DB_REAL_OR_NULL(b->vwap), TB_DB_INT(b->trades));
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : tb_db_fail(bs->db, rc, "inserting a bar", e);
}

int tb_bar_store_put(tb_bar_store *bs, const tb_symtab *syms, const tb_bar *bars, size_t n,
                     tb_err *e)
{
    sqlite3 *h = bs->db->h;
    int own = sqlite3_get_autocommit(h);
    for (size_t i = 0; i < n;) {
        size_t end = i + TB_BAR_STORE_BATCH < n ? i + TB_BAR_STORE_BATCH : n;
        int rc;
        if (own && (rc = sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
            return tb_db_fail(bs->db, rc, "starting a bar batch", e);
        for (; i < end; i++) {
            if (put_one(bs, syms, &bars[i], e) != 0) {
                if (own) sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
                return -1;
            }
        }
        if (own && (rc = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
            sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
            return tb_db_fail(bs->db, rc, "committing a bar batch", e);
        }
    }
    return 0;
}

int tb_bar_store_read(tb_bar_store *bs, tb_symtab *syms, const char *const *symbols, int nsymbols,
                      int tf_sec, int64_t from_ns, int64_t to_ns, tb_bar_vec *out, tb_err *e)
{
    if (nsymbols < 0 || nsymbols > 500)
        return tb_errf(e, "%s: read of %d symbols at once (at most 500)", bs->db->path, nsymbols);
    char sql[4096];
    int len = snprintf(sql, sizeof sql,
                       "SELECT symbol, start_ns, open, high, low, close, volume, vwap, trades "
                       "FROM bars WHERE timeframe = ?1 AND start_ns >= ?2 AND start_ns < ?3");
    if (nsymbols > 0) {
        len += snprintf(sql + len, sizeof sql - (size_t)len, " AND symbol IN (");
        for (int i = 0; i < nsymbols; i++)
            len += snprintf(sql + len, sizeof sql - (size_t)len, i ? ",?%d" : "?%d", i + 4);
        len += snprintf(sql + len, sizeof sql - (size_t)len, ")");
    }
    snprintf(sql + len, sizeof sql - (size_t)len, " ORDER BY start_ns, symbol");
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(bs->db->h, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return tb_db_fail(bs->db, rc, "reading bars", e);
    TB_DB_BIND(st, TB_DB_INT(tf_sec), TB_DB_INT(from_ns), TB_DB_INT(to_ns));
    for (int i = 0; i < nsymbols; i++) sqlite3_bind_text(st, i + 4, symbols[i], -1, SQLITE_STATIC);
    int64_t last_id = -1;
    const char *last_name = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int64_t id = last_name && name && strcmp(name, last_name) == 0
                         ? last_id
                         : tb_symtab_intern(syms, name ? name : "", e);
        if (id < 0) {
            sqlite3_finalize(st);
            return tb_err_prefix(e, "%s: ", bs->db->path);
        }
        last_id = id;
        last_name = tb_symtab_name(syms, (uint32_t)id);
        tb_bar b = {
            .start_ns = sqlite3_column_int64(st, 1),
            .open = sqlite3_column_double(st, 2),
            .high = sqlite3_column_double(st, 3),
            .low = sqlite3_column_double(st, 4),
            .close = sqlite3_column_double(st, 5),
            .volume = sqlite3_column_double(st, 6),
            .vwap = sqlite3_column_type(st, 7) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 7),
            .trades = sqlite3_column_int64(st, 8),
            .tf_sec = tf_sec,
            .sym = (uint32_t)id,
        };
        if (tb_bar_vec_push(out, &b, e) != 0) {
            sqlite3_finalize(st);
            return -1;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : tb_db_fail(bs->db, rc, "reading bars", e);
}

int tb_bar_store_count(tb_bar_store *bs, int tf_sec, int64_t *count, tb_err *e)
{
    sqlite3_stmt *st;
    const char *sql =
        tf_sec ? "SELECT count(*) FROM bars WHERE timeframe = ?1" : "SELECT count(*) FROM bars";
    int rc = sqlite3_prepare_v2(bs->db->h, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return tb_db_fail(bs->db, rc, "counting bars", e);
    if (tf_sec) sqlite3_bind_int(st, 1, tf_sec);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *count = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : tb_db_fail(bs->db, rc, "counting bars", e);
}
