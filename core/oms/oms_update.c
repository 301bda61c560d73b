/*
 * oms_update.c - broker updates applied: status changes journaled before they are committed, and
 * executions turned into the order's fills, the account's and the owning strategy's positions
 * and day trades, with the listener told of each.
 */
#include "oms/oms.h"

#include <string.h>

#include "data/calendar.h"
#include "oms/oms_priv.h"
#include "util/clock.h"

/* 0, -1 with e, or OMS_JOURNAL_BUSY with e. */
int oms_journal_orders(oms *m, const oms_order *const *os, int n, tb_err *e)
{
    if (!m->journal.save_orders) return 0;
    int rc = m->journal.save_orders(m->journal.ud, os, n, e);
    if (rc == OMS_JOURNAL_BUSY) {
        tb_err_prefix(e, "oms: journal: ");
        return OMS_JOURNAL_BUSY;
    }
    if (rc < 0) return tb_err_prefix(e, "oms: journal: ");
    return 0;
}

static void notify(oms *m, oms_event_kind k, const oms_order *o, const oms_exec *x,
                   const oms_position *p)
{
    if (!m->listener) return;
    oms_event ev = {k, o, x, p};
    m->listener(m->listener_ud, &ev);
}

/* Applies a status change on a copy, journals it, then commits. With unjournaled_ok a locked
 * database does not stop the change (a cancel request: see oms_cancel). */
int oms_set_status(oms *m, slot *s, oms_status to, const char *note, int unjournaled_ok, tb_err *e)
{
    if (s->o.status == to) return 0;
    if (!m->journal.save_orders) {
        /* Nothing to write first (a backtest): changed in place. oms_order_set_status leaves the
         * order as it was when it refuses; two copies of the whole order were most of the cost. */
        if (oms_order_set_status(&s->o, to, tb_clock_now_ns(), e) < 0) return -1;
        if (note) oms_strlcpy(s->o.note, note, sizeof s->o.note);
    } else {
        oms_order next = s->o;
        if (oms_order_set_status(&next, to, tb_clock_now_ns(), e) < 0) return -1;
        if (note) oms_strlcpy(next.note, note, sizeof next.note);
        const oms_order *one = &next;
        int rc = oms_journal_orders(m, &one, 1, e);
        if (rc == OMS_JOURNAL_BUSY && unjournaled_ok)
            m->unjournaled_cancels++;
        else if (rc < 0)
            return rc;
        s->o = next;
    }
    if (oms_status_is_terminal(to)) oms_open_unlink(m, s);
    notify(m, OMS_EV_ORDER, &s->o, NULL, NULL);
    return 0;
}

int oms_change_status(oms *m, slot *s, oms_status to, const char *note, tb_err *e)
{
    return oms_set_status(m, s, to, note, 0, e);
}

/* ---- updates ---- */

/* The session day a fill belongs to (its day trade, its position's same-day shares): the broker's
 * execution time when that is earlier than our session day or we have none yet (a fill learned
 * at reconciliation after a restart, or after midnight); else ours, since a replay on simulated
 * days against a broker runs on another clock than the broker's. Without either, the time we
 * learned it: a day trade dated 0 would never be counted. */
static int32_t fill_day(const oms *m, const broker_update *u)
{
    int32_t day = m->cfg.session_day;
    if (u->exec_t_ns > 0) {
        int32_t ex = tb_cal_session_yyyymmdd(u->exec_t_ns);
        if (!day || ex < day) day = ex;
    }
    if (!day && u->t_ns > 0) day = tb_cal_session_yyyymmdd(u->t_ns);
    return day;
}

static int apply_exec(oms *m, slot *s, const broker_update *u, tb_err *e)
{
    oms_exec x;
    memset(&x, 0, sizeof x);
    if (oms_strlcpy(x.exec_id, u->exec_id, sizeof x.exec_id) || !x.exec_id[0])
        return tb_errf(e, "oms: order %s: execution id empty or too long", s->o.client_id);
    if (oms_execset_has(m->execs, x.exec_id)) return 0;
    x.qty = u->exec_qty;
    x.price = u->exec_price;
    x.commission = u->commission;
    x.t_ns = u->exec_t_ns > 0 ? u->exec_t_ns : u->t_ns;
    x.cum_qty = u->cum_qty;
    int32_t day = fill_day(m, u);
    oms_order next = s->o;
    if (oms_order_apply_exec(&next, &x, NULL, e) < 0) return -1;
    oms_position pos = m->syms[s->sym].pos, spos;
    oms_pos_change chg;
    if (oms_pos_apply(&pos, next.side, x.qty, x.price, x.commission, day, &chg, e) < 0) return -1;
    /* The strategy that sent the order owns the fill: its position moves with the account's. */
    int32_t be = oms_book_find(&m->book, next.strategy, next.symbol);
    if (be >= 0)
        spos = m->book.e[be].pos;
    else if (m->book.n >= m->book.cap)
        return tb_errf(e, "oms: fill %s: more than %u strategy positions", x.exec_id, m->book.cap);
    else
        oms_pos_init(&spos, next.symbol);
    if (oms_pos_apply(&spos, next.side, x.qty, x.price, x.commission, day, NULL, e) < 0)
        return tb_err_prefix(e, "oms: strategy %s: ", next.strategy);
    oms_daytrade dt, *dtp = NULL;
    if (chg.closed_today > 0 && !next.day_trade && oms_late_replaced_day_trade(m, &next))
        next.day_trade = 1; /* counted on the order it replaces */
    if (chg.closed_today > 0 && !next.day_trade) {
        next.day_trade = 1;
        memset(&dt, 0, sizeof dt);
        dt.day = day;
        oms_strlcpy(dt.symbol, next.symbol, sizeof dt.symbol);
        oms_strlcpy(dt.client_id, next.client_id, sizeof dt.client_id);
        dt.t_ns = x.t_ns;
        dtp = &dt;
    }
    if (m->journal.save_fill) {
        int rc = m->journal.save_fill(m->journal.ud, &next, &x, &pos, &spos, dtp, e);
        if (rc < 0) {
            tb_err_prefix(e, "oms: journal fill %s: ", x.exec_id);
            return rc == OMS_JOURNAL_BUSY ? rc : -1;
        }
        if (rc == 1) {
            oms_execset_add(m->execs, x.exec_id);
            return 0;
        }
    }
    oms_execset_add(m->execs, x.exec_id);
    s->o = next;
    m->syms[s->sym].pos = pos;
    m->syms[s->sym].traded = 1;
    oms_sym_track(m, (uint32_t)s->sym);
    if (be < 0)
        be = oms_book_get(&m->book, next.strategy, next.symbol, &m->syms[s->sym].book_head, e);
    m->book.e[be].pos = spos;
    oms_check_symbol(m, &m->syms[s->sym]);
    if (dtp) oms_daytrades_record(&m->daytrades, dtp);
    if (oms_status_is_terminal(s->o.status)) oms_open_unlink(m, s);
    notify(m, OMS_EV_FILL, &s->o, &x, &m->syms[s->sym].pos);
    return 0;
}

int oms_on_update(oms *m, const broker_update *u, tb_err *e)
{
    slot *s = u->client_id ? oms_slot_find(m, u->client_id) : NULL;
    if (!s)
        return tb_errf(e, "oms: update for unknown order %s", u->client_id ? u->client_id : "?");
    /* "Outcome unknown" only ever applies to an order the broker has not acknowledged yet. */
    if (u->status == OMS_ST_UNKNOWN && s->o.status != OMS_ST_NEW) return 0;
    if (u->broker_id && u->broker_id[0] && strcmp(s->o.broker_id, u->broker_id) != 0)
        oms_strlcpy(s->o.broker_id, u->broker_id, sizeof s->o.broker_id);
    oms_status before = s->o.status;
    int rc = u->has_exec ? apply_exec(m, s, u, e) : 0;
    if (rc < 0) return rc;
    if (u->has_exec && (before == OMS_ST_PENDING_REPLACE || before == OMS_ST_REPLACED))
        oms_late_trim_replacement(m, s);
    oms_status late_to;
    if (u->has_exec && oms_late_deferred_due(s, &late_to) &&
        oms_change_status(m, s, late_to, "fills arrived after the broker's final status", e) < 0)
        return -1;
    if (oms_late_defer_final(m, s, u)) return 0;
    /* A partly filled order reported as such, without an execution (reconciliation), while we
     * wait for a cancel or replace: the broker never got the request, the order works on. */
    if (!u->has_exec && u->status == OMS_ST_PARTIALLY_FILLED && s->o.filled_qty > 0 &&
        (s->o.status == OMS_ST_PENDING_CANCEL || s->o.status == OMS_ST_PENDING_REPLACE))
        return oms_change_status(m, s, OMS_ST_PARTIALLY_FILLED, "cancel or replace not done", e);
    /* Fill statuses follow quantities; only an execution can move them. */
    if (u->status == OMS_ST_FILLED || u->status == OMS_ST_PARTIALLY_FILLED) return 0;
    if (s->o.status == u->status) return 0;
    /* A late acknowledgement after the order has moved on is old news, not an error. */
    if ((u->status == OMS_ST_ACCEPTED || u->status == OMS_ST_HELD) &&
        !oms_transition_allowed(s->o.status, u->status) &&
        (oms_status_is_terminal(s->o.status) || s->o.status == OMS_ST_PARTIALLY_FILLED))
        return 0;
    return oms_change_status(m, s, u->status, u->reason, e);
}
