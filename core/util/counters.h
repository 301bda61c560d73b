/*
 * counters.h - a small fixed set of named counters (rejects by reason, gate blocks by gate).
 *
 * Metrics label values must stay few, so the set holds at most TB_COUNTERS_MAX names; anything
 * beyond is counted under "other". No allocation: it lives inside its owner.
 */
#ifndef TB_UTIL_COUNTERS_H
#define TB_UTIL_COUNTERS_H

#include <stdint.h>

#define TB_COUNTERS_MAX 16
#define TB_COUNTER_NAME 48

typedef struct tb_counters {
    int n;
    struct {
        char name[TB_COUNTER_NAME];
        uint64_t count;
    } c[TB_COUNTERS_MAX];
} tb_counters;

/* Adds one to the counter called name (cut to TB_COUNTER_NAME-1 bytes; "other" when full). */
void tb_counters_inc(tb_counters *cs, const char *name);

/* The count of name, 0 when absent. */
uint64_t tb_counters_get(const tb_counters *cs, const char *name);

#endif
