#include "feed/bar_seq.h"
#include "data/calendar.h"

#include <stdlib.h>
#include <string.h>

int tb_bar_seq_accept(tb_bar_seq *s, const tb_bar *b)
{
    if (b->sym >= s->cap) {
        uint32_t cap = s->cap ? s->cap : 64;
        while (cap <= b->sym) cap *= 2;
        int64_t *n = realloc(s->last, cap * sizeof *n);
        if (!n) return -1;
        memset(n + s->cap, 0, (cap - s->cap) * sizeof *n);
        s->last = n, s->cap = cap;
    }
    int64_t last = s->last[b->sym];
    if (last && b->start_ns <= last) {
        s->duplicates++;
        return 0;
    }
    int64_t tf = (int64_t)(b->tf_sec > 0 ? b->tf_sec : 60) * TB_NS_PER_SEC;
    if (last && tb_cal_session_day(last) == tb_cal_session_day(b->start_ns))
        s->gap_minutes += (uint64_t)((b->start_ns - last) / tf - 1) * (uint64_t)(tf / 60e9);
    s->last[b->sym] = b->start_ns;
    s->accepted++;
    return 1;
}

int64_t tb_bar_seq_last(const tb_bar_seq *s, uint32_t sym)
{
    return sym < s->cap ? s->last[sym] : 0;
}

int64_t tb_bar_seq_oldest_last(const tb_bar_seq *s)
{
    int64_t m = 0;
    for (uint32_t i = 0; i < s->cap; i++)
        if (s->last[i] && (!m || s->last[i] < m)) m = s->last[i];
    return m;
}

void tb_bar_seq_free(tb_bar_seq *s)
{
    free(s->last);
    memset(s, 0, sizeof *s);
}
