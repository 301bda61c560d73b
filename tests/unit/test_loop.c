/* The loop's latency probe: what a sample is (due time to callback start), that start-up is not
 * one, and that live and replay samples stay in their own histograms. Timing checks are one-sided
 * with wide margins: a loaded machine makes probes later, never earlier. */
#include "loop/loop.h"
#include "tbtest.h"
#include "util/clock.h"

#include <event2/event.h>
#include <time.h>

static void busy_ms(int ms)
{
    int64_t end = tb_clock_mono_ns() + (int64_t)ms * 1000000;
    while (tb_clock_mono_ns() < end) {
    }
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

typedef struct run {
    tb_loop *l;
    int busy_ms, left;
    struct event *ev;
} run;

/* Every 20 ms: hold the loop busy_ms, and stop after `left` turns. */
static void work_cb(evutil_socket_t fd, short what, void *arg)
{
    run *r = arg;
    if (r->busy_ms) busy_ms(r->busy_ms);
    if (--r->left <= 0) tb_loop_stop(r->l);
}

static void run_for(tb_loop *l, int turns, int busy)
{
    run r = {.l = l, .busy_ms = busy, .left = turns};
    r.ev = event_new(tb_loop_base(l), -1, EV_PERSIST, work_cb, &r);
    struct timeval tv = {0, 20000};
    event_add(r.ev, &tv);
    tb_loop_run(l);
    event_free(r.ev);
}

TEST(start_up_before_the_loop_runs_is_not_a_sample)
{
    tb_err e;
    tb_loop *l = tb_loop_new(5, &e);
    CHECK(l != NULL);
    sleep_ms(1500); /* opening the engine: the loop is not running, nothing waits on it */
    run_for(l, 5, 0);
    tb_latency lat;
    tb_loop_latency(l, &lat);
    CHECK(lat.count > 0);
    CHECK(lat.max_us < 1e6); /* a sample from the loop's creation would be >= 1.5 s */
    tb_loop_free(l);
}

TEST(a_busy_callback_is_lateness_in_the_current_mode_only)
{
    tb_err e;
    tb_loop *l = tb_loop_new(5, &e);
    CHECK_INT(tb_loop_get_mode(l), TB_LOOP_REPLAY);
    tb_loop_set_mode(l, TB_LOOP_LIVE);
    run_for(l, 3, 40); /* each turn holds the loop 40 ms: probes due meanwhile wait */
    tb_latency live, replay;
    tb_loop_latency_of(l, TB_LOOP_LIVE, &live);
    tb_loop_latency_of(l, TB_LOOP_REPLAY, &replay);
    CHECK(live.count > 0);
    CHECK(live.max_us >= 30000); /* a probe due early in a 40 ms hold waits at least 35 ms */
    CHECK_INT(replay.count, 0);
    tb_latency cur;
    tb_loop_latency(l, &cur);
    CHECK_INT(cur.count, live.count);

    tb_loop_set_mode(l, TB_LOOP_REPLAY);
    run_for(l, 3, 0);
    tb_latency live2;
    tb_loop_latency_of(l, TB_LOOP_LIVE, &live2);
    tb_loop_latency_of(l, TB_LOOP_REPLAY, &replay);
    CHECK_INT(live2.count, live.count); /* the replay's probes never reach the live figure */
    CHECK(replay.count > 0);
    CHECK_STR(tb_loop_mode_name(TB_LOOP_LIVE), "live");
    CHECK_STR(tb_loop_mode_name(TB_LOOP_REPLAY), "replay");
    tb_loop_free(l);
}

TEST(samples_fall_in_the_bucket_whose_bound_holds_them)
{
    tb_latency lat = {0};
    tb_latency_add(&lat, -3);   /* fired before due (clock granularity): 0 */
    tb_latency_add(&lat, 10);   /* on a bound: that bucket (le) */
    tb_latency_add(&lat, 1000); /* 1 ms exactly: within 1 ms */
    tb_latency_add(&lat, 1000.5);
    tb_latency_add(&lat, 2e6); /* beyond the last bound: +Inf */
    CHECK_INT(lat.count, 5);
    CHECK_INT(lat.buckets[0], 2);
    CHECK_INT(lat.buckets[5], 1);
    CHECK_INT(lat.buckets[6], 1);
    CHECK_INT(lat.buckets[TB_LAT_BUCKETS - 1], 1);
    CHECK(lat.max_us == 2e6 && lat.last_us == 2e6);
    CHECK(fabs(lat.sum_us - (10 + 1000 + 1000.5 + 2e6)) < 1e-6);
    CHECK(tb_latency_quantile(&lat, 0.5) == 1000);
    CHECK(tb_latency_quantile(&lat, 0.99) == 2e6); /* +Inf bucket: the max */
}
