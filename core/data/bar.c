#include "data/bar.h"

#include <math.h>
#include <stdlib.h>

int tb_bar_valid(const tb_bar *b)
{
    if (!isfinite(b->open) || !isfinite(b->high) || !isfinite(b->low) || !isfinite(b->close))
        return 0;
    if (b->low <= 0 || b->high < b->low) return 0;
    if (b->open < b->low || b->open > b->high || b->close < b->low || b->close > b->high) return 0;
    if (!isfinite(b->volume) || b->volume < 0) return 0;
    return 1;
}

int tb_bar_vec_reserve(tb_bar_vec *vec, size_t cap, tb_err *e)
{
    if (cap <= vec->cap) return 0;
    tb_bar *nv = realloc(vec->v, cap * sizeof *nv);
    if (!nv) return tb_errf(e, "out of memory for %zu bars", cap);
    vec->v = nv;
    vec->cap = cap;
    return 0;
}

int tb_bar_vec_push(tb_bar_vec *vec, const tb_bar *b, tb_err *e)
{
    if (vec->n == vec->cap && tb_bar_vec_reserve(vec, vec->cap ? vec->cap * 2 : 1024, e) != 0)
        return -1;
    vec->v[vec->n++] = *b;
    return 0;
}

void tb_bar_vec_free(tb_bar_vec *vec)
{
    free(vec->v);
    vec->v = NULL;
    vec->n = vec->cap = 0;
}

static int cmp_bar(const void *pa, const void *pb)
{
    const tb_bar *a = pa, *b = pb;
    if (a->start_ns != b->start_ns) return a->start_ns < b->start_ns ? -1 : 1;
    if (a->sym != b->sym) return a->sym < b->sym ? -1 : 1;
    return (a->tf_sec > b->tf_sec) - (a->tf_sec < b->tf_sec);
}

void tb_bar_vec_sort(tb_bar_vec *vec)
{
    if (vec->n > 1) qsort(vec->v, vec->n, sizeof *vec->v, cmp_bar);
}
