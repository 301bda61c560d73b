#include "data/symbols.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

void tb_symtab_init(tb_symtab *t)
{
    memset(t, 0, sizeof *t);
}

void tb_symtab_free(tb_symtab *t)
{
    for (uint32_t i = 0; i < t->n; i++) free(t->names[i]);
    free(t->names);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static uint32_t hash_name(const char *s, size_t len)
{
    return tb_fnv32(s, len);
}

/* Slot holding name, or the empty slot where it would go. */
static uint32_t probe(const tb_symtab *t, const char *name, size_t len)
{
    uint32_t mask = t->nslots - 1, i = hash_name(name, len) & mask;
    for (;;) {
        uint32_t s = t->slots[i];
        if (s == 0) return i;
        const char *cand = t->names[s - 1];
        if (strncmp(cand, name, len) == 0 && cand[len] == '\0') return i;
        i = (i + 1) & mask;
    }
}

static int grow_slots(tb_symtab *t, tb_err *e)
{
    uint32_t nslots = t->nslots ? t->nslots * 2 : 64;
    uint32_t *old = t->slots, oldn = t->nslots;
    t->slots = calloc(nslots, sizeof *t->slots);
    if (!t->slots) {
        t->slots = old;
        return tb_errf(e, "symbol table: out of memory");
    }
    t->nslots = nslots;
    for (uint32_t i = 0; i < oldn; i++) {
        if (!old[i]) continue;
        const char *nm = t->names[old[i] - 1];
        t->slots[probe(t, nm, strlen(nm))] = old[i];
    }
    free(old);
    return 0;
}

int64_t tb_symtab_find(const tb_symtab *t, const char *name)
{
    if (!t->nslots) return -1;
    uint32_t s = t->slots[probe(t, name, strlen(name))];
    return s ? (int64_t)s - 1 : -1;
}

int64_t tb_symtab_intern_n(tb_symtab *t, const char *name, size_t len, tb_err *e)
{
    if (len == 0) return tb_errf(e, "empty symbol");
    if (len > TB_SYM_MAX_LEN)
        return tb_errf(e, "symbol '%.*s...' longer than %d characters", 16, name, TB_SYM_MAX_LEN);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] >= 0x7f || name[i] == ',')
            return tb_errf(e, "symbol has a character that is not printable ASCII");
    if ((t->n + 1) * 2 > t->nslots && grow_slots(t, e) != 0) return -1;
    uint32_t slot = probe(t, name, len);
    if (t->slots[slot]) return (int64_t)t->slots[slot] - 1;
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
    t->slots[slot] = ++t->n;
    return (int64_t)t->n - 1;
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
