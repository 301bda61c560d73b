#include "util/grow.h"

#include <stdlib.h>
#include <string.h>

void *tb_grow_zeroed_slow(void *arr, uint32_t *n, uint32_t id, size_t size)
{
    if (id > UINT32_MAX - TB_GROW_SLACK) return NULL;
    uint32_t m = id + TB_GROW_SLACK;
    char *na = realloc(arr, (size_t)m * size);
    if (!na) return NULL;
    memset(na + (size_t)*n * size, 0, (size_t)(m - *n) * size);
    *n = m;
    return na;
}
