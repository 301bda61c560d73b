#include "data/symbols.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

void tb_symtab_init(tb_symtab *t)
{
    memset(t, 0, sizeof *t);
    tb_hmap_init(&t->ids, 0); /* capacity 0 allocates nothing and cannot fail */
}

void tb_symtab_free(tb_symtab *t)
{
    for (uint32_t i = 0; i < t->n; i++) free(t->names[i]);
    free(t->names);
    tb_hmap_free(&t->ids);
    memset(t, 0, sizeof *t);
}

/* The id of the name of len bytes, or TB_HMAP_NONE with *it where it would go. */
static uint32_t probe(const tb_symtab *t, const char *name, size_t len, tb_hmap_it *it)
{
    *it = tb_hmap_probe(&t->ids, tb_fnv32(name, len));
    for (uint32_t id; (id = tb_hmap_next(&t->ids, it)) != TB_HMAP_NONE;) {
        const char *cand = t->names[id];
        if (strncmp(cand, name, len) == 0 && cand[len] == '\0') return id;
    }
    return TB_HMAP_NONE;
}

int64_t tb_symtab_find(const tb_symtab *t, const char *name)
{
    tb_hmap_it it;
    if (!t->n) return -1; /* a zeroed table (no tb_symtab_init) has no map to probe yet */
    uint32_t id = probe(t, name, strlen(name), &it);
    return id == TB_HMAP_NONE ? -1 : (int64_t)id;
}

int64_t tb_symtab_intern_n(tb_symtab *t, const char *name, size_t len, tb_err *e)
{
    if (len == 0) return tb_errf(e, "empty symbol");
    if (len > TB_SYM_MAX_LEN)
        return tb_errf(e, "symbol '%.*s...' longer than %d characters", 16, name, TB_SYM_MAX_LEN);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f || name[i] == ',')
            return tb_errf(e, "symbol has a character that is not printable ASCII");
    if (t->n == tb_hmap_capacity(&t->ids) && tb_hmap_grow(&t->ids, t->n ? t->n * 2 : 32) != 0)
        return tb_errf(e, "symbol table: out of memory");
    tb_hmap_it it;
    uint32_t id = probe(t, name, len, &it);
    if (id != TB_HMAP_NONE) return id;
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 32;
        char **nn = realloc(t->names, cap * sizeof *nn);
        if (!nn) return tb_errf(e, "symbol table: out of memory");
        t->names = nn;
        t->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) return tb_errf(e, "symbol table: out of memory");
    memcpy(copy, name, len);
    copy[len] = '\0';
    t->names[t->n] = copy;
    tb_hmap_put(&t->ids, &it, t->n); /* cannot fail: grown above when full */
    return t->n++;
}

int64_t tb_symtab_intern(tb_symtab *t, const char *name, tb_err *e)
{
    return tb_symtab_intern_n(t, name, strlen(name), e);
}

const char *tb_symtab_name(const tb_symtab *t, uint32_t id)
{
    return id < t->n ? t->names[id] : NULL;
}

uint32_t tb_symtab_count(const tb_symtab *t)
{
    return t->n;
}
