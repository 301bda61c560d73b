/*
 * book.h - positions per (strategy, symbol): who owns which shares.
 *
 * Every order carries the strategy that sent it, and each of its fills moves that strategy's
 * position as well as the account's. The account's position of a symbol is the sum of its
 * strategies' positions (checked after every fill by the order manager). Entries live in an
 * array allocated once, found through a util/hmap; each symbol chains its strategies' entries so
 * the sum check walks only that symbol's owners. Nothing is allocated per fill.
 */
#ifndef TB_OMS_BOOK_H
#define TB_OMS_BOOK_H

#include <stdint.h>

#include "oms/order.h"
#include "oms/position.h"
#include "util/err.h"
#include "util/hmap.h"

typedef struct oms_book_entry {
    char strategy[OMS_STRATEGY_MAX + 1];
    oms_position pos;
    int32_t next_of_symbol; /* the next entry of the same symbol, -1 at the end */
} oms_book_entry;

typedef struct oms_book {
    oms_book_entry *e; /* in order of creation */
    tb_hmap map;       /* (strategy, symbol) -> index in e */
    uint32_t n, cap;
} oms_book;

/* Allocates room for cap (strategy, symbol) positions; -1 on allocation failure. */
int oms_book_init(oms_book *b, uint32_t cap);
void oms_book_free(oms_book *b);

/* The entry of (strategy, symbol), or -1. */
int32_t oms_book_find(const oms_book *b, const char *strategy, const char *symbol);

/* The entries in table order (the order positions are listed in, as before the map was shared):
 * slots, and the entry in slot i or -1 for an empty slot. */
uint32_t oms_book_slots(const oms_book *b);
int32_t oms_book_slot_entry(const oms_book *b, uint32_t i);

/* The entry of (strategy, symbol), created flat when missing and linked after *symbol_head (the
 * caller's per-symbol chain head); -1 with e when the table is full. */
int32_t oms_book_get(oms_book *b, const char *strategy, const char *symbol, int32_t *symbol_head,
                     tb_err *e);

#endif
