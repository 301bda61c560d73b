/*
 * grow.h - arrays indexed by a dense id (a symbol table's ids): made long enough for an id on
 * first sight, with zeroed new elements, so a module keeps per-symbol state without a map.
 */
#ifndef TB_UTIL_GROW_H
#define TB_UTIL_GROW_H

#include <stddef.h>
#include <stdint.h>

/* Room added past the id asked for, so ids seen in rising order do not realloc each time. */
#define TB_GROW_SLACK 64

/* Returns `arr` (of *n elements of `size` bytes) grown to id + TB_GROW_SLACK elements, the new
 * ones zeroed, and sets *n. NULL when out of memory: `arr` and *n are then unchanged. */
void *tb_grow_zeroed_slow(void *arr, uint32_t *n, uint32_t id, size_t size);

/* Returns `arr` when index `id` is already inside it (the per-bar case: no call), else grows it
 * as tb_grow_zeroed_slow does. */
static inline void *tb_grow_zeroed(void *arr, uint32_t *n, uint32_t id, size_t size)
{
    return id < *n ? arr : tb_grow_zeroed_slow(arr, n, id, size);
}

#endif
