/*
 * kv.h - small engine facts that must survive a crash (the replay cursor, strategies' state
 * tables), in ml_db/ml_data.db next to the orders and fills they belong with.
 */
#ifndef TB_STORE_KV_H
#define TB_STORE_KV_H

#include "util/err.h"

#include <sqlite3.h>

typedef struct tb_kv tb_kv;

/* Prepares the statements on a tb_db_open handle (engine_kv comes from the migrations; the
 * handle stays the caller's). */
tb_kv *tb_kv_open(sqlite3 *db, tb_err *e);
void tb_kv_close(tb_kv *kv);

/* Writes key = value durably (its own transaction). */
int tb_kv_set(tb_kv *kv, const char *key, const char *value, tb_err *e);

/*
 * Deferred writes, for facts that may lag (a strategy's state): the value is kept in memory
 * (the latest per key wins) and written by tb_kv_flush, so a locked database never stalls the
 * caller. At most TB_KV_PENDING_MAX keys wait; -1 when a new key does not fit (not kept).
 */
#define TB_KV_PENDING_MAX 256
int tb_kv_set_later(tb_kv *kv, const char *key, const char *value, tb_err *e);

/* Writes the waiting values in one transaction with the connection's lock wait. 0 (nothing
 * waits any more), or -1 with every value kept; *busy is set when the lock was the reason. */
int tb_kv_flush(tb_kv *kv, int *busy, tb_err *e);

/* Keys waiting to be written. */
int tb_kv_pending(const tb_kv *kv);

/* The value of key as a new string (free it), or NULL when absent (e untouched) or on error. */
char *tb_kv_get(tb_kv *kv, const char *key, tb_err *e);

#endif
