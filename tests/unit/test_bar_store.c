#include "data/bar_store.h"
#include "tbtest.h"
#include "db_testutil.h"

#include <unistd.h>

#define MIN 60000000000LL

static tb_bar bar(uint32_t sym, int64_t start, double px)
{
    tb_bar b = {start, px, px + 1, px - 1, px, 100, px, 3, 60, sym};
    return b;
}

/* A fresh engine database, the bar store on it and a symbol table. */
typedef struct store {
    tb_db *db;
    tb_bar_store *bs;
    tb_symtab syms;
} store;

static void store_open(store *st)
{
    tb_err e = {{0}};
    st->db = tbt_db_fresh();
    st->bs = st->db ? tb_bar_store_open(st->db, &e) : NULL;
    if (!st->bs) TBT_FAIL("bar store: %s", e.msg);
    tb_symtab_init(&st->syms);
}

static void store_close(store *st)
{
    tb_symtab_free(&st->syms);
    tb_bar_store_close(st->bs);
    tb_db_close(st->db);
}

TEST(bars_read_back_merged_by_time_then_symbol)
{
    tb_err e;
    store st;
    store_open(&st);
    uint32_t z = (uint32_t)tb_symtab_intern(&st.syms, "ZZZ", &e);
    uint32_t a = (uint32_t)tb_symtab_intern(&st.syms, "AAA", &e);
    tb_bar in[] = {bar(z, 0, 10), bar(z, MIN, 11), bar(z, 2 * MIN, 12), bar(a, 0, 20),
                   bar(a, 2 * MIN, 22)};
    CHECK_INT(tb_bar_store_put(st.bs, &st.syms, in, 5, &e), 0);
    tb_symtab rs;
    tb_symtab_init(&rs);
    tb_bar_vec v = {0};
    CHECK_INT(tb_bar_store_read(st.bs, &rs, NULL, 0, 60, 0, 3 * MIN, &v, &e), 0);
    CHECK_INT(v.n, 5);
    static const char *order[] = {"AAA", "ZZZ", "ZZZ", "AAA", "ZZZ"};
    static const double px[] = {20, 10, 11, 22, 12};
    for (size_t i = 0; i < v.n && i < 5; i++) {
        CHECK_STR(tb_symtab_name(&rs, v.v[i].sym), order[i]);
        CHECK_NEAR(v.v[i].close, px[i], 0);
    }
    CHECK_INT(v.v[4].trades, 3);
    CHECK_INT(v.v[4].tf_sec, 60);
    /* range and symbol filter */
    v.n = 0;
    const char *only[] = {"ZZZ"};
    CHECK_INT(tb_bar_store_read(st.bs, &rs, only, 1, 60, MIN, 3 * MIN, &v, &e), 0);
    CHECK_INT(v.n, 2);
    CHECK_NEAR(v.v[0].close, 11, 0);
    v.n = 0;
    CHECK_INT(tb_bar_store_read(st.bs, &rs, NULL, 0, 300, 0, 3 * MIN, &v, &e), 0);
    CHECK_INT(v.n, 0);
    tb_bar_vec_free(&v);
    tb_symtab_free(&rs);
    store_close(&st);
}

TEST(late_or_corrected_bar_replaces_by_symbol_and_start)
{
    tb_err e;
    store st;
    store_open(&st);
    uint32_t s = (uint32_t)tb_symtab_intern(&st.syms, "SPY", &e);
    tb_bar b1 = bar(s, MIN, 500), b2 = bar(s, MIN, 501);
    tb_bar_store_put(st.bs, &st.syms, &b1, 1, &e);
    tb_bar_store_put(st.bs, &st.syms, &b2, 1, &e);
    int64_t n = 0;
    CHECK_INT(tb_bar_store_count(st.bs, 60, &n, &e), 0);
    CHECK_INT(n, 1);
    tb_bar_vec v = {0};
    tb_bar_store_read(st.bs, &st.syms, NULL, 0, 60, 0, 10 * MIN, &v, &e);
    CHECK_INT(v.n, 1);
    CHECK_NEAR(v.v[0].close, 501, 0);
    tb_bar_vec_free(&v);
    store_close(&st);
}

TEST(large_put_spans_several_batches_and_nan_vwap_reads_back_as_nan)
{
    tb_err e;
    store st;
    store_open(&st);
    uint32_t s = (uint32_t)tb_symtab_intern(&st.syms, "X", &e);
    size_t n = TB_BAR_STORE_BATCH * 2 + 17;
    tb_bar *in = malloc(n * sizeof *in);
    for (size_t i = 0; i < n; i++) in[i] = bar(s, (int64_t)i * MIN, 10 + (double)(i % 7));
    in[5].vwap = NAN;
    CHECK_INT(tb_bar_store_put(st.bs, &st.syms, in, n, &e), 0);
    int64_t cnt = 0;
    tb_bar_store_count(st.bs, 0, &cnt, &e);
    CHECK_INT(cnt, (int64_t)n);
    tb_bar_vec v = {0};
    tb_bar_store_read(st.bs, &st.syms, NULL, 0, 60, 0, 10 * MIN, &v, &e);
    CHECK(isnan(v.v[5].vwap));
    CHECK(sqlite3_get_autocommit(st.db->h));
    free(in);
    tb_bar_vec_free(&v);
    store_close(&st);
}

TEST(put_with_unknown_symbol_fails_and_rolls_back)
{
    tb_err e;
    store st;
    store_open(&st);
    tb_symtab_intern(&st.syms, "A", &e);
    tb_bar in[] = {bar(0, 0, 1), bar(7, MIN, 1)};
    CHECK_INT(tb_bar_store_put(st.bs, &st.syms, in, 2, &e), -1);
    CHECK_CONTAINS(e.msg, "unknown symbol");
    int64_t cnt = -1;
    tb_bar_store_count(st.bs, 0, &cnt, &e);
    CHECK_INT(cnt, 0);
    store_close(&st);
}
