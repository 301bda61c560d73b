/*
 * test_hmap.c - the hash map primitive (util/hmap.c) against a plain array that holds the same
 * keys: random put / replace / find / remove sequences with good, weak and constant hashes
 * (every key in one cluster, wrapping past the table's end), full tables, growth, and a table
 * walk that sees each entry once.
 */
#include "tbtest.h"
#include "util/hmap.h"
#include "util/rand.h"

#define KEYS 600 /* key space of the model */
#define ROWS 1024

/* The owner's storage: rows hold keys; the map takes a key to its row. */
typedef struct model {
    tb_hmap m;
    uint32_t (*hash)(uint32_t key);
    uint32_t key_of[ROWS];
    uint32_t row_of[KEYS]; /* the reference: the key's row, or TB_HMAP_NONE */
    uint32_t free_rows[ROWS], nfree, count;
} model;

static uint32_t h_good(uint32_t k)
{
    uint64_t s = k;
    return (uint32_t)tb_rand_next(&s);
}
static uint32_t h_const(uint32_t k)
{
    (void)k;
    return UINT32_MAX; /* home: the last slot, so every cluster wraps to slot 0 */
}
static uint32_t h_weak(uint32_t k)
{
    return k & 3; /* four homes, long runs of equal hashes */
}
static uint32_t h_high(uint32_t k)
{
    return h_good(k) & 0xf0000000u; /* the bits a small table's mask drops: like h_const */
}

static void model_init(model *x, uint32_t cap, uint32_t (*hash)(uint32_t))
{
    memset(x, 0, sizeof *x);
    CHECK_INT(tb_hmap_init(&x->m, cap), 0);
    x->hash = hash;
    for (uint32_t k = 0; k < KEYS; k++) x->row_of[k] = TB_HMAP_NONE;
    for (uint32_t r = 0; r < ROWS; r++) x->free_rows[x->nfree++] = ROWS - 1 - r;
}

/* The owner's lookup: it is left on the key's entry, or where the key would go. */
static uint32_t find(const model *x, uint32_t key, tb_hmap_it *it)
{
    *it = tb_hmap_probe(&x->m, x->hash(key));
    for (uint32_t v; (v = tb_hmap_next(&x->m, it)) != TB_HMAP_NONE;)
        if (x->key_of[v] == key) return v;
    return TB_HMAP_NONE;
}

/* Every key of the key space is found exactly where the reference says, and nowhere else. */
static int model_agrees(const model *x)
{
    if (tb_hmap_check(&x->m) != 0 || tb_hmap_count(&x->m) != x->count) return 0;
    for (uint32_t k = 0; k < KEYS; k++) {
        tb_hmap_it it;
        if (find(x, k, &it) != x->row_of[k]) return 0;
    }
    return 1;
}

/* One random step: put a new key, replace a key's row, or remove a key. Returns 0 on a
 * disagreement with the reference. */
static int step(model *x, uint64_t *rng)
{
    uint32_t key = (uint32_t)(tb_rand_next(rng) % KEYS), op = (uint32_t)(tb_rand_next(rng) % 8);
    tb_hmap_it it;
    uint32_t v = find(x, key, &it);
    if (v != x->row_of[key]) return 0;
    if (v == TB_HMAP_NONE && op < 5) { /* add */
        uint32_t row = x->free_rows[x->nfree - 1];
        int full = x->count == tb_hmap_capacity(&x->m);
        if (tb_hmap_put(&x->m, &it, row) != (full ? -1 : 0)) return 0;
        if (full) return 1;
        x->nfree--;
        x->key_of[row] = key;
        x->row_of[key] = row;
        x->count++;
    } else if (v != TB_HMAP_NONE && op < 3) { /* move the key to another row */
        uint32_t row = x->free_rows[--x->nfree];
        if (tb_hmap_put(&x->m, &it, row) != 0) return 0;
        x->free_rows[x->nfree++] = v;
        x->key_of[row] = key;
        x->key_of[v] = UINT32_MAX;
        x->row_of[key] = row;
    } else if (v != TB_HMAP_NONE) { /* remove */
        tb_hmap_remove(&x->m, &it);
        x->free_rows[x->nfree++] = v;
        x->key_of[v] = UINT32_MAX;
        x->row_of[key] = TB_HMAP_NONE;
        x->count--;
    }
    return 1;
}

static void run_model(uint32_t cap, uint32_t (*hash)(uint32_t), const char *hname, int steps)
{
    static model x; /* large: off the stack */
    for (uint64_t seed = 1; seed <= 8; seed++) {
        uint64_t rng = seed * 7919 + cap;
        model_init(&x, cap, hash);
        int ok = 1;
        for (int i = 0; i < steps && ok; i++) {
            ok = step(&x, &rng);
            if (ok && (i % 97 == 0 || i == steps - 1)) ok = model_agrees(&x);
            if (!ok)
                TBT_FAIL("hash %s capacity %u seed %llu: disagrees at step %d", hname, cap,
                         (unsigned long long)seed, i);
        }
        tb_hmap_free(&x.m);
    }
}

TEST(random_sequences_agree_with_a_reference_under_every_hash)
{
    static const uint32_t caps[] = {1, 2, 3, 7, 64, 300};
    for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
        run_model(caps[c], h_good, "good", 3000);
        run_model(caps[c], h_weak, "weak", 3000);
        run_model(caps[c], h_high, "high", 1500);
        run_model(caps[c], h_const, "constant", 1500);
    }
}

TEST(a_full_map_refuses_a_new_key_and_stays_intact)
{
    static model x;
    model_init(&x, 5, h_const);
    uint32_t cap = tb_hmap_capacity(&x.m);
    CHECK_INT(cap, 8); /* 16 slots: the least power of two >= 2 x 5 */
    for (uint32_t k = 0; k < cap; k++) {
        tb_hmap_it it;
        CHECK_INT(find(&x, k, &it), TB_HMAP_NONE);
        CHECK_INT(tb_hmap_put(&x.m, &it, k), 0);
        x.key_of[k] = k;
        x.row_of[k] = k;
        x.count++;
    }
    tb_hmap_it it;
    CHECK_INT(find(&x, 100, &it), TB_HMAP_NONE);
    CHECK_INT(tb_hmap_put(&x.m, &it, 100), -1);
    CHECK(model_agrees(&x));
    /* A key already in stays replaceable when full; a removal makes room again. */
    CHECK_INT(find(&x, 3, &it), 3);
    CHECK_INT(tb_hmap_put(&x.m, &it, 3), 0);
    tb_hmap_remove(&x.m, &it);
    x.row_of[3] = TB_HMAP_NONE;
    x.key_of[3] = UINT32_MAX;
    x.count--;
    CHECK(model_agrees(&x));
    CHECK_INT(find(&x, 100, &it), TB_HMAP_NONE);
    CHECK_INT(tb_hmap_put(&x.m, &it, 100), 0);
    tb_hmap_free(&x.m);
}

TEST(growth_keeps_every_entry_and_refuses_to_shrink_below_the_count)
{
    static model x;
    for (int h = 0; h < 2; h++) {
        model_init(&x, 0, h ? h_const : h_good);
        CHECK_INT(tb_hmap_capacity(&x.m), 0);
        uint64_t rng = 42;
        for (int i = 0; i < 4000; i++) {
            if (x.count == tb_hmap_capacity(&x.m)) {
                uint32_t want = x.count ? x.count * 2 : 4;
                CHECK_INT(tb_hmap_grow(&x.m, want), 0);
                CHECK(tb_hmap_capacity(&x.m) >= want);
                CHECK(model_agrees(&x));
            }
            if (!step(&x, &rng)) {
                TBT_FAIL("hash %d: disagrees at step %d", h, i);
                break;
            }
        }
        CHECK(model_agrees(&x));
        if (x.count > 1) CHECK_INT(tb_hmap_grow(&x.m, x.count - 1), -1);
        CHECK(model_agrees(&x));
        tb_hmap_free(&x.m);
    }
}

TEST(an_empty_map_of_capacity_zero_finds_nothing_and_takes_nothing)
{
    tb_hmap m;
    CHECK_INT(tb_hmap_init(&m, 0), 0);
    tb_hmap_it it = tb_hmap_probe(&m, 12345);
    CHECK_INT(tb_hmap_next(&m, &it), TB_HMAP_NONE);
    CHECK_INT(tb_hmap_put(&m, &it, 1), -1);
    tb_hmap_remove(&m, &it); /* nothing to remove: no effect */
    CHECK_INT(tb_hmap_count(&m), 0);
    CHECK_INT(tb_hmap_check(&m), 0);
    tb_hmap_free(&m);
    tb_hmap_free(&m); /* freeing twice is harmless: free leaves an empty map */
}

TEST(misuse_is_refused_not_stored)
{
    tb_hmap m;
    CHECK_INT(tb_hmap_init(&m, 4), 0);
    tb_hmap_it it = tb_hmap_probe(&m, 7);
    CHECK_INT(tb_hmap_put(&m, &it, 1), -1); /* no tb_hmap_next yet: the probe stands nowhere */
    CHECK_INT(tb_hmap_next(&m, &it), TB_HMAP_NONE);
    CHECK_INT(tb_hmap_put(&m, &it, TB_HMAP_NONE), -1); /* the empty marker is not a value */
    CHECK_INT(tb_hmap_count(&m), 0);
    CHECK_INT(tb_hmap_init(&(tb_hmap){0}, (1u << 30) + 1), -1);
    tb_hmap_free(&m);
}

TEST(equal_hashes_of_different_keys_are_told_apart_by_the_owner)
{
    /* Two keys with one hash: the probe returns both rows in turn; the owner picks by key. */
    tb_hmap m;
    CHECK_INT(tb_hmap_init(&m, 4), 0);
    tb_hmap_it it = tb_hmap_probe(&m, 99);
    CHECK_INT(tb_hmap_next(&m, &it), TB_HMAP_NONE);
    CHECK_INT(tb_hmap_put(&m, &it, 10), 0);
    it = tb_hmap_probe(&m, 99);
    CHECK_INT(tb_hmap_next(&m, &it), 10);
    CHECK_INT(tb_hmap_next(&m, &it), TB_HMAP_NONE);
    CHECK_INT(tb_hmap_put(&m, &it, 11), 0);
    it = tb_hmap_probe(&m, 99);
    CHECK_INT(tb_hmap_next(&m, &it), 10);
    CHECK_INT(tb_hmap_next(&m, &it), 11);
    tb_hmap_remove(&m, &it); /* removes 11, the value returned last */
    it = tb_hmap_probe(&m, 99);
    CHECK_INT(tb_hmap_next(&m, &it), 10);
    CHECK_INT(tb_hmap_next(&m, &it), TB_HMAP_NONE);
    CHECK_INT(tb_hmap_count(&m), 1);
    tb_hmap_free(&m);
}

TEST(a_table_walk_sees_each_entry_once)
{
    static model x;
    model_init(&x, 200, h_weak);
    uint64_t rng = 5;
    for (int i = 0; i < 2000; i++) step(&x, &rng);
    static uint8_t seen[ROWS];
    memset(seen, 0, sizeof seen);
    uint32_t n = 0;
    for (uint32_t i = 0; i < tb_hmap_slots(&x.m); i++) {
        uint32_t v = tb_hmap_slot_val(&x.m, i);
        if (v == TB_HMAP_NONE) continue;
        CHECK(v < ROWS && !seen[v] && x.row_of[x.key_of[v]] == v);
        if (v < ROWS) seen[v] = 1;
        n++;
    }
    CHECK_INT(n, x.count);
    tb_hmap_free(&x.m);
}

TEST(the_check_finds_an_entry_cut_off_from_its_home)
{
    tb_hmap m;
    CHECK_INT(tb_hmap_init(&m, 4), 0);
    for (uint32_t v = 0; v < 3; v++) {
        tb_hmap_it it = tb_hmap_probe(&m, 2);
        while (tb_hmap_next(&m, &it) != TB_HMAP_NONE) {
        }
        CHECK_INT(tb_hmap_put(&m, &it, v), 0);
    }
    CHECK_INT(tb_hmap_check(&m), 0);
    m.slot[3].val = TB_HMAP_NONE; /* a removal without the shift: slot 4's entry is lost */
    m.n--;
    CHECK_INT(tb_hmap_check(&m), -1);
    tb_hmap_free(&m);
}

TEST(a_zeroed_map_grows_into_a_working_one)
{
    tb_hmap m = {0};
    CHECK_INT(tb_hmap_capacity(&m), 0);
    CHECK_INT(tb_hmap_grow(&m, 3), 0);
    CHECK_INT(tb_hmap_capacity(&m), 4);
    tb_hmap_it it = tb_hmap_probe(&m, 1);
    CHECK_INT(tb_hmap_next(&m, &it), TB_HMAP_NONE);
    CHECK_INT(tb_hmap_put(&m, &it, 7), 0);
    it = tb_hmap_probe(&m, 1);
    CHECK_INT(tb_hmap_next(&m, &it), 7);
    tb_hmap_free(&m);
    tb_hmap z = {0};
    tb_hmap_free(&z);
}
