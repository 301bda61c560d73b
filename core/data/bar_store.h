/*
 * bar_store.h - bars in the `bars` table of ml_db/ml_data.db (see core/store/migrations.c).
 *
 * Writes are batched: one transaction per TB_BAR_STORE_BATCH bars through a prepared statement
 * kept open for the life of the store. A bar with the same (symbol, timeframe, start) as a
 * stored one replaces it: late and corrected bars win.
 */
#ifndef TB_DATA_BAR_STORE_H
#define TB_DATA_BAR_STORE_H

#include "data/bar.h"
#include "data/symbols.h"
#include "store/db.h"

#define TB_BAR_STORE_BATCH 10000

typedef struct tb_bar_store tb_bar_store;

/* Prepares the store's statements on an open database (which must outlive the store). */
tb_bar_store *tb_bar_store_open(tb_db *db, tb_err *e);

/* Finalizes the statements. NULL is fine. */
void tb_bar_store_close(tb_bar_store *bs);

/* Inserts or replaces n bars (names from syms), TB_BAR_STORE_BATCH per transaction; inside a
 * transaction the caller opened, the bars join it instead. */
int tb_bar_store_put(tb_bar_store *bs, const tb_symtab *syms, const tb_bar *bars, size_t n,
                     tb_err *e);

/* Appends to out the bars of timeframe tf_sec with from_ns <= start < to_ns, of the given
 * symbols (nsymbols 0: all), ordered by start time then symbol name. Symbols are interned into
 * syms. */
int tb_bar_store_read(tb_bar_store *bs, tb_symtab *syms, const char *const *symbols, int nsymbols,
                      int tf_sec, int64_t from_ns, int64_t to_ns, tb_bar_vec *out, tb_err *e);

/* Number of stored bars of timeframe tf_sec (0: all timeframes). */
int tb_bar_store_count(tb_bar_store *bs, int tf_sec, int64_t *count, tb_err *e);

#endif
