#include "feed/ibkr_reqs.h"

#include <string.h>

void ibkr_reqs_init(ibkr_reqs *t, int64_t base)
{
    memset(t, 0, sizeof *t);
    t->base = t->next = base;
}

static int slot_of(const ibkr_reqs *t, int64_t id)
{
    return (int)((id - t->base) % IBKR_REQS_MAX);
}

int ibkr_reqs_take(ibkr_reqs *t, int64_t *id)
{
    if (t->busy == IBKR_REQS_MAX) return -1;
    /* a free slot is at most IBKR_REQS_MAX - 1 ids ahead */
    for (int k = 0; k < IBKR_REQS_MAX; k++, t->next++) {
        int s = slot_of(t, t->next);
        if (t->ids[s]) continue;
        t->ids[s] = *id = t->next++;
        t->busy++;
        return s;
    }
    return -1;
}

int ibkr_reqs_find(const ibkr_reqs *t, int64_t id)
{
    if (id < t->base || id >= t->next) return -1;
    int s = slot_of(t, id);
    return t->ids[s] == id ? s : -1;
}

void ibkr_reqs_free(ibkr_reqs *t, int slot)
{
    if (slot < 0 || slot >= IBKR_REQS_MAX || !t->ids[slot]) return;
    t->ids[slot] = 0;
    t->busy--;
}

void ibkr_reqs_clear(ibkr_reqs *t)
{
    memset(t->ids, 0, sizeof t->ids);
    t->busy = 0;
}
