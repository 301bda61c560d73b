/*
 * kv.h - small engine facts that must survive a crash (the replay cursor, strategies' state
 * tables), in ml_db/ml_data.db next to the orders and fills they belong with.
 */
#ifndef TB_STORE_KV_H
#define TB_STORE_KV_H

#include "util/err.h"

#include <sqlite3.h>

typedef struct tb_kv tb_kv;

/* Creates the table if needed and prepares the statements (the handle stays the caller's). */
tb_kv *tb_kv_open(sqlite3 *db, tb_err *e);
void tb_kv_close(tb_kv *kv);

/* Writes key = value durably (its own transaction). */
int tb_kv_set(tb_kv *kv, const char *key, const char *value, tb_err *e);

/* The value of key as a new string (free it), or NULL when absent (e untouched) or on error. */
char *tb_kv_get(tb_kv *kv, const char *key, tb_err *e);

#endif
