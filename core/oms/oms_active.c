/*
 * oms_active.c - the order manager's lists of the symbols that hold a position and of those
 * with open orders (oms_priv.h: held_idx, open_idx). The risk gates walk positions and open
 * orders for every intent; walking every symbol ever seen made that work grow with the
 * universe (121 symbols in the benchmark, 500 live) instead of with what is held.
 *
 * Both lists stay in ascending entry order, the order of a walk over every used entry, so a
 * caller summing prices over them adds the same numbers in the same order as before and reaches
 * the same verdict to the last bit.
 */
#include "log/log.h"
#include "oms/oms_priv.h"

#include <stdio.h>
#include <string.h>

/* Index of the first element of v[0..n) not below i. */
static uint32_t lower_bound(const uint32_t *v, uint32_t n, uint32_t i)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (v[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Puts i on (in) or off the sorted list v of *n entries; *flag says whether it is on. */
static void list_set(uint32_t *v, uint32_t *n, uint8_t *flag, uint32_t i, int in)
{
    if (*flag == in) return;
    uint32_t k = lower_bound(v, *n, i);
    if (in) {
        memmove(v + k + 1, v + k, (*n - k) * sizeof *v);
        v[k] = i;
        (*n)++;
    } else if (k < *n && v[k] == i) {
        memmove(v + k, v + k + 1, (*n - k - 1) * sizeof *v);
        (*n)--;
    }
    *flag = (uint8_t)in;
}

void oms_sym_track(oms *m, uint32_t i)
{
    sym_entry *y = &m->syms[i];
    list_set(m->held_idx, &m->nheld, &y->in_held, i, y->traded && y->pos.qty != 0);
    list_set(m->open_idx, &m->nopen, &y->in_open, i, y->open_head >= 0);
}

/* Whether list v[0..n) is exactly the used entries (in their order) for which `on` holds. */
static int list_matches(const oms *m, const uint32_t *v, uint32_t n, int held)
{
    uint32_t k = 0;
    for (uint32_t u = 0; u < m->nsyms; u++) {
        uint32_t i = m->used_idx[u];
        const sym_entry *y = &m->syms[i];
        int on = held ? y->traded && y->pos.qty != 0 : y->open_head >= 0;
        if ((held ? y->in_held : y->in_open) != on) return 0;
        if (!on) continue;
        if (k >= n || v[k] != i) return 0;
        k++;
    }
    return k == n;
}

int oms_check_lists(oms *m)
{
    const char *bad = !list_matches(m, m->held_idx, m->nheld, 1)   ? "held"
                      : !list_matches(m, m->open_idx, m->nopen, 0) ? "open-order"
                                                                   : NULL;
    if (!bad) return 0;
    m->invariant_violations++;
    snprintf(m->last_invariant, sizeof m->last_invariant,
             "symbol_lists_match_walk: the %s list (%u held, %u with open orders) differs from a "
             "walk of all %u symbols",
             bad, m->nheld, m->nopen, m->nsyms);
    TB_ERROR("oms", "INVARIANT VIOLATED: %s", m->last_invariant);
    return -1;
}
