#include "data/ring.h"

#include <stdlib.h>
#include <string.h>

int tb_ring_init(tb_ring *r, uint32_t cap, tb_err *e)
{
    memset(r, 0, sizeof *r);
    if (cap == 0) return tb_errf(e, "ring capacity must be at least 1");
    r->buf = malloc(cap * sizeof *r->buf);
    if (!r->buf) return tb_errf(e, "out of memory for a ring of %u bars", cap);
    /* Zeroed by writing, not by calloc's fresh pages: the pages are mapped now, not one by one
     * as later bars fill the ring (a page fault on the per-bar path). */
    memset(r->buf, 0, cap * sizeof *r->buf);
    r->cap = cap;
    return 0;
}

void tb_ring_free(tb_ring *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

int tb_ringset_init(tb_ringset *s, uint32_t nsyms, uint32_t cap, tb_err *e)
{
    memset(s, 0, sizeof *s);
    if (cap == 0) return tb_errf(e, "ring capacity must be at least 1");
    if (nsyms == 0) return 0;
    s->rings = calloc(nsyms, sizeof *s->rings);
    s->mem = calloc((size_t)nsyms * cap, sizeof *s->mem);
    if (!s->rings || !s->mem) {
        free(s->rings);
        free(s->mem);
        memset(s, 0, sizeof *s);
        return tb_errf(e, "out of memory for %u rings of %u bars", nsyms, cap);
    }
    for (uint32_t i = 0; i < nsyms; i++) {
        s->rings[i].buf = s->mem + (size_t)i * cap;
        s->rings[i].cap = cap;
    }
    s->nsyms = nsyms;
    return 0;
}

void tb_ringset_free(tb_ringset *s)
{
    free(s->rings);
    free(s->mem);
    memset(s, 0, sizeof *s);
}
