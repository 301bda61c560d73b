/*
 * oms_store.h - the order manager's journal in SQLite: orders, fills, positions, day trades.
 *
 * Takes a handle opened by tb_db_open (core/store/db.c): the tables are created by the schema
 * migrations (core/store/migrations.c), read and written only here.
 * Every write is one transaction. The handle should be in WAL mode; oms_store_open sets
 * synchronous=FULL on it: under WAL, NORMAL already survives a killed process, but a commit can
 * be lost on power failure, and a fill the broker has executed must never be lost. The cost is
 * one fsync per commit, a few per order (milliseconds each on a busy disk, on the caller's
 * thread); oms_store_set_durability relaxes it where nothing outside the process holds the
 * other side (the paper exchange).
 */
#ifndef TB_STORE_OMS_STORE_H
#define TB_STORE_OMS_STORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "oms/oms.h"
#include "util/err.h"

typedef struct oms_store oms_store;

/* Prepares statements on db, a tb_db_open handle (not closed by oms_store_close). */
oms_store *oms_store_open(sqlite3 *db, tb_err *e);

/* Finalizes the statements and frees s. */
void oms_store_close(oms_store *s);

/*
 * How far a commit must survive. OMS_DURABLE_POWER, what oms_store_open sets: synchronous=FULL,
 * an fsync per commit, so a commit outlives a power cut: for a real broker, whose orders and
 * fills exist outside this process and must never be lost. OMS_DURABLE_CRASH: synchronous=NORMAL
 * under WAL, a commit outlives the process being killed (it is in the WAL file before the call
 * returns) but the last few may be lost to a power cut: enough for the paper exchange, whose book
 * lives in this same database and is rebuilt from it at a start, so a power cut rewinds the
 * account and the exchange together. It applies to the whole connection (db).
 */
typedef enum { OMS_DURABLE_POWER, OMS_DURABLE_CRASH } oms_durability;
int oms_store_set_durability(oms_store *s, oms_durability d, tb_err *e);

/* Journal hooks for oms_set_journal, writing into s. */
oms_journal oms_store_journal(oms_store *s);

/*
 * Restores m after a start or crash: every position; every open order and every order of
 * session days >= since_day (so resubmissions by client id stay idempotent); execution ids and
 * day trades of days >= since_day; and the sequence after the largest ever persisted, so a
 * client id is never reused. Older replayed executions are still caught by the fills table's
 * unique execution id.
 */
int oms_store_load(oms_store *s, oms *m, int32_t since_day, tb_err *e);

/* Cash as the persisted fills make it: initial, minus buys, plus sells, minus commissions (the
 * paper exchange's cash after a restart). */
int oms_store_cash(oms_store *s, tb_money initial, tb_money *out, tb_err *e);

/* Reads for the Sentinel's facts, so no one else writes SQL against these tables. Each calls fn
 * once per row and returns 0, or -1 when the query failed (a database without the tables). */

/* Orders and orders with fills per strategy ("" for none) and session day (yyyymmdd). */
typedef void (*oms_store_activity_fn)(void *ud, const char *strategy, int32_t day, int64_t orders,
                                      int64_t filled);
int oms_store_activity(sqlite3 *db, oms_store_activity_fn fn, void *ud);

/* Each session's fills as cash flows (sells in, buys out) less commissions, oldest first. */
typedef void (*oms_store_cashflow_fn)(void *ud, int32_t day, tb_money net);
int oms_store_cashflow_by_day(sqlite3 *db, oms_store_cashflow_fn fn, void *ud);

/* Reads for the dashboard's symbol page and trade log (http/api_symbol.c, http/trade_log.c).
 * These return -1 with e naming oms_fills when the query failed. */

/* One persisted fill with its order's strategy and reason ("" when the order row is missing).
 * The strings point into the query's row: valid during the callback only. side is the stored
 * text, unchecked: the reader decides what a corrupt one means. */
typedef struct oms_fill_row {
    int64_t rowid; /* insertion order: a reader resumes after the last one it saw */
    const char *exec_id, *symbol, *side, *strategy, *reason;
    tb_qty qty;
    tb_money price, commission; /* commission 0 when unknown */
    int64_t t_ns;               /* 0 when unknown */
    int32_t session_day;        /* yyyymmdd; 0 when unknown */
} oms_fill_row;
typedef void (*oms_fill_fn)(void *ud, const oms_fill_row *f);

/* Every fill persisted after after_rowid, in rowid order. */
int oms_store_fills_after(sqlite3 *db, int64_t after_rowid, oms_fill_fn fn, void *ud, tb_err *e);

/* The symbol's fills at or after from_ns: the newest max of them, oldest first. */
int oms_store_symbol_fills(sqlite3 *db, const char *symbol, int64_t from_ns, int max,
                           oms_fill_fn fn, void *ud, tb_err *e);

/* How many fills have rowid <= upto_rowid and the sum of their commissions (to notice a row
 * amended or gone since a reader saw it). */
int oms_store_fills_upto(sqlite3 *db, int64_t upto_rowid, int64_t *count, tb_money *commissions,
                         tb_err *e);

#endif
