#include "data/ring.h"
#include "data/symbols.h"
#include "tbtest.h"

TEST(ring_keeps_the_latest_cap_bars)
{
    tb_ring r;
    tb_err e;
    CHECK_INT(tb_ring_init(&r, 3, &e), 0);
    CHECK(tb_ring_get(&r, 0) == NULL);
    for (int i = 1; i <= 5; i++) {
        tb_bar b = {.start_ns = i, .close = i};
        tb_ring_push(&r, &b);
    }
    CHECK_INT(r.len, 3);
    CHECK_INT(tb_ring_get(&r, 0)->start_ns, 5);
    CHECK_INT(tb_ring_get(&r, 2)->start_ns, 3);
    CHECK(tb_ring_get(&r, 3) == NULL);
    tb_ring_clear(&r);
    CHECK(tb_ring_get(&r, 0) == NULL);
    tb_ring_free(&r);
    CHECK_INT(tb_ring_init(&r, 0, &e), -1);
}

TEST(ringset_routes_bars_by_symbol_id)
{
    tb_ringset s;
    tb_err e;
    CHECK_INT(tb_ringset_init(&s, 4, 8, &e), 0);
    tb_bar a = {.sym = 1, .start_ns = 10}, b = {.sym = 3, .start_ns = 20}, c = {.sym = 4};
    CHECK_INT(tb_ringset_push(&s, &a), 0);
    CHECK_INT(tb_ringset_push(&s, &b), 0);
    CHECK_INT(tb_ringset_push(&s, &c), -1);
    CHECK_INT(tb_ring_get(tb_ringset_ring(&s, 1), 0)->start_ns, 10);
    CHECK_INT(tb_ring_get(tb_ringset_ring(&s, 3), 0)->start_ns, 20);
    CHECK_INT(tb_ringset_ring(&s, 0)->len, 0);
    tb_ringset_free(&s);
}

TEST(symbol_table_interns_names_to_stable_ids)
{
    tb_symtab t;
    tb_err e;
    tb_symtab_init(&t);
    CHECK_INT(tb_symtab_find(&t, "AAPL"), -1);
    CHECK_INT(tb_symtab_intern(&t, "AAPL", &e), 0);
    CHECK_INT(tb_symtab_intern(&t, "MSFT", &e), 1);
    CHECK_INT(tb_symtab_intern(&t, "AAPL", &e), 0);
    CHECK_INT(tb_symtab_intern_n(&t, "SPYX", 3, &e), 2);
    CHECK_STR(tb_symtab_name(&t, 2), "SPY");
    char name[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "S%d", i);
        if (tb_symtab_intern(&t, name, &e) != 3 + i) TBT_FAIL("id of %s", name);
    }
    CHECK_INT(tb_symtab_find(&t, "S500"), 503);
    CHECK_INT(tb_symtab_count(&t), 1003);
    CHECK(tb_symtab_name(&t, 1003) == NULL);
    CHECK_INT(tb_symtab_intern(&t, "", &e), -1);
    CHECK_INT(tb_symtab_intern(&t, "A B", &e), -1);
    CHECK_INT(tb_symtab_intern(&t, "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGH", &e), -1);
    tb_symtab_free(&t);
}
