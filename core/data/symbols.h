/*
 * symbols.h - symbol table: ticker string <-> small integer id (0, 1, 2, ... in order of
 * registration), so bars and rings carry a 4-byte id instead of a string. Memory is allocated
 * only when a new symbol is registered; lookups do not allocate.
 */
#ifndef TB_DATA_SYMBOLS_H
#define TB_DATA_SYMBOLS_H

#include "util/err.h"
#include "util/hmap.h"

#include <stdint.h>

#define TB_SYM_MAX_LEN 31 /* longest ticker accepted ("BRK.B", "I:VIX", option roots) */

typedef struct tb_symtab {
    char **names;    /* id -> name */
    tb_hmap ids;     /* name -> id, grown as names arrive */
    uint32_t n, cap; /* names used / allocated */
} tb_symtab;

/* Initializes an empty table (no allocation until the first symbol). A zeroed table is empty
 * too. */
void tb_symtab_init(tb_symtab *t);

/* Releases every name and the table. */
void tb_symtab_free(tb_symtab *t);

/* Returns the id of name, registering it when new; -1 with e filled for an empty, too long
 * or non-printable name, or out of memory. */
int64_t tb_symtab_intern(tb_symtab *t, const char *name, tb_err *e);

/* Like tb_symtab_intern for a name of len bytes that need not be NUL-terminated. */
int64_t tb_symtab_intern_n(tb_symtab *t, const char *name, size_t len, tb_err *e);

/* The id of name, or -1 when it is not registered. */
int64_t tb_symtab_find(const tb_symtab *t, const char *name);

/* The name of id, or NULL when id is not registered. */
const char *tb_symtab_name(const tb_symtab *t, uint32_t id);

/* Number of registered symbols (ids are 0 .. count-1). */
uint32_t tb_symtab_count(const tb_symtab *t);

#endif
