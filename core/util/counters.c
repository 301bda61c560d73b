#include "util/counters.h"

#include <stdio.h>
#include <string.h>

static int find(const tb_counters *cs, const char *name)
{
    for (int i = 0; i < cs->n; i++)
        if (strncmp(cs->c[i].name, name, TB_COUNTER_NAME - 1) == 0) return i;
    return -1;
}

void tb_counters_inc(tb_counters *cs, const char *name)
{
    if (!name || !*name) name = "unknown";
    int i = find(cs, name);
    if (i < 0 && cs->n >= TB_COUNTERS_MAX - 1 && strcmp(name, "other") != 0) name = "other";
    if (i < 0) i = find(cs, name);
    if (i < 0) {
        i = cs->n++;
        snprintf(cs->c[i].name, sizeof cs->c[i].name, "%s", name);
        cs->c[i].count = 0;
    }
    cs->c[i].count++;
}

uint64_t tb_counters_get(const tb_counters *cs, const char *name)
{
    int i = find(cs, name);
    return i < 0 ? 0 : cs->c[i].count;
}
