/* The live feed hands a burst of bars to the trader in slices of at most TB_LIVE_SLICE_NS a loop
 * turn: the rest wait, in order, and what became ready meanwhile (a fill, a dashboard request)
 * runs between slices instead of after the whole burst. */
#include "tbtest.h"

#include "feed/live.h"
#include "util/clock.h"

#include <event2/event.h>

#define OPEN_NS (1796049000LL * TB_NS_PER_SEC) /* Monday 2026-11-30 09:30 ET */
#define MIN_NS  (60 * TB_NS_PER_SEC)
#define NBARS   200

static struct event_base *base;
static tb_live *live;
static int delivered, starts, out_of_order, seen_by_fill = -1;
static int64_t last_key = -1;

static void busy_us(int us)
{
    int64_t end = tb_clock_mono_ns() + (int64_t)us * 1000;
    while (tb_clock_mono_ns() < end) {
    }
}

/* A strategy-sized callback: 50 us a bar (500 symbols' bars: 25 ms in one go without slices). */
static void on_ev(const tb_replay_ev *ev, void *ud)
{
    if (ev->type == TB_REPLAY_SESSION_START) starts++;
    if (ev->type != TB_REPLAY_BAR) return;
    int64_t key = (ev->bar->start_ns - OPEN_NS) / MIN_NS * 1000 + ev->bar->sym;
    if (key <= last_key) out_of_order++;
    last_key = key;
    delivered++;
    busy_us(50);
}

static void on_fill(evutil_socket_t fd, short what, void *arg)
{
    seen_by_fill = delivered;
}

/* One socket read with NBARS bars (2 minutes of 100 symbols), and a fill arriving with it. */
static void on_burst(evutil_socket_t fd, short what, void *arg)
{
    static const struct timeval zero = {0, 0};
    event_add(arg, &zero);
    for (int m = 0; m < 2; m++)
        for (uint32_t s = 0; s < NBARS / 2; s++) {
            tb_bar b = {.start_ns = OPEN_NS + m * MIN_NS,
                        .open = 10,
                        .high = 11,
                        .low = 9,
                        .close = 10.5,
                        .volume = 100,
                        .vwap = 10.2,
                        .tf_sec = 60,
                        .sym = s};
            tb_live_push(live, &b, 0);
        }
    CHECK(delivered >= 1);    /* the first slice goes at once */
    CHECK(delivered < NBARS); /* but not the whole burst */
}

TEST(a_burst_is_handed_over_in_slices_in_order_and_a_fill_runs_between_them)
{
    base = event_base_new();
    tb_symtab syms;
    tb_cal cal;
    tb_symtab_init(&syms);
    tb_cal_init(&cal);
    char name[8];
    for (int i = 0; i < NBARS / 2; i++) {
        snprintf(name, sizeof name, "S%03d", i);
        tb_err e;
        tb_symtab_intern(&syms, name, &e);
    }
    tb_clock_set_fake_ns(OPEN_NS + 30 * MIN_NS);
    const char *sv[] = {"S000"};
    tb_live_opts o = {.kind = TB_LIVE_ALPACA,
                      .name = "alpaca",
                      .symbols = sv,
                      .nsymbols = 1,
                      .base = base,
                      .syms = &syms,
                      .cal = &cal,
                      .cb = on_ev};
    o.alpaca.data_url = "http://127.0.0.1:9", o.alpaca.stream_url = "ws://127.0.0.1:9/v2";
    o.alpaca.key_id = "PKTEST", o.alpaca.secret_key = "secret";
    tb_err e;
    live = tb_live_new(&o, &e);
    CHECK(live != NULL);
    struct event *fill = event_new(base, -1, 0, on_fill, NULL);
    struct event *burst = event_new(base, -1, 0, on_burst, fill);
    struct timeval soon = {0, 1000};
    event_add(burst, &soon);
    for (int i = 0; i < 2000 && delivered < NBARS; i++) event_base_loop(base, EVLOOP_ONCE);
    CHECK_INT(delivered, NBARS);
    CHECK_INT(out_of_order, 0);
    CHECK_INT(starts, 1);
    CHECK(seen_by_fill >= 1 && seen_by_fill < NBARS); /* the fill did not wait for the burst */
    tb_live_stats st;
    tb_live_stats_get(live, &st);
    CHECK_INT(st.bars, NBARS);
    CHECK(st.slices >= 1);
    CHECK(st.queue_max >= 1 && st.queue_max < NBARS);
    event_free(fill), event_free(burst);
    tb_live_free(live);
    tb_symtab_free(&syms);
    event_base_free(base);
}
