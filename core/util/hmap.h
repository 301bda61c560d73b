/*
 * hmap.h - the engine's one hash map: open addressing with linear probing over a power-of-two
 * table, mapping a key the map never sees to a 32-bit value, the index of the entry in its
 * owner's storage (an order slot, a symbol's row, a ring of execution ids).
 *
 * The owner keeps the keys and hashes them (its hash decides the slots, so a walk of the table
 * visits entries in the order it always did); the map keeps each entry's hash beside its value,
 * which skips most key comparisons and lets removal and growth work without the keys. A lookup
 * is a probe the owner drives, comparing its own keys (the khash model of kh_get / kh_put, with
 * the comparison outside the map):
 *
 *     tb_hmap_it it = tb_hmap_probe(&m, hash);
 *     for (uint32_t v; (v = tb_hmap_next(&m, &it)) != TB_HMAP_NONE;)
 *         if (strcmp(rows[v].name, name) == 0) return v;     // found: it is on it
 *     tb_hmap_put(&m, &it, new_row);                         // absent: it is where it goes
 *
 * A map that never removes nor grows keeps each entry in the slot the put gave it (it->at), so
 * its owner may keep rows parallel to the table instead (the order manager's symbols: listed in
 * table order).
 *
 * The table has room for twice its capacity, so a probe meets an empty slot soon. Memory is
 * allocated by tb_hmap_init and tb_hmap_grow only; probes, puts and removals allocate nothing.
 * Removal shifts later entries of the cluster back (Knuth's algorithm R): no tombstones, so a
 * table with as many removals as inserts (the order manager's ids) never degrades.
 */
#ifndef TB_UTIL_HMAP_H
#define TB_UTIL_HMAP_H

#include <stdint.h>

#define TB_HMAP_NONE UINT32_MAX /* no value: an empty slot, or the end of a probe */

typedef struct tb_hmap_slot {
    uint32_t hash, val; /* val TB_HMAP_NONE: empty */
} tb_hmap_slot;

typedef struct tb_hmap {
    tb_hmap_slot *slot; /* capacity 0: one shared empty slot, never written */
    uint32_t mask;      /* slots - 1 */
    uint32_t n;         /* entries */
} tb_hmap;

/* A probe for one hash: at is the slot of the value tb_hmap_next returned last, or the empty
 * slot that ended the probe (TB_HMAP_NONE before the first tb_hmap_next). */
typedef struct tb_hmap_it {
    uint32_t hash, pos, at;
} tb_hmap_it;

/* Room for capacity entries in a table of the least power of two >= 2 x capacity slots (at
 * least 2). capacity 0 allocates nothing: every probe ends at once and a put fails until
 * tb_hmap_grow. -1 when out of memory or capacity exceeds 2^30. */
int tb_hmap_init(tb_hmap *m, uint32_t capacity);

/* Releases the table; the map is then empty with capacity 0. A zeroed tb_hmap may be freed,
 * grown and asked its capacity and count, but not probed before tb_hmap_init or tb_hmap_grow. */
void tb_hmap_free(tb_hmap *m);

/* Rebuilds the table with room for capacity entries (not less than it holds), keeping every
 * entry; -1 when out of memory (the map is unchanged) or capacity is too small or too large.
 * Not for the hot path: it allocates and rehashes every entry. */
int tb_hmap_grow(tb_hmap *m, uint32_t capacity);

/* Entries the map can take (half its slots). */
static inline uint32_t tb_hmap_capacity(const tb_hmap *m)
{
    return (m->mask + 1) / 2;
}

/* Entries it holds. */
static inline uint32_t tb_hmap_count(const tb_hmap *m)
{
    return m->n;
}

/* Starts a probe for the entries whose hash is hash. */
static inline tb_hmap_it tb_hmap_probe(const tb_hmap *m, uint32_t hash)
{
    return (tb_hmap_it){.hash = hash, .pos = hash & m->mask, .at = TB_HMAP_NONE};
}

/* The next value whose entry has the probe's hash (it->at then is its slot), or TB_HMAP_NONE
 * when the probe reached an empty slot (it->at is that slot: where a put adds the key). */
static inline uint32_t tb_hmap_next(const tb_hmap *m, tb_hmap_it *it)
{
    uint32_t pos = it->pos, mask = m->mask, hash = it->hash; /* in registers through the loop */
    for (;;) {
        const tb_hmap_slot *s = &m->slot[pos];
        if (s->val == TB_HMAP_NONE) {
            it->pos = it->at = pos;
            return TB_HMAP_NONE;
        }
        if (s->hash == hash) {
            it->at = pos;
            it->pos = (pos + 1) & mask;
            return s->val;
        }
        pos = (pos + 1) & mask;
    }
}

/* Stores val (not TB_HMAP_NONE) where the probe stands: replaces the value tb_hmap_next returned
 * last, or adds an entry at the empty slot that ended the probe. -1 when adding to a full map
 * (count == capacity) or before the probe's first tb_hmap_next: the map is unchanged. */
int tb_hmap_put(tb_hmap *m, const tb_hmap_it *it, uint32_t val);

/* Removes the entry whose value tb_hmap_next returned last; the probe is spent. */
void tb_hmap_remove(tb_hmap *m, const tb_hmap_it *it);

/* Table slots, for a walk in table order with tb_hmap_slot_val. */
static inline uint32_t tb_hmap_slots(const tb_hmap *m)
{
    return m->mask + 1;
}

/* The value in slot i (< tb_hmap_slots), TB_HMAP_NONE when it is empty. */
static inline uint32_t tb_hmap_slot_val(const tb_hmap *m, uint32_t i)
{
    return m->slot[i].val;
}

/* 0 when the table is sound: every entry reachable from its home slot without crossing an empty
 * one, the count right and a slot empty; else -1 (for tests and invariant checks). */
int tb_hmap_check(const tb_hmap *m);

#endif
