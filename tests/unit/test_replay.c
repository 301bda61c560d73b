#include "feed/replay.h"
#include "util/clock.h"
#include "tbtest.h"

#include <event2/event.h>
#include <unistd.h>

/* Two sessions (2026-03-09 and 03-10) of `per_day` minute bars for 2 symbols from 09:30 ET. */
static size_t make_bars(tb_bar *out, int per_day)
{
    size_t n = 0;
    for (int day = 0; day < 2; day++) {
        tb_date d = tb_date_from_ymd(2026, 3, 9) + day;
        for (int m = 0; m < per_day; m++)
            for (uint32_t s = 0; s < 2; s++) {
                tb_bar b = {0};
                b.start_ns = tb_cal_local_to_ns(d, 9 * 3600 + 1800 + m * 60);
                b.tf_sec = 60;
                b.open = b.high = b.low = b.close = b.vwap = 10 + m;
                b.sym = s;
                out[n++] = b;
            }
    }
    return n;
}

typedef struct rec {
    tb_replay *r;
    int bars, starts, ends, done;
    int64_t last_sim;
    int order_ok;
    char log[64];
    int nlog;
    int pause_at, stop_at;
    struct event_base *base;
} rec;

static void on_ev(const tb_replay_ev *ev, void *ud)
{
    rec *c = ud;
    char ch = "BSED"[ev->type];
    if (c->nlog < 63) c->log[c->nlog++] = ch;
    if (ev->sim_ns < c->last_sim) c->order_ok = 0;
    c->last_sim = ev->sim_ns;
    switch (ev->type) {
    case TB_REPLAY_BAR:
        c->bars++;
        if (ev->sim_ns != tb_bar_end_ns(ev->bar)) c->order_ok = 0;
        if (c->bars == c->pause_at) tb_replay_pause(c->r);
        if (c->bars == c->stop_at) tb_replay_stop(c->r);
        break;
    case TB_REPLAY_SESSION_START:
        c->starts++;
        if (!ev->session->trading || ev->session->open_ns != ev->sim_ns) c->order_ok = 0;
        break;
    case TB_REPLAY_SESSION_END: c->ends++; break;
    case TB_REPLAY_DONE: c->done++; break;
    }
}

static int turns;

/* A replay at full speed, batch bars a turn, of make_bars(per_day) in bars, on a loop of its own
 * (c->base), reported to c; the number of bars. */
static size_t open_replay(rec *c, tb_bar *bars, int per_day, int batch)
{
    size_t n = make_bars(bars, per_day);
    tb_err e;
    tb_replay_opts o = {.speed = 0, .batch = batch};
    c->base = event_base_new();
    c->r = tb_replay_new(c->base, bars, n, &o, on_ev, c, &e);
    if (!c->r) TBT_FAIL("replay: %s", e.msg);
    return n;
}

static int start_replay(rec *c)
{
    tb_err e;
    return tb_replay_start(c->r, &e);
}

static void close_replay(rec *c)
{
    tb_replay_free(c->r);
    event_base_free(c->base);
}

TEST(max_speed_plays_every_bar_between_session_events)
{
    static tb_bar bars[4000];
    rec c = {.order_ok = 1};
    size_t n = open_replay(&c, bars, 390, 100);
    CHECK(c.r != NULL);
    CHECK_INT(start_replay(&c), 0);
    event_base_dispatch(c.base);
    CHECK_INT(c.bars, (int)n);
    CHECK_INT(c.starts, 2);
    CHECK_INT(c.ends, 2);
    CHECK_INT(c.done, 1);
    CHECK(c.order_ok);
    CHECK(strncmp(c.log, "SBBB", 4) == 0);
    tb_replay_progress p;
    tb_replay_get_progress(c.r, &p);
    CHECK_INT(p.played, n);
    CHECK_INT(p.total, n);
    CHECK_INT(p.state, TB_REPLAY_FINISHED);
    CHECK_INT(p.sim_ns, tb_bar_end_ns(&bars[n - 1]));
    close_replay(&c);
}

static struct event *other;

static void count_turn(evutil_socket_t fd, short what, void *arg)
{
    rec *c = arg;
    struct timeval zero = {0, 0};
    turns++;
    if (!c->done) evtimer_add(other, &zero);
}

TEST(max_speed_lets_the_loop_serve_other_events_between_batches)
{
    static tb_bar bars[4000];
    rec c = {.order_ok = 1};
    size_t n = open_replay(&c, bars, 390, 100);
    /* A timer re-added at every turn stands for sockets and the REPL. */
    turns = 0;
    other = evtimer_new(c.base, count_turn, &c);
    struct timeval zero = {0, 0};
    event_add(other, &zero);
    CHECK_INT(start_replay(&c), 0);
    while (c.done == 0) event_base_loop(c.base, EVLOOP_ONCE);
    event_free(other);
    CHECK_INT(c.bars, (int)n);
    if (turns < (int)(n / 100) - 1) TBT_FAIL("other event ran %d times for %zu bars", turns, n);
    close_replay(&c);
}

/* Plays bars at speed (bars starting at or before fast_until at once) until the end or the
 * stop_at-th bar; c holds what was seen, the result is the wall time in ms. */
static double play_paced(const tb_bar *bars, size_t n, double speed, int64_t fast_until, rec *c)
{
    tb_err e;
    tb_replay_opts o = {speed, 0, NULL};
    c->order_ok = 1;
    c->base = event_base_new();
    c->r = tb_replay_new(c->base, bars, n, &o, on_ev, c, &e);
    tb_replay_fast_until(c->r, fast_until);
    int64_t t0 = tb_clock_mono_ns();
    tb_replay_start(c->r, &e);
    event_base_dispatch(c->base);
    double ms = (double)(tb_clock_mono_ns() - t0) / 1e6;
    close_replay(c);
    return ms;
}

TEST(paced_replay_takes_simulated_time_divided_by_speed)
{
    static tb_bar bars[40];
    size_t n = make_bars(bars, 5); /* 5 minutes a session, 2 sessions */
    rec c = {0};
    double ms = play_paced(bars, n, 3000, 0, &c); /* a minute in 20 ms */
    CHECK_INT(c.bars, (int)n);
    CHECK_INT(c.done, 1);
    CHECK(c.order_ok);
    /* 2 sessions x 5 minutes x 20 ms; the night between them is skipped. */
    if (ms < 190 || ms > 2000) TBT_FAIL("took %.1f ms, expected about 200", ms);
    CHECK(strcmp(c.log, "SBBBBBBBBBBESBBBBBBBBBBED") == 0);
}

TEST(bars_before_the_resume_point_are_caught_up_at_full_speed_then_paced)
{
    static tb_bar bars[400];
    size_t n = make_bars(bars, 100); /* 100 minutes a session, 2 sessions */
    /* Seen before a restart: the first session and 3 minutes of the second; then 5 paced
     * minutes. At 600x a minute takes 100 ms: the seen part paced would take 20 s. */
    rec c = {.stop_at = 200 + 6 + 2 * 5};
    double ms = play_paced(bars, n, 600, bars[200 + 5].start_ns, &c);
    CHECK_INT(c.bars, 216);
    CHECK(c.order_ok);
    CHECK_INT(c.starts, 2);
    CHECK_INT(c.ends, 1);
    if (ms < 400 || ms > 5000) TBT_FAIL("took %.1f ms, expected about 500", ms);
}

static void resume_later(evutil_socket_t fd, short what, void *arg)
{
    rec *c = arg;
    tb_replay_progress p;
    tb_replay_get_progress(c->r, &p);
    if (p.state != TB_REPLAY_PAUSED || c->bars != c->pause_at) c->order_ok = 0;
    tb_replay_resume(c->r);
}

TEST(pause_holds_delivery_until_resume)
{
    static tb_bar bars[400];
    rec c = {.order_ok = 1, .pause_at = 7};
    size_t n = open_replay(&c, bars, 100, 1000);
    CHECK_INT(start_replay(&c), 0);
    event_base_loop(c.base, EVLOOP_NONBLOCK);
    CHECK_INT(c.bars, 7);
    struct timeval tv = {0, 20000};
    event_base_once(c.base, -1, EV_TIMEOUT, resume_later, &c, &tv);
    event_base_dispatch(c.base);
    CHECK(c.order_ok);
    CHECK_INT(c.bars, (int)n);
    CHECK_INT(c.done, 1);
    close_replay(&c);
}

TEST(stop_ends_the_replay_without_done)
{
    static tb_bar bars[400];
    rec c = {.order_ok = 1, .stop_at = 5};
    open_replay(&c, bars, 100, 1000);
    CHECK_INT(start_replay(&c), 0);
    event_base_dispatch(c.base); /* returns: nothing left scheduled */
    CHECK_INT(c.bars, 5);
    CHECK_INT(c.done, 0);
    tb_replay_progress p;
    tb_replay_get_progress(c.r, &p);
    CHECK_INT(p.state, TB_REPLAY_STOPPED);
    CHECK_INT(p.played, 5);
    close_replay(&c);
}

TEST(unsorted_bars_are_refused)
{
    tb_bar bars[2] = {{.start_ns = 10}, {.start_ns = 5}};
    struct event_base *base = event_base_new();
    tb_err e;
    CHECK(tb_replay_new(base, bars, 2, NULL, on_ev, NULL, &e) == NULL);
    CHECK_CONTAINS(e.msg, "sort");
    event_base_free(base);
}

TEST(replays_bars_loaded_from_the_store)
{
    static tb_bar bars[400];
    size_t n = make_bars(bars, 100);
    char dir[] = "/tmp/tb_rp_XXXXXX", path[256];
    mkdtemp(dir);
    snprintf(path, sizeof path, "%s/r.db", dir);
    tb_err e;
    tb_db *db = tb_db_open(path, NULL, &e);
    tb_bar_store *bs = tb_bar_store_open(db, &e);
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_symtab_intern(&syms, "A", &e);
    tb_symtab_intern(&syms, "B", &e);
    CHECK_INT(tb_bar_store_put(bs, &syms, bars, n, &e), 0);
    struct event_base *base = event_base_new();
    rec c = {.order_ok = 1};
    tb_replay_opts o = {0, 0, NULL};
    const char *only[] = {"B"};
    c.r = tb_replay_new_from_store(base, bs, &syms, only, 1, 60, 0, INT64_MAX, &o, on_ev, &c, &e);
    CHECK(c.r != NULL);
    tb_replay_start(c.r, &e);
    event_base_dispatch(base);
    CHECK_INT(c.bars, (int)n / 2);
    CHECK_INT(c.starts, 2);
    tb_replay_free(c.r);
    event_base_free(base);
    tb_bar_store_close(bs);
    tb_db_close(db);
    tb_symtab_free(&syms);
    unlink(path); /* closing the last connection removed -wal and -shm */
    rmdir(dir);
}
