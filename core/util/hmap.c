#include "util/hmap.h"

#include <stdlib.h>
#include <string.h>

/* The table of every map with capacity 0: probes read its empty slot and end; nothing writes it
 * (a put into a map of capacity 0 fails, and a removal needs a value a probe returned). */
static const tb_hmap_slot nil = {.hash = 0, .val = TB_HMAP_NONE};

int tb_hmap_init(tb_hmap *m, uint32_t capacity)
{
    *m = (tb_hmap){.slot = (tb_hmap_slot *)&nil, .mask = 0, .n = 0};
    if (capacity == 0) return 0;
    if (capacity > (1u << 30)) return -1;
    uint32_t size = 2;
    while (size < 2 * capacity) size <<= 1;
    tb_hmap_slot *s = malloc((size_t)size * sizeof *s);
    if (!s) return -1;
    memset(s, 0xff, (size_t)size * sizeof *s); /* every val TB_HMAP_NONE: empty */
    m->slot = s;
    m->mask = size - 1;
    return 0;
}

void tb_hmap_free(tb_hmap *m)
{
    if (m->slot != &nil) free(m->slot);
    *m = (tb_hmap){.slot = (tb_hmap_slot *)&nil, .mask = 0, .n = 0};
}

int tb_hmap_grow(tb_hmap *m, uint32_t capacity)
{
    tb_hmap fresh;
    if (capacity < m->n || tb_hmap_init(&fresh, capacity) != 0) return -1;
    /* Old slots in table order: an entry lands where a put in that order would have put it. A
     * zeroed map (no init) has no slots to read. */
    for (uint32_t i = 0; m->slot && i <= m->mask; i++) {
        tb_hmap_slot s = m->slot[i];
        if (s.val == TB_HMAP_NONE) continue;
        uint32_t j = s.hash & fresh.mask;
        while (fresh.slot[j].val != TB_HMAP_NONE) j = (j + 1) & fresh.mask;
        fresh.slot[j] = s;
    }
    fresh.n = m->n;
    tb_hmap_free(m);
    *m = fresh;
    return 0;
}

int tb_hmap_put(tb_hmap *m, const tb_hmap_it *it, uint32_t val)
{
    if (val == TB_HMAP_NONE || it->at > m->mask) return -1;
    tb_hmap_slot *s = &m->slot[it->at];
    if (s->val != TB_HMAP_NONE) {
        s->val = val;
        return 0;
    }
    if (m->n >= tb_hmap_capacity(m)) return -1;
    s->hash = it->hash;
    s->val = val;
    m->n++;
    return 0;
}

void tb_hmap_remove(tb_hmap *m, const tb_hmap_it *it)
{
    uint32_t i = it->at, mask = m->mask;
    if (i > mask || m->slot[i].val == TB_HMAP_NONE) return;
    m->slot[i].val = TB_HMAP_NONE;
    m->n--;
    /* The hole at i is filled by the first later entry of the cluster whose home is not in the
     * cyclic range (i, j]: a probe from its home would otherwise stop at the hole. */
    for (uint32_t j = (i + 1) & mask; m->slot[j].val != TB_HMAP_NONE; j = (j + 1) & mask) {
        uint32_t home = m->slot[j].hash & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slot[i] = m->slot[j];
            m->slot[j].val = TB_HMAP_NONE;
            i = j;
        }
    }
}

int tb_hmap_check(const tb_hmap *m)
{
    uint32_t n = 0, empty = 0;
    for (uint32_t i = 0; i <= m->mask; i++) {
        if (m->slot[i].val == TB_HMAP_NONE) {
            empty++;
            continue;
        }
        n++;
        for (uint32_t j = m->slot[i].hash & m->mask; j != i; j = (j + 1) & m->mask)
            if (m->slot[j].val == TB_HMAP_NONE) return -1;
    }
    return n == m->n && empty > 0 && n <= tb_hmap_capacity(m) ? 0 : -1;
}
