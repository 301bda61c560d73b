/*
 * ring.h - fixed-capacity ring buffers of bars, one per symbol. Capacity is set at init, the
 * memory is allocated then and never again: a push overwrites the oldest bar when full.
 */
#ifndef TB_DATA_RING_H
#define TB_DATA_RING_H

#include "data/bar.h"

#include <stdint.h>

typedef struct tb_ring {
    tb_bar *buf;
    uint32_t cap;  /* bars held at most */
    uint32_t head; /* index where the next push goes */
    uint32_t len;  /* bars held now */
} tb_ring;

/* Allocates a ring holding up to cap bars (cap >= 1). */
int tb_ring_init(tb_ring *r, uint32_t cap, tb_err *e);

/* Releases the ring's memory. */
void tb_ring_free(tb_ring *r);

/* Appends a bar, overwriting the oldest when full. O(1), no allocation. */
static inline void tb_ring_push(tb_ring *r, const tb_bar *b)
{
    r->buf[r->head] = *b;
    r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
    if (r->len < r->cap) r->len++;
}

/* The bar `ago` pushes back: 0 is the latest, len-1 the oldest; NULL when ago >= len. */
static inline const tb_bar *tb_ring_get(const tb_ring *r, uint32_t ago)
{
    if (ago >= r->len) return NULL;
    uint32_t i = r->head >= ago + 1 ? r->head - ago - 1 : r->cap + r->head - ago - 1;
    return &r->buf[i];
}

/* Empties the ring (keeps its memory). */
static inline void tb_ring_clear(tb_ring *r)
{
    r->head = r->len = 0;
}

/* One ring per symbol id, all of the same capacity, in one allocation. */
typedef struct tb_ringset {
    tb_ring *rings;
    tb_bar *mem;
    uint32_t nsyms;
} tb_ringset;

/* Allocates rings for symbol ids 0 .. nsyms-1, each holding cap bars. */
int tb_ringset_init(tb_ringset *s, uint32_t nsyms, uint32_t cap, tb_err *e);

/* Releases every ring. */
void tb_ringset_free(tb_ringset *s);

/* The ring of a symbol, NULL when sym >= nsyms. */
static inline tb_ring *tb_ringset_ring(tb_ringset *s, uint32_t sym)
{
    return sym < s->nsyms ? &s->rings[sym] : NULL;
}

/* Pushes b into the ring of b->sym; -1 when the symbol has no ring. O(1), no allocation. */
static inline int tb_ringset_push(tb_ringset *s, const tb_bar *b)
{
    if (b->sym >= s->nsyms) return -1;
    tb_ring_push(&s->rings[b->sym], b);
    return 0;
}

#endif
