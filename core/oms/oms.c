/*
 * oms.c - the order manager's lifecycle and wiring (broker, journal, listener, session day), and
 * the door broker updates come in by: applied at once, or held in arrival order while the
 * database is locked (oms_retry_held applies them later). Requests to the broker are in
 * oms_requests.c, updates applied in oms_update.c.
 */
#include "oms/oms.h"

#include <stdlib.h>
#include <string.h>

#include "oms/oms_priv.h"
#include "oms/refused.h"

oms *oms_new(const oms_config *c, tb_err *e)
{
    if (!c->max_orders || !c->max_symbols || !c->max_execs)
        return tb_errf(e, "oms: pool sizes must be positive"), NULL;
    oms *m = calloc(1, sizeof *m);
    if (!m) return tb_errf(e, "oms: out of memory"), NULL;
    m->cfg = *c;
    int maps = tb_hmap_init(&m->ids, c->max_orders) | tb_hmap_init(&m->sym_map, c->max_symbols);
    m->slots = calloc(c->max_orders, sizeof *m->slots);
    m->free_stack = malloc(c->max_orders * sizeof *m->free_stack);
    m->syms = calloc(tb_hmap_slots(&m->sym_map), sizeof *m->syms);
    m->used_idx = malloc(c->max_symbols * sizeof *m->used_idx);
    m->held_idx = malloc(c->max_symbols * sizeof *m->held_idx);
    m->open_idx = malloc(c->max_symbols * sizeof *m->open_idx);
    m->execs = oms_execset_new(c->max_execs);
    /* Room for 8 owners per symbol on average: strategies, the engine and the risk close-out. */
    if (maps != 0 || oms_book_init(&m->book, c->max_symbols * 8) != 0 ||
        oms_held_init(&m->held, HELD_MAX) != 0 || !m->slots || !m->free_stack || !m->syms ||
        !m->used_idx || !m->held_idx || !m->open_idx || !m->execs) {
        oms_free(m);
        return tb_errf(e, "oms: out of memory"), NULL;
    }
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
    tb_hmap_free(&m->ids);
    tb_hmap_free(&m->sym_map);
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
