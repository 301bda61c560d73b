#include "oms/oms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/calendar.h"
#include "log/log.h"
#include "oms/oms_priv.h"
#include "util/idfmt.h"
#include "oms/refused.h"
#include "oms/unknown.h"
#include "util/clock.h"

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 2;
    while (p < n) p <<= 1;
    return p;
}

oms *oms_new(const oms_config *c, tb_err *e)
{
    if (!c->max_orders || !c->max_symbols || !c->max_execs)
        return tb_errf(e, "oms: pool sizes must be positive"), NULL;
    oms *m = calloc(1, sizeof *m);
    if (!m) return tb_errf(e, "oms: out of memory"), NULL;
    m->cfg = *c;
    uint32_t idsz = pow2_at_least(c->max_orders * 2);
    m->sym_mask = pow2_at_least(c->max_symbols * 2) - 1;
    m->id_mask = idsz - 1;
    m->slots = calloc(c->max_orders, sizeof *m->slots);
    m->free_stack = malloc(c->max_orders * sizeof *m->free_stack);
    m->id_table = malloc(idsz * sizeof *m->id_table);
    m->syms = calloc(m->sym_mask + 1, sizeof *m->syms);
    m->used_idx = malloc(c->max_symbols * sizeof *m->used_idx);
    m->held_idx = malloc(c->max_symbols * sizeof *m->held_idx);
    m->open_idx = malloc(c->max_symbols * sizeof *m->open_idx);
    m->execs = oms_execset_new(c->max_execs);
    /* Room for 8 owners per symbol on average: strategies, the engine and the risk close-out. */
    if (oms_book_init(&m->book, c->max_symbols * 8) != 0 ||
        oms_held_init(&m->held, HELD_MAX) != 0 || !m->slots || !m->free_stack || !m->id_table ||
        !m->syms || !m->used_idx || !m->held_idx || !m->open_idx || !m->execs) {
        oms_free(m);
        return tb_errf(e, "oms: out of memory"), NULL;
    }
    memset(m->id_table, 0xff, idsz * sizeof *m->id_table);
    for (uint32_t i = 0; i < c->max_orders; i++)
        m->free_stack[i] = (int32_t)(c->max_orders - 1 - i);
    m->nfree = c->max_orders;
    oms_daytrades_init(&m->daytrades);
    m->next_seq = 1;
    return m;
}

void oms_free(oms *m)
{
    if (!m) return;
    free(m->slots);
    free(m->free_stack);
    free(m->id_table);
    free(m->syms);
    free(m->used_idx);
    free(m->held_idx);
    free(m->open_idx);
    oms_execset_free(m->execs);
    oms_held_free(&m->held);
    oms_book_free(&m->book);
    free(m);
}

/* A broker update that cannot be applied is logged with its ids and counted by reason. */
static void refused(oms *m, const broker_update *u)
{
    m->update_errors++;
    oms_refused_report(&m->refused, u, u->client_id && oms_find(m, u->client_id), m->cb_err.msg);
}

/* An update that meets the locked database waits in memory, and so does every later one: the
 * broker's order of events is what the journal and positions must follow. */
static void hold(oms *m, const broker_update *u)
{
    if (oms_held_push(&m->held, u) == 0) {
        m->held_total++;
        return;
    }
    m->held_dropped++;
    tb_errf(&m->cb_err,
            "oms: %u broker updates wait for the locked database: update of %s (exec %s) "
            "dropped; the broker's reconciliation must report it again",
            m->held.n, u->client_id ? u->client_id : "?", u->exec_id ? u->exec_id : "-");
    refused(m, u);
}

static void on_broker_update(void *ud, const broker_update *u)
{
    oms *m = ud;
    if (m->held.n == 0) {
        int rc = oms_on_update(m, u, &m->cb_err);
        if (rc == 0) return;
        if (rc != OMS_JOURNAL_BUSY) {
            refused(m, u);
            return;
        }
    }
    hold(m, u);
}

int oms_retry_held(oms *m)
{
    const broker_update *u;
    while ((u = oms_held_front(&m->held))) {
        /* The front stays queued while it is applied (a busy journal keeps it first), but the
         * callbacks it runs must not count it as waiting: an on_fill of the last held update
         * may place a protective stop. */
        m->applying_held = 1;
        int rc = oms_on_update(m, u, &m->cb_err);
        m->applying_held = 0;
        if (rc == OMS_JOURNAL_BUSY) break;
        if (rc < 0) refused(m, u);
        oms_held_pop(&m->held);
    }
    return (int)m->held.n;
}

/* A held execution counts once: not when applied already or held earlier (a replay). */
static int held_exec_counts(const oms *m, uint32_t i, const char *client_id)
{
    const broker_update *u = oms_held_at(&m->held, i);
    if (!u->has_exec || !u->exec_id || !u->client_id || strcmp(u->client_id, client_id) != 0 ||
        oms_execset_has(m->execs, u->exec_id))
        return 0;
    for (uint32_t j = 0; j < i; j++) {
        const broker_update *p = oms_held_at(&m->held, j);
        if (p->has_exec && p->exec_id && strcmp(p->exec_id, u->exec_id) == 0) return 0;
    }
    return 1;
}

int oms_filled_with_held(const oms *m, const char *client_id, tb_qty *qty, tb_money *notional)
{
    const oms_order *o = oms_find(m, client_id);
    if (!o) return -1;
    *qty = o->filled_qty;
    *notional = o->filled_notional;
    for (uint32_t i = 0; i < m->held.n; i++) {
        if (!held_exec_counts(m, i, o->client_id)) continue;
        const broker_update *u = oms_held_at(&m->held, i);
        tb_money v;
        if (tb_money_mul_qty(u->exec_price, u->exec_qty, &v, NULL) != 0) continue;
        *qty += u->exec_qty;
        *notional += v;
    }
    return 0;
}

uint32_t oms_held_count(const oms *m)
{
    return m->held.n;
}

uint64_t oms_held_total(const oms *m)
{
    return m->held_total;
}

uint64_t oms_held_dropped(const oms *m)
{
    return m->held_dropped;
}

uint64_t oms_busy_refusals(const oms *m)
{
    return m->busy_refusals;
}

uint64_t oms_unjournaled_cancels(const oms *m)
{
    return m->unjournaled_cancels;
}

void oms_set_broker(oms *m, broker b)
{
    m->brk = b;
    m->has_broker = 1;
    broker_set_update_fn(b, on_broker_update, m);
}

void oms_detach_broker(oms *m)
{
    if (m->has_broker) broker_set_update_fn(m->brk, NULL, NULL);
    m->has_broker = 0;
    m->detached = 1;
}

static int refuse_detached(const oms *m, const char *what, const char *id, tb_err *e)
{
    if (!m->detached) return 0;
    return tb_errf(e, "oms: %s %s: broker closed (shutting down): not sent", what,
                   id ? id : "(new order)");
}

void oms_set_journal(oms *m, const oms_journal *j)
{
    m->journal = *j;
}

void oms_set_listener(oms *m, oms_listener_fn fn, void *ud)
{
    m->listener = fn;
    m->listener_ud = ud;
}

void oms_set_session_day(oms *m, int32_t day)
{
    m->cfg.session_day = day;
}

/* ---- submit ---- */

/* "tb-<strategy>-<symbol>-<day %08d>-<seq>", as snprintf wrote it (util/idfmt.h). */
static void format_client_id(char *out, size_t cap, const char *strategy, const char *symbol,
                             int day, long long seq)
{
    tb_idbuf b;
    tb_idbuf_init(&b, out, cap);
    tb_idbuf_str(&b, "tb-");
    tb_idbuf_str(&b, strategy);
    tb_idbuf_str(&b, "-");
    tb_idbuf_str(&b, symbol);
    tb_idbuf_str(&b, "-");
    tb_idbuf_dec(&b, day, 8);
    tb_idbuf_str(&b, "-");
    tb_idbuf_dec(&b, seq, 0);
}

static void sanitize(char *dst, size_t cap, const char *src)
{
    oms_strlcpy(dst, src, cap);
    for (char *p = dst; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.'))
            *p = '_';
}

void oms_strategy_key(const char *name, char *out, size_t cap)
{
    sanitize(out, cap < OMS_STRATEGY_MAX + 1 ? cap : OMS_STRATEGY_MAX + 1, name);
}

/* 0, -1 with e, or OMS_JOURNAL_BUSY with e. */
static int journal_orders(oms *m, const oms_order *const *os, int n, tb_err *e)
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

/* An intent is sent only after its journal row is committed, and only when memory agrees with
 * the broker: with updates still held, the positions strategies saw are not the broker's. Held
 * updates are not retried from here: that would call strategies' on_fill from inside their own
 * on_bar; the retry timer does it between events. */
static int refuse_while_held(oms *m, tb_err *e)
{
    uint32_t waiting = m->held.n - (m->applying_held && m->held.n ? 1 : 0);
    if (!waiting) return 0;
    m->busy_refusals++;
    return tb_errf(e, "database locked: %u broker updates wait to be committed; order not sent",
                   waiting);
}

static void notify(oms *m, oms_event_kind k, const oms_order *o, const oms_exec *x,
                   const oms_position *p)
{
    if (!m->listener) return;
    oms_event ev = {k, o, x, p};
    m->listener(m->listener_ud, &ev);
}

static void init_leg(oms_order *leg, const oms_order *parent, oms_leg kind)
{
    *leg = *parent;
    snprintf(leg->client_id, sizeof leg->client_id, "%s-%s", parent->client_id,
             kind == OMS_LEG_TAKE_PROFIT ? "tp" : "sl");
    oms_strlcpy(leg->parent_id, parent->client_id, sizeof leg->parent_id);
    leg->leg = kind;
    leg->order_class = OMS_CLASS_SIMPLE;
    leg->side = parent->side == OMS_BUY ? OMS_SELL : OMS_BUY;
    leg->status = OMS_ST_HELD;
    leg->take_profit_limit = leg->stop_loss_stop = leg->stop_loss_limit = 0;
    if (kind == OMS_LEG_TAKE_PROFIT) {
        leg->type = OMS_LIMIT;
        leg->limit_price = parent->take_profit_limit;
        leg->stop_price = 0;
    } else {
        leg->type = parent->stop_loss_limit ? OMS_STOP_LIMIT : OMS_STOP;
        leg->stop_price = parent->stop_loss_stop;
        leg->limit_price = parent->stop_loss_limit;
    }
}

static int change_status(oms *m, slot *s, oms_status to, const char *note, tb_err *e);

int oms_submit(oms *m, const oms_intent *in, const oms_order **out, tb_err *e)
{
    tb_err local; /* e may be NULL; the broker's refusal is kept as the order's note */
    if (!e) e = &local;
    if (out) *out = NULL;
    if (in->client_id) {
        const oms_order *old = oms_find(m, in->client_id);
        if (old) {
            if (out) *out = old;
            return 1;
        }
        /* Brackets append "-tp"/"-sl" to the parent's id. */
        if (!in->client_id[0] || strlen(in->client_id) > OMS_CLIENT_ID_MAX - 3)
            return tb_errf(e, "oms: client order id must be 1 to %d characters",
                           OMS_CLIENT_ID_MAX - 3);
    }
    if (!in->strategy || !in->strategy[0] || !in->symbol || !in->symbol[0])
        return tb_errf(e, "oms: intent needs a strategy and a symbol");
    if (refuse_detached(m, "submit", in->client_id, e) < 0) return -1;
    if (refuse_while_held(m, e) < 0) return -1;
    if (oms_unknown_refuse(m, in, e) < 0) return -1;
    if (strlen(in->symbol) > OMS_SYMBOL_MAX)
        return tb_errf(e, "oms: symbol \"%s\" longer than %d", in->symbol, OMS_SYMBOL_MAX);
    int32_t sym = oms_sym_get(m, in->symbol, e);
    if (sym < 0) return -1;

    slot *ps = oms_slot_alloc(m, e), *tp = NULL, *sl = NULL;
    if (!ps) return -1;
    oms_order *o = &ps->o;
    int64_t now = tb_clock_now_ns();
    o->seq = m->next_seq;
    o->session_day = m->cfg.session_day;
    oms_strlcpy(o->symbol, in->symbol, sizeof o->symbol);
    sanitize(o->strategy, sizeof o->strategy, in->strategy);
    oms_strlcpy(o->reason, in->reason, sizeof o->reason);
    if (in->client_id)
        oms_strlcpy(o->client_id, in->client_id, sizeof o->client_id);
    else {
        char symclean[OMS_SYMBOL_MAX + 1];
        sanitize(symclean, sizeof symclean, in->symbol);
        format_client_id(o->client_id, sizeof o->client_id, o->strategy, symclean,
                         (int)o->session_day, (long long)o->seq);
    }
    o->side = in->side;
    o->type = in->type;
    o->tif = in->tif;
    o->qty = in->qty;
    o->limit_price = in->limit_price;
    o->stop_price = in->stop_price;
    o->order_class = in->order_class;
    o->take_profit_limit = in->take_profit_limit;
    o->stop_loss_stop = in->stop_loss_stop;
    o->stop_loss_limit = in->stop_loss_limit;
    o->status = OMS_ST_NEW;
    o->created_ns = o->updated_ns = now;
    ps->sym = sym;
    const oms_order *batch[3] = {o, NULL, NULL};
    int n = 1;
    if (oms_order_validate(o, e) < 0) goto fail;
    oms_slot_index(m, ps);
    if (o->order_class == OMS_CLASS_BRACKET) {
        if (!(tp = oms_slot_alloc(m, e)) || !(sl = oms_slot_alloc(m, e))) goto fail;
        init_leg(&tp->o, o, OMS_LEG_TAKE_PROFIT);
        init_leg(&sl->o, o, OMS_LEG_STOP_LOSS);
        tp->sym = sl->sym = sym;
        if (oms_order_validate(&tp->o, e) < 0 || oms_order_validate(&sl->o, e) < 0) goto fail;
        oms_slot_index(m, tp);
        oms_slot_index(m, sl);
        batch[n++] = &tp->o;
        batch[n++] = &sl->o;
    }
    int jrc = journal_orders(m, batch, n, e);
    if (jrc == OMS_JOURNAL_BUSY) {
        m->busy_refusals++;
        tb_errf(e, "database locked: intent not journaled, not sent (%s %s %s)", o->client_id,
                oms_side_name(o->side), o->symbol);
    }
    if (jrc < 0) goto fail;
    m->next_seq++;
    oms_open_link(m, ps);
    if (tp) oms_open_link(m, tp);
    if (sl) oms_open_link(m, sl);
    if (out) *out = o;
    if (!m->has_broker) return 0;
    broker_submit_req req = {o, tp ? &tp->o : NULL, sl ? &sl->o : NULL};
    int brc = broker_submit(m->brk, &req, e);
    if (brc == BROKER_OUTCOME_UNKNOWN) {
        tb_err je;
        if (o->status == OMS_ST_NEW) change_status(m, ps, OMS_ST_UNKNOWN, e->msg, &je);
        return tb_err_prefix(e, "oms: %s sent, outcome unknown (looked up by id): ", o->client_id);
    }
    if (brc < 0) {
        /* The adapter refused before sending anything: the outcome is known (not `unknown`). */
        tb_err_prefix(e, "oms: %s journaled but not sent: ", o->client_id);
        slot *all[3] = {sl, tp, ps};
        tb_err je;
        for (int i = 0; i < 3; i++)
            if (all[i] && !oms_status_is_terminal(all[i]->o.status))
                change_status(m, all[i], OMS_ST_REJECTED, e->msg, &je);
        return -1;
    }
    return 0;
fail:
    oms_slot_release(m, sl);
    oms_slot_release(m, tp);
    oms_slot_release(m, ps);
    return -1;
}

/* Applies a status change on a copy, journals it, then commits. With unjournaled_ok a locked
 * database does not stop the change (a cancel request: see oms_cancel). */
static int set_status(oms *m, slot *s, oms_status to, const char *note, int unjournaled_ok,
                      tb_err *e)
{
    oms_order next = s->o;
    if (next.status == to) return 0;
    if (oms_order_set_status(&next, to, tb_clock_now_ns(), e) < 0) return -1;
    if (note) oms_strlcpy(next.note, note, sizeof next.note);
    const oms_order *one = &next;
    int rc = journal_orders(m, &one, 1, e);
    if (rc == OMS_JOURNAL_BUSY && unjournaled_ok)
        m->unjournaled_cancels++;
    else if (rc < 0)
        return rc;
    s->o = next;
    if (oms_status_is_terminal(to)) oms_open_unlink(m, s);
    notify(m, OMS_EV_ORDER, &s->o, NULL, NULL);
    return 0;
}

static int change_status(oms *m, slot *s, oms_status to, const char *note, tb_err *e)
{
    return set_status(m, s, to, note, 0, e);
}

/* A cancel only takes risk off, so it reaches the broker even while the database is locked (the
 * kill switch must be able to empty the book): pending_cancel is then kept in memory only, and
 * the order's final status is journaled with the broker's answer, which waits in order with the
 * other held updates. After a crash in between, reconciliation asks the broker. */
int oms_cancel(oms *m, const char *client_id, tb_err *e)
{
    slot *s = oms_slot_find(m, client_id);
    if (!s) return tb_errf(e, "oms: cancel: unknown order %s", client_id);
    if (s->o.status == OMS_ST_PENDING_CANCEL) return 0;
    if (refuse_detached(m, "cancel", client_id, e) < 0) return -1;
    if (oms_status_is_terminal(s->o.status))
        return tb_errf(e, "oms: cancel: order %s is already %s", client_id,
                       oms_status_name(s->o.status));
    if (set_status(m, s, OMS_ST_PENDING_CANCEL, NULL, 1, e) < 0) return -1;
    if (m->has_broker && broker_cancel(m->brk, &s->o, e) < 0)
        return tb_err_prefix(e, "oms: cancel %s: ", client_id);
    return 0;
}

int oms_replace(oms *m, const char *client_id, const oms_changes *c, const oms_order **out,
                tb_err *e)
{
    if (out) *out = NULL;
    slot *s = oms_slot_find(m, client_id);
    if (!s) return tb_errf(e, "oms: replace: unknown order %s", client_id);
    if (refuse_detached(m, "replace", client_id, e) < 0) return -1;
    if (s->o.status != OMS_ST_ACCEPTED && s->o.status != OMS_ST_PARTIALLY_FILLED)
        return tb_errf(e, "oms: replace: order %s is %s", client_id, oms_status_name(s->o.status));
    if (s->o.leg != OMS_LEG_NONE || s->o.order_class != OMS_CLASS_SIMPLE)
        return tb_errf(e, "oms: replace: order %s is part of a bracket", client_id);
    /* The new qty is the unfilled remainder and brokers count fills from the old order's:
     * both need the fills still held. */
    if (refuse_while_held(m, e) < 0) return -1;
    /* The gates admitted the old order's shares, no more: a replace changes prices or gives
     * shares back, and more shares are a new order through the gates. */
    tb_qty left = s->o.qty - s->o.filled_qty;
    if (c->qty < 0 || c->qty > left)
        return tb_errf(e,
                       "oms: replace: %s asks for %lld shares, the order has %lld left: a replace "
                       "never adds shares (cancel and send a new order through the gates)",
                       client_id, (long long)c->qty, (long long)left);
    slot *ns = oms_slot_alloc(m, e);
    if (!ns) return -1;
    oms_order *n = &ns->o;
    *n = s->o;
    ns->sym = s->sym;
    n->seq = m->next_seq;
    n->session_day = m->cfg.session_day;
    format_client_id(n->client_id, sizeof n->client_id, n->strategy, n->symbol, (int)n->session_day,
                     (long long)n->seq);
    oms_strlcpy(n->replaces_id, s->o.client_id, sizeof n->replaces_id);
    n->broker_id[0] = n->note[0] = 0;
    n->qty = c->qty ? c->qty : s->o.qty - s->o.filled_qty;
    if (c->limit_price) n->limit_price = c->limit_price;
    if (c->stop_price) n->stop_price = c->stop_price;
    n->filled_qty = n->broker_cum_qty = 0;
    n->filled_notional = n->filled_avg_price = n->commission = 0;
    /* One order to the broker and to the day-trade count: the replacement of an order that made
     * a day trade makes none of its own. */
    n->day_trade = s->o.day_trade;
    n->status = OMS_ST_NEW;
    n->created_ns = n->updated_ns = tb_clock_now_ns();
    n->filled_ns = n->closed_ns = 0;
    oms_order old = s->o;
    if (oms_order_validate(n, e) < 0 ||
        oms_order_set_status(&old, OMS_ST_PENDING_REPLACE, n->created_ns, e) < 0) {
        oms_slot_release(m, ns);
        return -1;
    }
    oms_slot_index(m, ns);
    const oms_order *batch[2] = {&old, n};
    int jrc = journal_orders(m, batch, 2, e);
    if (jrc == OMS_JOURNAL_BUSY) {
        m->busy_refusals++;
        tb_errf(e, "database locked: replace of %s not journaled, not sent", client_id);
    }
    if (jrc < 0) {
        oms_slot_release(m, ns);
        return -1;
    }
    m->next_seq++;
    s->o = old;
    oms_open_link(m, ns);
    if (out) *out = n;
    if (!m->has_broker) return 0;
    broker_replace_req req = {&s->o, n};
    if (broker_replace(m->brk, &req, e) < 0) return tb_err_prefix(e, "oms: replace: ");
    return 0;
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
        change_status(m, s, late_to, "fills arrived after the broker's final status", e) < 0)
        return -1;
    if (oms_late_defer_final(m, s, u)) return 0;
    /* A partly filled order reported as such, without an execution (reconciliation), while we
     * wait for a cancel or replace: the broker never got the request, the order works on. */
    if (!u->has_exec && u->status == OMS_ST_PARTIALLY_FILLED && s->o.filled_qty > 0 &&
        (s->o.status == OMS_ST_PENDING_CANCEL || s->o.status == OMS_ST_PENDING_REPLACE))
        return change_status(m, s, OMS_ST_PARTIALLY_FILLED, "cancel or replace not done", e);
    /* Fill statuses follow quantities; only an execution can move them. */
    if (u->status == OMS_ST_FILLED || u->status == OMS_ST_PARTIALLY_FILLED) return 0;
    if (s->o.status == u->status) return 0;
    /* A late acknowledgement after the order has moved on is old news, not an error. */
    if ((u->status == OMS_ST_ACCEPTED || u->status == OMS_ST_HELD) &&
        !oms_transition_allowed(s->o.status, u->status) &&
        (oms_status_is_terminal(s->o.status) || s->o.status == OMS_ST_PARTIALLY_FILLED))
        return 0;
    return change_status(m, s, u->status, u->reason, e);
}
