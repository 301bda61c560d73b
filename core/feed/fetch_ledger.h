/*
 * fetch_ledger.h - which (vendor, symbol, timeframe, day) were fetched completely into the bar
 * store (table fetch_ledger of ml_db/ml_data.db), so a fetch never asks a vendor twice for the
 * same data: the free Polygon plan allows 5 requests a minute and every page counts.
 *
 * A day is marked in the same transaction as its bars, and only once its session is over (a
 * day in progress is fetched again next time). symbol "*" stands for the whole market (Polygon's
 * grouped daily).
 */
#ifndef TB_STORE_FETCH_LEDGER_H
#define TB_STORE_FETCH_LEDGER_H

#include "data/calendar.h"
#include "store/db.h"

#include <stdint.h>

/* Sets have[d - from] to 1 for every day d in [from, to] already marked, 0 otherwise. */
int tb_fetch_ledger_days(tb_db *db, const char *vendor, const char *symbol, int tf_sec,
                         tb_date from, tb_date to, uint8_t *have, tb_err *e);

/* Marks (vendor, symbol, tf_sec, day) complete with the number of bars stored (replaces). */
int tb_fetch_ledger_mark(tb_db *db, const char *vendor, const char *symbol, int tf_sec, tb_date day,
                         int64_t bars, int64_t now_ns, tb_err *e);

#endif
