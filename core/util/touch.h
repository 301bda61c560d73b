/*
 * touch.h - making memory resident before a hot path needs it.
 *
 * Pools sized at start (calloc) are the kernel's zero pages until first written: the first
 * write to each page is a page fault, a microsecond or more. Touching the next pieces a pool
 * will hand out, between events, moves that fault off the bar-to-order path.
 */
#ifndef TB_UTIL_TOUCH_H
#define TB_UTIL_TOUCH_H

#include <stddef.h>

/* Writes every page of p[0..n) with the value it holds (nothing changes but residency). */
static inline void tb_touch(void *p, size_t n)
{
    volatile char *c = p;
    for (size_t i = 0; i < n; i += 4096) c[i] = c[i];
    if (n) c[n - 1] = c[n - 1];
}

#endif
