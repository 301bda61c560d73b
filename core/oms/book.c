#include "oms/book.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash2(const char *a, const char *b)
{
    uint64_t h = tb_fnv64_str(TB_FNV64_SEED, a);
    h = tb_fnv64_byte(h, 0xff); /* separator: ("ab","c") != ("a","bc") */
    return tb_hash_fold(tb_fnv64_str(h, b));
}

int oms_book_init(oms_book *b, uint32_t cap)
{
    uint32_t size = 2;
    while (size < cap * 2) size <<= 1;
    memset(b, 0, sizeof *b);
    b->e = calloc(size, sizeof *b->e);
    if (!b->e) return -1;
    b->mask = size - 1;
    b->cap = cap;
    return 0;
}

void oms_book_free(oms_book *b)
{
    free(b->e);
    b->e = NULL;
}

/* The slot of (strategy, symbol), or the empty slot where it would go (*found 0). */
static uint32_t probe(const oms_book *b, const char *strategy, const char *symbol, int *found)
{
    uint32_t i = (uint32_t)hash2(strategy, symbol) & b->mask;
    while (b->e[i].used) {
        if (strcmp(b->e[i].strategy, strategy) == 0 && strcmp(b->e[i].pos.symbol, symbol) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & b->mask;
    }
    *found = 0;
    return i;
}

int32_t oms_book_find(const oms_book *b, const char *strategy, const char *symbol)
{
    int found;
    uint32_t i = probe(b, strategy, symbol, &found);
    return found ? (int32_t)i : -1;
}

int32_t oms_book_get(oms_book *b, const char *strategy, const char *symbol, int32_t *symbol_head,
                     tb_err *e)
{
    int found;
    uint32_t i = probe(b, strategy, symbol, &found);
    if (found) return (int32_t)i;
    if (b->n >= b->cap)
        return tb_errf(e, "oms: more than %u strategy positions (strategy %s, %s)", b->cap,
                       strategy, symbol);
    oms_book_entry *x = &b->e[i];
    memset(x, 0, sizeof *x);
    x->used = 1;
    oms_strlcpy(x->strategy, strategy, sizeof x->strategy);
    oms_pos_init(&x->pos, symbol);
    x->next_of_symbol = *symbol_head;
    *symbol_head = (int32_t)i;
    b->n++;
    return (int32_t)i;
}
