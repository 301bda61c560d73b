#include "data/bar_sink.h"
#include "data/bar_store.h"
#include "tbtest.h"
#include "db_testutil.h"

#include <event2/event.h>
#include <time.h>
#include <unistd.h>

#define MIN 60000000000LL

static tb_bar bar(uint32_t sym, int64_t start, double px)
{
    tb_bar b = {start, px, px + 1, px - 1, px, 100, px, 3, 60, sym};
    return b;
}

static int64_t stored(tb_db *db)
{
    int64_t n = -1;
    tb_err e;
    tb_bar_store *bs = tb_bar_store_open(db, &e);
    tb_bar_store_count(bs, 60, &n, &e);
    tb_bar_store_close(bs);
    return n;
}

typedef struct fixture {
    struct event_base *base;
    tb_db *db;
    tb_symtab syms;
    uint32_t aapl;
    tb_bar_sink *s;
} fixture;

/* A sink of capacity bars (0: the default) whose timer flushes every flush_ms. */
static void setup_timed(fixture *f, long capacity, long flush_ms)
{
    tb_err e;
    f->base = event_base_new();
    f->db = tbt_db_fresh();
    tb_symtab_init(&f->syms);
    f->aapl = (uint32_t)tb_symtab_intern(&f->syms, "AAPL", &e);
    tb_bar_sink_opts o = {
        .base = f->base, .db = f->db, .syms = &f->syms, .capacity = capacity, .flush_ms = flush_ms};
    f->s = tb_bar_sink_new(&o, &e);
}

static void setup(fixture *f, long capacity)
{
    setup_timed(f, capacity, 3600000); /* flushed by the test only */
}

static void teardown(fixture *f)
{
    tb_bar_sink_free(f->s);
    tb_db_close(f->db);
    tb_symtab_free(&f->syms);
    event_base_free(f->base);
}

/* n AAPL bars, minutes 0..n-1, at $100 (rising a dollar a minute when rising). */
static void push_minutes(fixture *f, int n, int rising)
{
    for (int i = 0; i < n; i++) {
        tb_bar b = bar(f->aapl, i * MIN, 100 + (rising ? i : 0));
        tb_bar_sink_push(f->s, &b);
    }
}

static tb_bar_sink_stats stats_of(fixture *f)
{
    tb_bar_sink_stats st;
    tb_bar_sink_stats_get(f->s, &st);
    return st;
}

/* Flushes, and checks that the store then holds n bars: all written, none pending. */
static void flush_all(fixture *f, int64_t n)
{
    CHECK_INT(tb_bar_sink_flush(f->s, "test"), 0);
    CHECK_INT(stored(f->db), n);
    tb_bar_sink_stats st = stats_of(f);
    CHECK_INT(st.pending, 0);
    CHECK_INT(st.written, n);
}

TEST(pushed_bars_reach_the_store_only_when_flushed)
{
    fixture f;
    setup(&f, 0);
    CHECK(f.s != NULL);
    push_minutes(&f, 5, 1);
    CHECK_INT(stored(f.db), 0);
    tb_bar_sink_stats st = stats_of(&f);
    CHECK_INT(st.pending, 5);
    flush_all(&f, 5);
    CHECK_INT(stats_of(&f).flushes, 1);
    teardown(&f);
}

TEST(a_corrected_bar_replaces_the_stored_one_by_symbol_and_start)
{
    fixture f;
    setup(&f, 0);
    tb_bar b = bar(f.aapl, 0, 100), fix = bar(f.aapl, 0, 105);
    tb_bar_sink_push(f.s, &b);
    tb_bar_sink_flush(f.s, "test");
    tb_bar_sink_push(f.s, &fix);
    tb_bar_sink_flush(f.s, "test");
    tb_err e;
    tb_bar_store *bs = tb_bar_store_open(f.db, &e);
    tb_symtab rs;
    tb_symtab_init(&rs);
    tb_bar_vec out = {0};
    CHECK_INT(tb_bar_store_read(bs, &rs, NULL, 0, 60, 0, MIN, &out, &e), 0);
    CHECK_INT(out.n, 1);
    if (out.n) CHECK_NEAR(out.v[0].close, 105, 1e-9);
    tb_bar_vec_free(&out);
    tb_symtab_free(&rs);
    tb_bar_store_close(bs);
    teardown(&f);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

TEST(a_locked_database_keeps_the_bars_and_does_not_stall)
{
    fixture f;
    setup(&f, 0);
    sqlite3 *other;
    CHECK_INT(sqlite3_open(tbt_db_path, &other), SQLITE_OK);
    CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    push_minutes(&f, 3, 1);
    double t0 = now_s();
    CHECK_INT(tb_bar_sink_flush(f.s, "test"), -1);
    CHECK(now_s() - t0 < 1.0); /* 20 ms of lock wait, not the connection's 5 s */
    tb_bar_sink_stats st = stats_of(&f);
    CHECK_INT(st.pending, 3);
    CHECK_INT(st.failed_flushes, 1);
    tb_bar b = bar(f.aapl, 3 * MIN, 103);
    tb_bar_sink_push(f.s, &b); /* still accepted while locked */
    CHECK_INT(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    flush_all(&f, 4);
    teardown(&f);
}

TEST(a_full_buffer_counts_the_dropped_bars)
{
    fixture f;
    setup(&f, 1000);
    push_minutes(&f, 1003, 0);
    tb_bar_sink_stats st = stats_of(&f);
    CHECK_INT(st.pending, 1000);
    CHECK_INT(st.dropped, 3);
    json_t *o = json_object();
    tb_bar_sink_status(f.s, o);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(o, "store"), "dropped")), 3);
    json_decref(o);
    teardown(&f);
}

TEST(the_timer_flushes_on_the_loop_and_shutdown_flushes_the_rest)
{
    fixture f;
    setup_timed(&f, 0, 50);
    tb_bar b = bar(f.aapl, 0, 100);
    tb_bar_sink_push(f.s, &b);
    struct timeval tv = {0, 120000};
    event_base_loopexit(f.base, &tv);
    event_base_dispatch(f.base);
    CHECK_INT(stored(f.db), 1);
    b = bar(f.aapl, MIN, 101);
    tb_bar_sink_push(f.s, &b);
    tb_bar_sink_free(f.s);
    f.s = NULL;
    CHECK_INT(stored(f.db), 2);
    teardown(&f);
}

/* Loop turns until the sink has nothing pending (progress, never a fixed time); returns how many
 * turns wrote bars. */
static int turns_until_written(fixture *f)
{
    int turns = 0;
    for (int64_t before = stored(f->db); stats_of(f).pending > 0;) {
        event_base_loop(f->base, EVLOOP_ONCE);
        int64_t now = stored(f->db);
        turns += now > before;
        before = now;
    }
    return turns;
}

/* A timer's flush is sliced (64 bars a transaction, one slice a loop turn): the 1,000 bars 500
 * symbols buffer in two seconds were one 8 ms transaction that held the loop; a bar pushed
 * between slices is written after the older ones, and a buffer written from its front and
 * filled again keeps every bar. */
TEST(the_timer_flush_writes_a_slice_a_loop_turn_and_keeps_every_bar)
{
    tb_err e;
    fixture f;
    setup_timed(&f, 1000, 20);
    push_minutes(&f, 1000, 1);
    while (stored(f.db) == 0) event_base_loop(f.base, EVLOOP_ONCE); /* the timer */
    CHECK_INT(stored(f.db), 64);
    CHECK_INT(stats_of(&f).pending, 936);
    for (int i = 1000; i < 1064; i++) { /* the front is free again: 64 more fit */
        tb_bar b = bar(f.aapl, i * MIN, 100 + i);
        tb_bar_sink_push(f.s, &b);
    }
    CHECK_INT(stats_of(&f).dropped, 0);
    CHECK(turns_until_written(&f) >= 15); /* 1,000 more bars, 64 at a time */
    CHECK_INT(stored(f.db), 1064);
    tb_bar_sink_stats st = stats_of(&f);
    CHECK_INT(st.written, 1064);
    CHECK_INT(st.dropped, 0);
    tb_bar_store *bs = tb_bar_store_open(f.db, &e);
    tb_bar_vec v = {0};
    CHECK_INT(tb_bar_store_read(bs, &f.syms, NULL, 0, 60, 0, 2000 * MIN, &v, &e), 0);
    CHECK_INT(v.n, 1064);
    for (size_t i = 0; i < v.n; i++) CHECK(v.v[i].close == 100 + (double)i);
    tb_bar_vec_free(&v);
    tb_bar_store_close(bs);
    teardown(&f);
}

/* Under a real broker the connection commits with synchronous=FULL (the journal's durability):
 * the bar slices commit without an fsync each and the connection is FULL again afterwards. */
TEST(a_flush_leaves_the_journals_synchronous_level_as_it_found_it)
{
    fixture f;
    setup_timed(&f, 0, 20);
    CHECK_INT(sqlite3_exec(f.db->h, "PRAGMA synchronous=FULL", NULL, NULL, NULL), SQLITE_OK);
    push_minutes(&f, 100, 1);
    CHECK_INT(turns_until_written(&f), 2);
    CHECK_INT(stored(f.db), 100);
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(f.db->h, "PRAGMA synchronous", -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 2);
    sqlite3_finalize(st);
    teardown(&f);
}
