/*
 * oms_pool.c - where the order manager keeps its orders: the slot pool sized at start (no
 * allocation per order), the client-id map, the symbol table, the list of open orders, and
 * restoring orders, positions and day trades into them at a restart (oms_store_load).
 */
#include "oms/oms.h"
#include "oms/oms_priv.h"
#include "log/log.h"
#include "util/hash.h"
#include "util/hmap.h"
#include "util/touch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t hash_str(const char *s)
{
    return (uint32_t)tb_hash_fold(tb_fnv64_str(TB_FNV64_SEED, s));
}

/* ---- client id map ---- */

/* The slot index of client id, or -1 with *it where it would go. Inline: on the order path, a
 * local it stays in registers. */
static inline int32_t id_find(const oms *m, const char *id, tb_hmap_it *it)
{
    *it = tb_hmap_probe(&m->ids, hash_str(id));
    for (uint32_t k; (k = tb_hmap_next(&m->ids, it)) != TB_HMAP_NONE;)
        if (strcmp(m->slots[k].o.client_id, id) == 0) return (int32_t)k;
    return -1;
}

static void id_remove(oms *m, const char *id)
{
    tb_hmap_it it;
    if (id_find(m, id, &it) >= 0) tb_hmap_remove(&m->ids, &it);
    m->id_recent = 0; /* rare (slots evicted or released): not worth telling which id went */
}

slot *oms_slot_find(const oms *m, const char *id)
{
    if (m->id_recent) {
        slot *r = &m->slots[m->id_recent - 1];
        if (r->used && strcmp(r->o.client_id, id) == 0) return r;
    }
    tb_hmap_it it;
    int32_t k = id_find(m, id, &it);
    return k >= 0 ? &m->slots[k] : NULL;
}

const oms_order *oms_find(const oms *m, const char *client_id)
{
    slot *s = client_id ? oms_slot_find(m, client_id) : NULL;
    return s ? &s->o : NULL;
}

/* ---- symbols ---- */

/* The index of symbol's entry, or -1 with *it where it would go. Inline: the gates look symbols
 * up for every intent, and a local it then stays in registers. */
static inline int32_t sym_find(const oms *m, const char *symbol, tb_hmap_it *it)
{
    *it = tb_hmap_probe(&m->sym_map, hash_str(symbol));
    for (uint32_t k; (k = tb_hmap_next(&m->sym_map, it)) != TB_HMAP_NONE;)
        if (strcmp(m->syms[k].pos.symbol, symbol) == 0) return (int32_t)k;
    return -1;
}

int32_t oms_sym_get(oms *m, const char *symbol, tb_err *e)
{
    tb_hmap_it it;
    int32_t found = sym_find(m, symbol, &it);
    if (found >= 0) return found;
    if (m->nsyms >= m->cfg.max_symbols)
        return tb_errf(e, "oms: more than %u symbols", m->cfg.max_symbols);
    uint32_t i = it.at;               /* the entry lives at its slot of the map (oms_priv.h) */
    tb_hmap_put(&m->sym_map, &it, i); /* room for max_symbols: sized in oms_new */
    uint32_t k = m->nsyms++;
    for (; k > 0 && m->used_idx[k - 1] > i; k--) m->used_idx[k] = m->used_idx[k - 1];
    m->used_idx[k] = i;
    m->syms[i].open_head = -1;
    m->syms[i].book_head = -1;
    oms_pos_init(&m->syms[i].pos, symbol);
    return (int32_t)i;
}

const sym_entry *oms_sym_lookup(const oms *m, const char *symbol)
{
    tb_hmap_it it;
    int32_t k = sym_find(m, symbol, &it);
    return k >= 0 ? &m->syms[k] : NULL;
}

void oms_open_link(oms *m, slot *s)
{
    int32_t idx = (int32_t)(s - m->slots);
    sym_entry *y = &m->syms[s->sym];
    s->prev = -1;
    s->next = y->open_head;
    if (y->open_head >= 0) m->slots[y->open_head].prev = idx;
    y->open_head = idx;
    s->open = 1;
    oms_sym_track(m, (uint32_t)s->sym);
}

void oms_open_unlink(oms *m, slot *s)
{
    if (!s->open) return;
    sym_entry *y = &m->syms[s->sym];
    if (s->prev >= 0)
        m->slots[s->prev].next = s->next;
    else
        y->open_head = s->next;
    if (s->next >= 0) m->slots[s->next].prev = s->prev;
    s->open = 0;
    oms_sym_track(m, (uint32_t)s->sym);
}

/* ---- pool ---- */

/* Takes a free slot. When none is left, evicts the older half of the finished orders (closed
 * before their mean close time) in one pass, so eviction costs O(1) per order amortised. */
void oms_warm(oms *m, uint32_t n)
{
    /* Nothing taken or given back since a call that touched as many: nothing to do (every bar). */
    if (m->nfree == m->warm_nfree && n <= m->warm_n) return;
    m->warm_nfree = m->nfree, m->warm_n = n;
    for (uint32_t k = 1; k <= n && k <= m->nfree; k++)
        tb_touch(&m->slots[m->free_stack[m->nfree - k]], sizeof(slot));
}

void oms_warm_symbol(oms *m, const char *symbol)
{
    tb_hmap_it it;
    if (sym_find(m, symbol, &it) < 0) tb_touch(&m->syms[it.at], sizeof m->syms[it.at]);
}

slot *oms_slot_alloc(oms *m, tb_err *e)
{
    if (!m->nfree) {
        __int128 sum = 0;
        int64_t n = 0, newest = INT64_MIN;
        for (uint32_t i = 0; i < m->cfg.max_orders; i++) {
            slot *s = &m->slots[i];
            if (s->used && oms_status_is_terminal(s->o.status)) {
                sum += s->o.closed_ns;
                n++;
                if (s->o.closed_ns > newest) newest = s->o.closed_ns;
            }
        }
        if (!n)
            return tb_errf(e, "oms: all %u order slots hold working orders", m->cfg.max_orders),
                   NULL;
        int64_t cut = (int64_t)(sum / n);
        for (uint32_t i = 0; i < m->cfg.max_orders; i++) {
            slot *s = &m->slots[i];
            if (s->used && oms_status_is_terminal(s->o.status) &&
                (s->o.closed_ns < cut || (cut == newest && s->o.closed_ns == cut))) {
                id_remove(m, s->o.client_id);
                s->used = 0;
                m->free_stack[m->nfree++] = (int32_t)i;
            }
        }
    }
    slot *s = &m->slots[m->free_stack[--m->nfree]];
    memset(s, 0, sizeof *s);
    s->used = 1;
    s->prev = s->next = -1;
    return s;
}

void oms_slot_release(oms *m, slot *s)
{
    if (!s) return;
    tb_hmap_it it;
    if (id_find(m, s->o.client_id, &it) == (int32_t)(s - m->slots)) tb_hmap_remove(&m->ids, &it);
    m->id_recent = 0;
    oms_open_unlink(m, s);
    s->used = 0;
    m->free_stack[m->nfree++] = (int32_t)(s - m->slots);
}

int oms_check_id_recent(oms *m)
{
    if (!m->id_recent) return 0;
    const slot *r = &m->slots[m->id_recent - 1];
    tb_hmap_it it;
    if (!r->used || id_find(m, r->o.client_id, &it) == m->id_recent - 1) return 0;
    m->invariant_violations++;
    snprintf(m->last_invariant, sizeof m->last_invariant,
             "id_recent_is_mapped: slot %d (%s) is not what the id map gives", m->id_recent - 1,
             r->o.client_id);
    TB_ERROR("oms", "INVARIANT VIOLATED: %s", m->last_invariant);
    return -1;
}

void oms_slot_index(oms *m, slot *s)
{
    tb_hmap_it it;
    id_find(m, s->o.client_id, &it);
    /* Replaces the id's slot, or adds it: the map has room for every slot of the pool. */
    tb_hmap_put(&m->ids, &it, (uint32_t)(s - m->slots));
    m->id_recent = (int32_t)(s - m->slots) + 1;
}

/* ---- restore ---- */

int oms_restore_order(oms *m, const oms_order *o, tb_err *e)
{
    if (oms_find(m, o->client_id)) return tb_errf(e, "oms: restore: duplicate %s", o->client_id);
    int32_t sym = oms_sym_get(m, o->symbol, e);
    if (sym < 0) return -1;
    slot *s = oms_slot_alloc(m, e);
    if (!s) return -1;
    s->o = *o;
    s->sym = sym;
    oms_slot_index(m, s);
    if (!oms_status_is_terminal(o->status)) oms_open_link(m, s);
    oms_restore_seq(m, o->seq + 1);
    return 0;
}

int oms_restore_position(oms *m, const oms_position *p, tb_err *e)
{
    int32_t sym = oms_sym_get(m, p->symbol, e);
    if (sym < 0) return -1;
    m->syms[sym].pos = *p;
    m->syms[sym].traded = 1;
    oms_sym_track(m, (uint32_t)sym);
    return 0;
}

void oms_restore_exec(oms *m, const char *exec_id)
{
    oms_execset_add(m->execs, exec_id);
}

void oms_restore_daytrade(oms *m, const oms_daytrade *dt)
{
    oms_daytrades_record(&m->daytrades, dt);
}

void oms_restore_seq(oms *m, int64_t next_seq)
{
    if (next_seq > m->next_seq) m->next_seq = next_seq;
}
