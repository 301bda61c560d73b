#include "oms/oms_store.h"
#include "store/db.h"

#include <stdlib.h>
#include <string.h>

/* The tables are created by the schema migrations (store/migrations.c, steps 4 and 7): the
 * caller opens the database with tb_db_open. */

#define ORDER_COLS                                                                                 \
    "client_id, seq, broker_id, symbol, strategy, reason, note, parent_id, replaces_id,"           \
    " session_day, side, type, tif, class, leg, status, qty, limit_price, stop_price, tp_limit,"   \
    " sl_stop, sl_limit, filled_qty, filled_notional, filled_avg_price, commission,"               \
    " broker_cum_qty, day_trade, created_ns, updated_ns, filled_ns, closed_ns"

enum {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_ORDER,
    S_FILL,
    S_POS,
    S_SPOS,
    S_DT,
    S_FEE_GET,
    S_FEE_SET,
    S_COUNT
};

struct oms_store {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    int busy; /* the last failed write met a lock held by another connection */
};

static const char *const sql[S_COUNT] = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "INSERT OR REPLACE INTO oms_orders (" ORDER_COLS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
    "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT INTO oms_fills (exec_id, client_id, symbol, side, qty, price, commission, cum_qty,"
    " t_ns, session_day) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(exec_id) DO NOTHING",
    "INSERT OR REPLACE INTO oms_positions (symbol, qty, cost_basis, avg_price, realized_pnl,"
    " fees, day, opened_today) VALUES (?,?,?,?,?,?,?,?)",
    "INSERT OR REPLACE INTO oms_strategy_positions (strategy, symbol, qty, cost_basis, avg_price,"
    " realized_pnl, fees, day, opened_today) VALUES (?,?,?,?,?,?,?,?,?)",
    "INSERT OR IGNORE INTO oms_daytrades (client_id, day, symbol, t_ns) VALUES (?,?,?,?)",
    "SELECT commission FROM oms_fills WHERE exec_id = ?",
    "UPDATE oms_fills SET commission = ? WHERE exec_id = ?",
};

static int db_err(oms_store *s, tb_err *e, const char *what)
{
    s->busy = tb_db_last_busy(s->db);
    if (s->busy) return tb_errf(e, "oms_store: %s: database is locked by another process", what);
    return tb_errf(e, "oms_store: %s: %s", what, sqlite3_errmsg(s->db));
}

oms_store *oms_store_open(sqlite3 *db, tb_err *e)
{
    oms_store *s = calloc(1, sizeof *s);
    if (!s) return tb_errf(e, "oms_store: out of memory"), NULL;
    s->db = db;
    if (sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL) != SQLITE_OK) {
        db_err(s, e, "synchronous=FULL");
        free(s);
        return NULL;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
            SQLITE_OK) {
            db_err(s, e, "prepare (a database not opened with tb_db_open?)");
            oms_store_close(s);
            return NULL;
        }
    return s;
}

int oms_store_set_durability(oms_store *s, oms_durability d, tb_err *e)
{
    const char *q =
        d == OMS_DURABLE_CRASH ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL";
    if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK) return db_err(s, e, q + 7);
    return 0;
}

void oms_store_close(oms_store *s)
{
    if (!s) return;
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(s->st[i]);
    free(s);
}

static int step(oms_store *s, int which, tb_err *e)
{
    sqlite3_stmt *st = s->st[which];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) return db_err(s, e, sql[which]);
    return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int put_order(oms_store *s, const oms_order *o, tb_err *e)
{
    sqlite3_stmt *st = s->st[S_ORDER];
    int i = 1;
    bind_text(st, i++, o->client_id);
    sqlite3_bind_int64(st, i++, o->seq);
    bind_text(st, i++, o->broker_id);
    bind_text(st, i++, o->symbol);
    bind_text(st, i++, o->strategy);
    bind_text(st, i++, o->reason);
    bind_text(st, i++, o->note);
    bind_text(st, i++, o->parent_id);
    bind_text(st, i++, o->replaces_id);
    sqlite3_bind_int(st, i++, o->session_day);
    bind_text(st, i++, oms_side_name(o->side));
    bind_text(st, i++, oms_type_name(o->type));
    bind_text(st, i++, oms_tif_name(o->tif));
    bind_text(st, i++, oms_class_name(o->order_class));
    sqlite3_bind_int(st, i++, o->leg);
    bind_text(st, i++, oms_status_name(o->status));
    int64_t v[] = {o->qty,
                   o->limit_price,
                   o->stop_price,
                   o->take_profit_limit,
                   o->stop_loss_stop,
                   o->stop_loss_limit,
                   o->filled_qty,
                   o->filled_notional,
                   o->filled_avg_price,
                   o->commission,
                   o->broker_cum_qty,
                   o->day_trade,
                   o->created_ns,
                   o->updated_ns,
                   o->filled_ns,
                   o->closed_ns};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) sqlite3_bind_int64(st, i++, v[k]);
    return step(s, S_ORDER, e);
}

/* The account's position (strategy NULL) or a strategy's. */
static int put_position(oms_store *s, const char *strategy, const oms_position *p, tb_err *e)
{
    int which = strategy ? S_SPOS : S_POS, i = 1;
    sqlite3_stmt *st = s->st[which];
    if (strategy) bind_text(st, i++, strategy);
    bind_text(st, i++, p->symbol);
    int64_t v[] = {p->qty,  p->cost_basis, p->avg_price,   p->realized_pnl,
                   p->fees, p->day,        p->opened_today};
    for (int k = 0; k < 7; k++) sqlite3_bind_int64(st, i++, v[k]);
    return step(s, which, e);
}

/* Rolls back; OMS_JOURNAL_BUSY when the failure was the lock (nothing written: try later). */
static int rollback(oms_store *s)
{
    int busy = s->busy;
    if (!sqlite3_get_autocommit(s->db)) step(s, S_ROLLBACK, NULL);
    return busy ? OMS_JOURNAL_BUSY : -1;
}

static int j_save_orders(void *ud, const oms_order *const *os, int n, tb_err *e)
{
    oms_store *s = ud;
    s->busy = 0;
    if (step(s, S_BEGIN, e) < 0) return rollback(s);
    for (int i = 0; i < n; i++)
        if (put_order(s, os[i], e) < 0) return rollback(s);
    if (step(s, S_COMMIT, e) < 0) return rollback(s);
    return 0;
}

static int j_save_fill(void *ud, const oms_order *o, const oms_exec *x, const oms_position *p,
                       const oms_position *sp, const oms_daytrade *dt, tb_err *e)
{
    oms_store *s = ud;
    s->busy = 0;
    if (step(s, S_BEGIN, e) < 0) return rollback(s);
    sqlite3_stmt *st = s->st[S_FILL];
    bind_text(st, 1, x->exec_id);
    bind_text(st, 2, o->client_id);
    bind_text(st, 3, o->symbol);
    bind_text(st, 4, oms_side_name(o->side));
    sqlite3_bind_int64(st, 5, x->qty);
    sqlite3_bind_int64(st, 6, x->price);
    sqlite3_bind_int64(st, 7, x->commission);
    sqlite3_bind_int64(st, 8, x->cum_qty);
    sqlite3_bind_int64(st, 9, x->t_ns);
    sqlite3_bind_int(st, 10, p->day);
    if (step(s, S_FILL, e) < 0) return rollback(s);
    if (sqlite3_changes(s->db) == 0) {
        rollback(s);
        return 1; /* already stored: a replay */
    }
    if (put_order(s, o, e) < 0 || put_position(s, NULL, p, e) < 0 ||
        (sp && put_position(s, o->strategy, sp, e) < 0))
        return rollback(s);
    if (dt) {
        st = s->st[S_DT];
        bind_text(st, 1, dt->client_id);
        sqlite3_bind_int(st, 2, dt->day);
        bind_text(st, 3, dt->symbol);
        sqlite3_bind_int64(st, 4, dt->t_ns);
        if (step(s, S_DT, e) < 0) return rollback(s);
    }
    if (step(s, S_COMMIT, e) < 0) return rollback(s);
    return 0;
}

static int j_fill_commission(void *ud, const char *exec_id, tb_money *out, tb_err *e)
{
    oms_store *s = ud;
    sqlite3_stmt *st = s->st[S_FEE_GET];
    bind_text(st, 1, exec_id);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? 1 : db_err(s, e, sql[S_FEE_GET]);
}

static int j_save_commission(void *ud, const oms_order *o, const char *exec_id, tb_money fee,
                             const oms_position *p, const oms_position *sp, tb_err *e)
{
    oms_store *s = ud;
    s->busy = 0;
    if (step(s, S_BEGIN, e) < 0) return rollback(s);
    sqlite3_stmt *st = s->st[S_FEE_SET];
    sqlite3_bind_int64(st, 1, fee);
    bind_text(st, 2, exec_id);
    if (step(s, S_FEE_SET, e) < 0 || put_order(s, o, e) < 0 || put_position(s, NULL, p, e) < 0 ||
        (sp && put_position(s, o->strategy, sp, e) < 0) || step(s, S_COMMIT, e) < 0)
        return rollback(s);
    return 0;
}

oms_journal oms_store_journal(oms_store *s)
{
    oms_journal j = {s, j_save_orders, j_save_fill, j_fill_commission, j_save_commission};
    return j;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

static int row_to_order(sqlite3_stmt *st, oms_order *o, tb_err *e)
{
    memset(o, 0, sizeof *o);
    int i = 0;
    oms_strlcpy(o->client_id, col_text(st, i++), sizeof o->client_id);
    o->seq = sqlite3_column_int64(st, i++);
    oms_strlcpy(o->broker_id, col_text(st, i++), sizeof o->broker_id);
    oms_strlcpy(o->symbol, col_text(st, i++), sizeof o->symbol);
    oms_strlcpy(o->strategy, col_text(st, i++), sizeof o->strategy);
    oms_strlcpy(o->reason, col_text(st, i++), sizeof o->reason);
    oms_strlcpy(o->note, col_text(st, i++), sizeof o->note);
    oms_strlcpy(o->parent_id, col_text(st, i++), sizeof o->parent_id);
    oms_strlcpy(o->replaces_id, col_text(st, i++), sizeof o->replaces_id);
    o->session_day = sqlite3_column_int(st, i++);
    const char *cls = col_text(st, i + 3);
    if (oms_side_parse(col_text(st, i), &o->side, e) < 0 ||
        oms_type_parse(col_text(st, i + 1), &o->type, e) < 0 ||
        oms_tif_parse(col_text(st, i + 2), &o->tif, e) < 0 ||
        oms_status_parse(col_text(st, i + 5), &o->status, e) < 0)
        return tb_err_prefix(e, "oms_store: order %s: ", o->client_id);
    o->order_class = strcmp(cls, "bracket") == 0 ? OMS_CLASS_BRACKET : OMS_CLASS_SIMPLE;
    o->leg = (oms_leg)sqlite3_column_int(st, i + 4);
    i += 6;
    int64_t *v[] = {&o->qty,
                    &o->limit_price,
                    &o->stop_price,
                    &o->take_profit_limit,
                    &o->stop_loss_stop,
                    &o->stop_loss_limit,
                    &o->filled_qty,
                    &o->filled_notional,
                    &o->filled_avg_price,
                    &o->commission,
                    &o->broker_cum_qty,
                    NULL,
                    &o->created_ns,
                    &o->updated_ns,
                    &o->filled_ns,
                    &o->closed_ns};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++, i++) {
        if (v[k])
            *v[k] = sqlite3_column_int64(st, i);
        else
            o->day_trade = sqlite3_column_int(st, i);
    }
    return 0;
}

/* Runs a query with one integer parameter, calling fn per row. */
static int each_row(oms_store *s, const char *q, int64_t arg,
                    int (*fn)(sqlite3_stmt *, oms *, tb_err *), oms *m, tb_err *e)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) != SQLITE_OK) return db_err(s, e, q);
    if (sqlite3_bind_parameter_count(st) > 0) sqlite3_bind_int64(st, 1, arg);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(st, m, e) < 0) {
            sqlite3_finalize(st);
            return -1;
        }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return db_err(s, e, q);
    return 0;
}

static int load_order(sqlite3_stmt *st, oms *m, tb_err *e)
{
    oms_order o;
    if (row_to_order(st, &o, e) < 0) return -1;
    return oms_restore_order(m, &o, e);
}

/* A position row from column c on: symbol, qty, cost_basis, ..., opened_today. */
static void row_to_position(sqlite3_stmt *st, int c, oms_position *p)
{
    oms_pos_init(p, col_text(st, c));
    p->qty = sqlite3_column_int64(st, c + 1);
    p->cost_basis = sqlite3_column_int64(st, c + 2);
    p->avg_price = sqlite3_column_int64(st, c + 3);
    p->realized_pnl = sqlite3_column_int64(st, c + 4);
    p->fees = sqlite3_column_int64(st, c + 5);
    p->day = sqlite3_column_int(st, c + 6);
    p->opened_today = sqlite3_column_int64(st, c + 7);
}

static int load_position(sqlite3_stmt *st, oms *m, tb_err *e)
{
    oms_position p;
    row_to_position(st, 0, &p);
    return oms_restore_position(m, &p, e);
}

static int load_strategy_position(sqlite3_stmt *st, oms *m, tb_err *e)
{
    oms_position p;
    row_to_position(st, 1, &p);
    return oms_restore_strategy_position(m, col_text(st, 0), &p, e);
}

static int load_exec(sqlite3_stmt *st, oms *m, tb_err *e)
{
    oms_restore_exec(m, col_text(st, 0));
    return 0;
}

static int load_daytrade(sqlite3_stmt *st, oms *m, tb_err *e)
{
    oms_daytrade dt;
    memset(&dt, 0, sizeof dt);
    oms_strlcpy(dt.client_id, col_text(st, 0), sizeof dt.client_id);
    dt.day = sqlite3_column_int(st, 1);
    oms_strlcpy(dt.symbol, col_text(st, 2), sizeof dt.symbol);
    dt.t_ns = sqlite3_column_int64(st, 3);
    oms_restore_daytrade(m, &dt);
    return 0;
}

static int load_seq(sqlite3_stmt *st, oms *m, tb_err *e)
{
    oms_restore_seq(m, sqlite3_column_int64(st, 0) + 1);
    return 0;
}

int oms_store_load(oms_store *s, oms *m, int32_t since_day, tb_err *e)
{
    if (each_row(s, "SELECT max(seq) FROM oms_orders", 0, load_seq, m, e) < 0 ||
        each_row(s,
                 "SELECT " ORDER_COLS " FROM oms_orders WHERE status NOT IN ('filled',"
                 "'canceled','rejected','expired','replaced') OR session_day >= ? ORDER BY seq",
                 since_day, load_order, m, e) < 0 ||
        each_row(s,
                 "SELECT symbol, qty, cost_basis, avg_price, realized_pnl, fees, day,"
                 " opened_today FROM oms_positions",
                 0, load_position, m, e) < 0 ||
        each_row(s,
                 "SELECT strategy, symbol, qty, cost_basis, avg_price, realized_pnl, fees, day,"
                 " opened_today FROM oms_strategy_positions",
                 0, load_strategy_position, m, e) < 0 ||
        each_row(s, "SELECT exec_id FROM oms_fills WHERE session_day >= ? ORDER BY rowid",
                 since_day, load_exec, m, e) < 0 ||
        each_row(s,
                 "SELECT client_id, day, symbol, t_ns FROM oms_daytrades WHERE day >= ?"
                 " ORDER BY t_ns",
                 since_day, load_daytrade, m, e) < 0)
        return tb_err_prefix(e, "oms_store_load: ");
    oms_check_invariants(m); /* a difference is logged and counted, the engine still starts */
    return 0;
}

int oms_store_cash(oms_store *s, tb_money initial, tb_money *out, tb_err *e)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT COALESCE(SUM(CASE side WHEN 'buy' THEN -qty * price"
                           " ELSE qty * price END - COALESCE(commission, 0)), 0) FROM oms_fills",
                           -1, &st, NULL) != SQLITE_OK)
        return tb_errf(e, "oms_fills: %s", sqlite3_errmsg(s->db));
    int rc = sqlite3_step(st);
    *out = initial + (rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : tb_errf(e, "oms_fills: %s", sqlite3_errmsg(s->db));
}
