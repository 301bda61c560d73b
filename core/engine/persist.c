#include "engine/persist.h"
#include "engine/dbwait.h"
#include "log/log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CURSOR_KEY "replay_cursor_ns"

/* A strategy's state may lag its orders: it is kept in memory and written now if the database
 * lets us at once, else by the retry timer (engine/dbwait.c). */
static void save_state(tb_engine *en, const char *strategy)
{
    tb_strategy *s = tb_shost_find(&en->shost, strategy);
    if (!s) return;
    tb_err e;
    json_t *j = tb_shost_state_get(&en->shost, s, &e);
    if (!j) return; /* logged and counted as an overrun; the last good state stays saved */
    char *text = json_dumps(j, JSON_COMPACT);
    char key[96];
    snprintf(key, sizeof key, "strategy_state:%s", s->name);
    if (!text || tb_kv_set_later(en->kv, key, text, &e) != 0)
        TB_ERROR("persist", "cannot save the state of %s: %s", s->name,
                 text ? e.msg : "encoding failed");
    free(text);
    json_decref(j);
}

static void flush_states(tb_engine *en)
{
    tb_err e;
    int busy;
    if (tb_kv_flush(en->kv, &busy, &e) != 0 && !busy)
        TB_ERROR("persist", "cannot save strategy state: %s", e.msg);
}

/* The cursor is written before the order or fill it guards: after a crash the bar that caused
 * them is never handed to strategies again, so nothing is submitted twice. */
static int save_cursor(tb_engine *en, tb_err *e)
{
    char v[32];
    snprintf(v, sizeof v, "%" PRId64, tb_trader_bar_ns(en->runner.trader));
    if (tb_kv_set(en->kv, CURSOR_KEY, v, e) == 0) return 0;
    return tb_db_last_busy(en->db->h) ? OMS_JOURNAL_BUSY : -1;
}

/* The money path waits for the lock a bounded time (engine/dbwait.h), never the connection's
 * default: a refused intent is retried on a later bar, a held fill by the retry timer. */
static int wait_begin(tb_engine *en)
{
    return tb_db_set_busy(en->db, tb_dbwait_journal_ms(en->dbwait));
}

static int wait_end(tb_engine *en, int old, int rc)
{
    tb_db_set_busy(en->db, old);
    if (rc == OMS_JOURNAL_BUSY) tb_dbwait_note_busy(en->dbwait);
    return rc;
}

static int j_save_orders(void *ud, const oms_order *const *orders, int n, tb_err *e)
{
    tb_engine *en = ud;
    int old = wait_begin(en);
    int rc = en->runner.trader ? save_cursor(en, e) : 0;
    if (rc == 0) rc = en->inner.save_orders(en->inner.ud, orders, n, e);
    if (rc == 0 && n > 0) {
        save_state(en, orders[0]->strategy);
        flush_states(en);
    }
    return wait_end(en, old, rc);
}

static int j_save_fill(void *ud, const oms_order *o, const oms_exec *x, const oms_position *p,
                       const oms_position *sp, const oms_daytrade *dt, tb_err *e)
{
    tb_engine *en = ud;
    int old = wait_begin(en);
    int rc = en->runner.trader ? save_cursor(en, e) : 0;
    if (rc == 0) rc = en->inner.save_fill(en->inner.ud, o, x, p, sp, dt, e);
    rc = wait_end(en, old, rc);
    /* Committed: data/pdt_state.json shows it now (a burst within a second: by the 1 s poll). */
    if (rc == 0 && dt && en->risk) tb_risk_dt_recorded(en->risk, dt);
    return rc;
}

static int j_fill_commission(void *ud, const char *exec_id, tb_money *out, tb_err *e)
{
    tb_engine *en = ud;
    return en->inner.fill_commission(en->inner.ud, exec_id, out, e);
}

static int j_save_commission(void *ud, const oms_order *o, const char *exec_id, tb_money fee,
                             const oms_position *p, const oms_position *sp, tb_err *e)
{
    tb_engine *en = ud;
    int old = wait_begin(en);
    int rc = en->inner.save_commission(en->inner.ud, o, exec_id, fee, p, sp, e);
    return wait_end(en, old, rc);
}

oms_journal tb_persist_journal(tb_engine *en)
{
    en->inner = oms_store_journal(en->ostore);
    oms_journal j = {.ud = en,
                     .save_orders = j_save_orders,
                     .save_fill = j_save_fill,
                     .fill_commission = j_fill_commission,
                     .save_commission = j_save_commission};
    return j;
}

void tb_persist_save_states(tb_engine *en)
{
    for (int i = 0; i < en->shost.n; i++) save_state(en, en->shost.s[i]->name);
    flush_states(en);
}

int tb_persist_restore(tb_engine *en, tb_err *e)
{
    oms *m = tb_trader_oms(en->runner.trader);
    if (oms_store_load(en->ostore, m, 0, e) != 0) return -1;
    tb_trader_restored(en->runner.trader);
    /* The cursor first: canceling stale orders journals them, which records the cursor. */
    char *cursor = tb_kv_get(en->kv, CURSOR_KEY, e);
    if (cursor) tb_trader_set_resume(en->runner.trader, strtoll(cursor, NULL, 10));
    /* The paper exchange lives in this process: its book is rebuilt from the fills. A real
     * broker keeps its own, and the adapter reconciles with it when it connects. */
    tb_money cash = 0;
    int canceled = 0, is_paper = strcmp(en->cfg.broker, "paper") == 0;
    if (is_paper && oms_store_cash(en->ostore, en->runner.o.initial_cash, &cash, e) != 0) {
        free(cursor);
        return -1;
    }
    if (is_paper && (canceled = tb_trader_restore_paper(en->runner.trader, cash, e)) < 0) {
        free(cursor);
        return -1;
    }
    int restored = 0;
    for (int i = 0; i < en->shost.n; i++) {
        char key[96];
        snprintf(key, sizeof key, "strategy_state:%s", en->shost.s[i]->name);
        char *text = tb_kv_get(en->kv, key, e);
        json_t *j = text ? json_loads(text, 0, NULL) : NULL;
        if (j) {
            tb_shost_state_set(en->shost.s[i], j);
            restored++;
        }
        json_decref(j);
        free(text);
    }
    const oms_position *ps[4096];
    int npos = oms_positions(m, ps, 4096), open = 0;
    for (int i = 0; i < npos && i < 4096; i++) open += ps[i]->qty != 0;
    char money[32];
    if (cursor || npos)
        TB_INFO("engine",
                "restored after restart: positions=%d cash=%s orders_canceled=%d "
                "strategy_states=%d resume_after_ns=%s",
                open, tb_money_fmt(cash, money, sizeof money), canceled, restored,
                cursor ? cursor : "0");
    free(cursor);
    return 0;
}
