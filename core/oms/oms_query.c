/*
 * oms_query.c - what the order manager answers about its state: open orders, positions, day
 * trades, sequence and error counters. Read-only.
 */
#include "oms/oms.h"
#include "oms/oms_priv.h"

#include <stddef.h>
#include <string.h>

/* ---- queries ---- */

int oms_open_orders(const oms *m, const char *symbol, const oms_order **out, int cap)
{
    const sym_entry *y = oms_sym_lookup(m, symbol);
    int n = 0;
    for (int32_t i = y ? y->open_head : -1; i >= 0; i = m->slots[i].next) {
        if (n < cap) out[n] = &m->slots[i].o;
        n++;
    }
    return n;
}

int oms_open_orders_all(const oms *m, const oms_order **out, int cap)
{
    int n = 0;
    for (uint32_t u = 0; u < m->nopen; u++) {
        uint32_t i = m->open_idx[u];
        for (int32_t k = m->syms[i].open_head; k >= 0; k = m->slots[k].next) {
            if (n < cap) out[n] = &m->slots[k].o;
            n++;
        }
    }
    return n;
}

const oms_position *oms_position_get(const oms *m, const char *symbol)
{
    const sym_entry *y = oms_sym_lookup(m, symbol);
    return y && y->traded ? &y->pos : NULL;
}

int oms_positions(const oms *m, const oms_position **out, int cap)
{
    int n = 0;
    for (uint32_t u = 0; u < m->nsyms; u++) {
        const sym_entry *y = &m->syms[m->used_idx[u]];
        if (!y->traded) continue;
        if (n < cap) out[n] = &y->pos;
        n++;
    }
    return n;
}

int oms_positions_held(const oms *m, const oms_position **out, int cap)
{
    int n = 0;
    for (uint32_t u = 0; u < m->nheld; u++) {
        if (n < cap) out[n] = &m->syms[m->held_idx[u]].pos;
        n++;
    }
    return n;
}

const oms_position *oms_order_position(const oms *m, const oms_order *o)
{
    const slot *s = (const slot *)(const void *)o; /* the order is its slot's first member */
    return &m->syms[s->sym].pos;
}

uint32_t oms_position_index(const oms *m, const oms_position *p)
{
    const sym_entry *y =
        (const sym_entry *)(const void *)((const char *)p - offsetof(sym_entry, pos));
    return (uint32_t)(y - m->syms);
}

uint32_t oms_position_slots(const oms *m)
{
    return tb_hmap_slots(&m->sym_map);
}

const oms_daytrades *oms_get_daytrades(const oms *m)
{
    return &m->daytrades;
}

int oms_daytrade_count(const oms *m, int32_t first_day, int32_t last_day)
{
    return oms_daytrades_count(&m->daytrades, first_day, last_day);
}

int64_t oms_next_seq(const oms *m)
{
    return m->next_seq;
}

uint64_t oms_update_errors(const oms *m)
{
    return m->update_errors;
}

const char *oms_last_update_error(const oms *m)
{
    return m->cb_err.msg;
}

const tb_counters *oms_refused_by_reason(const oms *m)
{
    return &m->refused;
}
