#include "oms/held.h"

#include <stdlib.h>
#include <string.h>

int oms_held_init(oms_held *h, uint32_t cap)
{
    memset(h, 0, sizeof *h);
    if (!(h->ring = calloc(cap, sizeof *h->ring))) return -1;
    h->cap = cap;
    return 0;
}

void oms_held_free(oms_held *h)
{
    free(h->ring);
    memset(h, 0, sizeof *h);
}

/* NULL stays NULL: "no broker id" and "empty broker id" mean different things upstream. */
static const char *copy(char *dst, size_t cap, const char *src)
{
    if (!src) return NULL;
    oms_strlcpy(dst, src, cap);
    return dst;
}

int oms_held_push(oms_held *h, const broker_update *u)
{
    if (h->n == h->cap) return -1;
    oms_held_update *s = &h->ring[(h->head + h->n) % h->cap];
    s->u = *u;
    s->u.client_id = copy(s->client_id, sizeof s->client_id, u->client_id);
    s->u.broker_id = copy(s->broker_id, sizeof s->broker_id, u->broker_id);
    s->u.reason = copy(s->reason, sizeof s->reason, u->reason);
    s->u.exec_id = copy(s->exec_id, sizeof s->exec_id, u->exec_id);
    h->n++;
    return 0;
}

const broker_update *oms_held_front(oms_held *h)
{
    return h->n ? &h->ring[h->head].u : NULL;
}

const broker_update *oms_held_at(const oms_held *h, uint32_t i)
{
    return &h->ring[(h->head + i) % h->cap].u;
}

void oms_held_pop(oms_held *h)
{
    if (!h->n) return;
    h->head = (h->head + 1) % h->cap;
    h->n--;
}
