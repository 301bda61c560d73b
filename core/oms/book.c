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
    memset(b, 0, sizeof *b);
    b->e = calloc(cap ? cap : 1, sizeof *b->e);
    if (!b->e || tb_hmap_init(&b->map, cap) != 0) {
        oms_book_free(b);
        return -1;
    }
    b->cap = cap;
    return 0;
}

void oms_book_free(oms_book *b)
{
    free(b->e);
    b->e = NULL;
    tb_hmap_free(&b->map);
}

/* The entry of (strategy, symbol), or -1 with *it where it would go. */
static int32_t probe(const oms_book *b, const char *strategy, const char *symbol, tb_hmap_it *it)
{
    *it = tb_hmap_probe(&b->map, (uint32_t)hash2(strategy, symbol));
    for (uint32_t i; (i = tb_hmap_next(&b->map, it)) != TB_HMAP_NONE;)
        if (strcmp(b->e[i].strategy, strategy) == 0 && strcmp(b->e[i].pos.symbol, symbol) == 0)
            return (int32_t)i;
    return -1;
}

int32_t oms_book_find(const oms_book *b, const char *strategy, const char *symbol)
{
    tb_hmap_it it;
    return probe(b, strategy, symbol, &it);
}

uint32_t oms_book_slots(const oms_book *b)
{
    return tb_hmap_slots(&b->map);
}

int32_t oms_book_slot_entry(const oms_book *b, uint32_t i)
{
    uint32_t v = tb_hmap_slot_val(&b->map, i);
    return v == TB_HMAP_NONE ? -1 : (int32_t)v;
}

int32_t oms_book_get(oms_book *b, const char *strategy, const char *symbol, int32_t *symbol_head,
                     tb_err *e)
{
    tb_hmap_it it;
    int32_t i = probe(b, strategy, symbol, &it);
    if (i >= 0) return i;
    if (b->n >= b->cap)
        return tb_errf(e, "oms: more than %u strategy positions (strategy %s, %s)", b->cap,
                       strategy, symbol);
    i = (int32_t)b->n;
    oms_book_entry *x = &b->e[i];
    memset(x, 0, sizeof *x);
    oms_strlcpy(x->strategy, strategy, sizeof x->strategy);
    oms_pos_init(&x->pos, symbol);
    x->next_of_symbol = *symbol_head;
    *symbol_head = i;
    tb_hmap_put(&b->map, &it, (uint32_t)i); /* room for cap entries */
    b->n++;
    return i;
}
