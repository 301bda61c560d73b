/*
 * test_book.c - positions per (strategy, symbol) (oms/book.c): found again by both names, kept
 * apart when the names only differ in where one ends, chained per symbol, listed once each by
 * the table walk, and refused with both names once the book is full.
 */
#include "oms/book.h"
#include "tbtest.h"

#include <stdio.h>

/* n owners, numbered: strategies "s0", "s1", ... of symbol, or symbols "S0", "S1", ... of strategy
 * (the one of the two given); each added entry gives a non-negative index. */
static void add_owners(oms_book *b, int n, const char *strategy, const char *symbol, int32_t *head)
{
    char name[16];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, symbol ? "s%d" : "S%d", i);
        if (oms_book_get(b, symbol ? name : strategy, symbol ? symbol : name, head, NULL) < 0)
            TBT_FAIL("owner %d of %d not added", i, n);
    }
}

TEST(entries_are_found_by_strategy_and_symbol_and_chained_per_symbol)
{
    oms_book b;
    CHECK_INT(oms_book_init(&b, 64), 0);
    int32_t aapl = -1, msft = -1, id[40];
    char st[16];
    for (int i = 0; i < 40; i++) {
        snprintf(st, sizeof st, "strat%d", i / 2);
        id[i] = oms_book_get(&b, st, i % 2 ? "MSFT" : "AAPL", i % 2 ? &msft : &aapl, NULL);
        CHECK(id[i] >= 0);
    }
    CHECK_INT(b.n, 40);
    for (int i = 0; i < 40; i++) {
        snprintf(st, sizeof st, "strat%d", i / 2);
        const char *sym = i % 2 ? "MSFT" : "AAPL";
        CHECK_INT(oms_book_find(&b, st, sym), id[i]);
        CHECK_INT(oms_book_get(&b, st, sym, i % 2 ? &msft : &aapl, NULL), id[i]); /* no new one */
        CHECK_STR(b.e[id[i]].strategy, st);
        CHECK_STR(b.e[id[i]].pos.symbol, sym);
    }
    CHECK_INT(b.n, 40);
    CHECK_INT(oms_book_find(&b, "strat20", "AAPL"), -1);
    CHECK_INT(oms_book_find(&b, "strat1", "SPY"), -1);
    int n = 0; /* the AAPL chain holds the 20 AAPL entries, newest first */
    for (int32_t k = aapl, want = 38; k >= 0; k = b.e[k].next_of_symbol, want -= 2, n++) {
        CHECK_INT(k, id[want]);
        CHECK_STR(b.e[k].pos.symbol, "AAPL");
    }
    CHECK_INT(n, 20);
    oms_book_free(&b);
}

TEST(names_that_only_differ_where_one_ends_are_different_entries)
{
    oms_book b;
    CHECK_INT(oms_book_init(&b, 4), 0);
    int32_t h1 = -1, h2 = -1;
    int32_t x = oms_book_get(&b, "ab", "C", &h1, NULL);
    int32_t y = oms_book_get(&b, "a", "bC", &h2, NULL);
    CHECK(x >= 0 && y >= 0 && x != y);
    CHECK_INT(oms_book_find(&b, "ab", "C"), x);
    CHECK_INT(oms_book_find(&b, "a", "bC"), y);
    oms_book_free(&b);
}

TEST(a_full_book_refuses_a_new_owner_by_name_and_keeps_the_known_ones)
{
    oms_book b;
    CHECK_INT(oms_book_init(&b, 5), 0);
    int32_t head = -1;
    add_owners(&b, 5, "rsi", NULL, &head);
    tb_err e = {{0}};
    CHECK_INT(oms_book_get(&b, "macd", "S0", &head, &e), -1);
    CHECK_CONTAINS(e.msg, "oms: more than 5 strategy positions (strategy macd, S0)");
    CHECK_INT(oms_book_find(&b, "macd", "S0"), -1);
    CHECK(oms_book_get(&b, "rsi", "S4", &head, &e) >= 0); /* a known owner is not a new one */
    CHECK_INT(b.n, 5);
    oms_book_free(&b);
}

TEST(the_table_walk_lists_each_entry_once)
{
    oms_book b;
    CHECK_INT(oms_book_init(&b, 100), 0);
    int32_t head = -1;
    add_owners(&b, 77, NULL, "SPY", &head);
    uint8_t seen[100] = {0};
    int n = 0;
    for (uint32_t i = 0; i < oms_book_slots(&b); i++) {
        int32_t k = oms_book_slot_entry(&b, i);
        if (k < 0) continue;
        CHECK(k < 77 && !seen[k]);
        if (k >= 0 && k < 77) seen[k] = 1;
        n++;
    }
    CHECK_INT(n, 77);
    oms_book_free(&b);
}
