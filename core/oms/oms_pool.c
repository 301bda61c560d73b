/*
 * oms_pool.c - where the order manager keeps its orders: the slot pool sized at start (no
 * allocation per order), the client-id map, the symbol table, the list of open orders, and
 * restoring orders, positions and day trades into them at a restart (oms_store_load).
 */
#include "oms/oms.h"
#include "oms/oms_priv.h"
#include "util/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
    return tb_hash_fold(tb_fnv64_str(TB_FNV64_SEED, s));
}

/* ---- client id map ---- */

static uint32_t id_find(const oms *m, const char *id, int *found)
{
    uint32_t i = (uint32_t)hash_str(id) & m->id_mask;
    while (m->id_table[i] >= 0) {
        if (strcmp(m->slots[m->id_table[i]].o.client_id, id) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & m->id_mask;
    }
    *found = 0;
    return i;
}

static void id_remove(oms *m, const char *id)
{
    int found;
    uint32_t i = id_find(m, id, &found);
    if (!found) return;
    m->id_table[i] = -1;
    for (uint32_t j = (i + 1) & m->id_mask; m->id_table[j] >= 0; j = (j + 1) & m->id_mask) {
        uint32_t home = (uint32_t)hash_str(m->slots[m->id_table[j]].o.client_id) & m->id_mask;
        if (((j - home) & m->id_mask) >= ((j - i) & m->id_mask)) {
            m->id_table[i] = m->id_table[j];
            m->id_table[j] = -1;
            i = j;
        }
    }
}

slot *oms_slot_find(const oms *m, const char *id)
{
    int found;
    uint32_t i = id_find(m, id, &found);
    return found ? &m->slots[m->id_table[i]] : NULL;
}

const oms_order *oms_find(const oms *m, const char *client_id)
{
    slot *s = client_id ? oms_slot_find(m, client_id) : NULL;
    return s ? &s->o : NULL;
}

/* ---- symbols ---- */

int32_t oms_sym_get(oms *m, const char *symbol, tb_err *e)
{
    uint32_t i = (uint32_t)hash_str(symbol) & m->sym_mask;
    while (m->syms[i].used) {
        if (strcmp(m->syms[i].pos.symbol, symbol) == 0) return (int32_t)i;
        i = (i + 1) & m->sym_mask;
    }
    if (m->nsyms >= m->cfg.max_symbols)
        return tb_errf(e, "oms: more than %u symbols", m->cfg.max_symbols);
    uint32_t k = m->nsyms++;
    for (; k > 0 && m->used_idx[k - 1] > i; k--) m->used_idx[k] = m->used_idx[k - 1];
    m->used_idx[k] = i;
    m->syms[i].used = 1;
    m->syms[i].open_head = -1;
    m->syms[i].book_head = -1;
    oms_pos_init(&m->syms[i].pos, symbol);
    return (int32_t)i;
}

const sym_entry *oms_sym_lookup(const oms *m, const char *symbol)
{
    uint32_t i = (uint32_t)hash_str(symbol) & m->sym_mask;
    while (m->syms[i].used) {
        if (strcmp(m->syms[i].pos.symbol, symbol) == 0) return &m->syms[i];
        i = (i + 1) & m->sym_mask;
    }
    return NULL;
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
    int found;
    uint32_t i = id_find(m, s->o.client_id, &found);
    if (found && m->id_table[i] == (int32_t)(s - m->slots)) id_remove(m, s->o.client_id);
    oms_open_unlink(m, s);
    s->used = 0;
    m->free_stack[m->nfree++] = (int32_t)(s - m->slots);
}

void oms_slot_index(oms *m, slot *s)
{
    int found;
    uint32_t i = id_find(m, s->o.client_id, &found);
    m->id_table[i] = (int32_t)(s - m->slots);
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
