/*
 * test_symbols.c - the symbol table (data/symbols.c): ids in order of registration through
 * growth, lookups of registered and unknown names, prefixes kept apart, names that are not
 * NUL-terminated, the names refused, and a zeroed table used without tb_symtab_init.
 */
#include "data/symbols.h"
#include "tbtest.h"

#include <stdio.h>

TEST(ids_follow_registration_order_through_growth)
{
    tb_symtab t;
    tb_symtab_init(&t);
    tb_err e = {0};
    char nm[16];
    for (int i = 0; i < 3000; i++) { /* past several doublings of the table */
        snprintf(nm, sizeof nm, "S%d", i);
        CHECK_INT(tb_symtab_intern(&t, nm, &e), i);
    }
    CHECK_INT(tb_symtab_count(&t), 3000);
    for (int i = 0; i < 3000; i++) {
        snprintf(nm, sizeof nm, "S%d", i);
        CHECK_INT(tb_symtab_find(&t, nm), i);
        CHECK_INT(tb_symtab_intern(&t, nm, &e), i); /* again: the same id, nothing added */
        CHECK_STR(tb_symtab_name(&t, (uint32_t)i), nm);
    }
    CHECK_INT(tb_symtab_count(&t), 3000);
    CHECK_INT(tb_symtab_find(&t, "S3000"), -1);
    CHECK(tb_symtab_name(&t, 3000) == NULL);
    tb_symtab_free(&t);
}

/* A name is the whole string: a prefix or a longer name is another symbol, and a name cut from
 * a longer buffer (a CSV line) is the name of its length. */
TEST(prefixes_longer_names_and_names_cut_from_a_buffer_are_told_apart)
{
    tb_symtab t;
    tb_symtab_init(&t);
    tb_err e = {0};
    CHECK_INT(tb_symtab_intern(&t, "AAPL", &e), 0);
    CHECK_INT(tb_symtab_find(&t, "AAP"), -1);
    CHECK_INT(tb_symtab_find(&t, "AAPLX"), -1);
    CHECK_INT(tb_symtab_intern(&t, "AAP", &e), 1);
    CHECK_INT(tb_symtab_intern(&t, "AAPLX", &e), 2);
    CHECK_INT(tb_symtab_find(&t, "AAPL"), 0);
    const char line[] = "MSFT,2024-01-02,370.1";
    CHECK_INT(tb_symtab_intern_n(&t, line, 4, &e), 3);
    CHECK_STR(tb_symtab_name(&t, 3), "MSFT");
    CHECK_INT(tb_symtab_intern_n(&t, "AAPLX", 4, &e), 0);
    CHECK_INT(tb_symtab_find(&t, "MSFT"), 3);
    tb_symtab_free(&t);
}

TEST(bad_names_are_refused_with_the_reason_and_not_registered)
{
    tb_symtab t;
    tb_symtab_init(&t);
    tb_err e = {0};
    CHECK_INT(tb_symtab_intern(&t, "", &e), -1);
    CHECK_CONTAINS(e.msg, "empty symbol");
    CHECK_INT(tb_symtab_intern(&t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", &e), -1);
    CHECK_CONTAINS(e.msg, "longer than 31");
    CHECK_INT(tb_symtab_intern(&t, "BRK B", &e), -1);
    CHECK_CONTAINS(e.msg, "not printable ASCII");
    CHECK_INT(tb_symtab_intern(&t, "A,B", &e), -1);
    CHECK_INT(tb_symtab_intern(&t, "\xc3\xa9", &e), -1);
    CHECK_INT(tb_symtab_count(&t), 0);
    CHECK_INT(tb_symtab_intern(&t, "BRK.B", &e), 0); /* dots and colons are fine */
    CHECK_INT(tb_symtab_intern(&t, "I:VIX", &e), 1);
    tb_symtab_free(&t);
}

TEST(a_zeroed_table_works_without_init)
{
    tb_symtab t = {0};
    tb_err e = {0};
    CHECK_INT(tb_symtab_find(&t, "SPY"), -1);
    CHECK(tb_symtab_name(&t, 0) == NULL);
    CHECK_INT(tb_symtab_intern(&t, "SPY", &e), 0);
    CHECK_INT(tb_symtab_find(&t, "SPY"), 0);
    tb_symtab_free(&t);
    tb_symtab_free(&t); /* free leaves it empty: twice is harmless */
}
