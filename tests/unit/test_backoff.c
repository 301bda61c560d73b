/* util/backoff.h and util/rand.h: the reconnect waits of the websocket and IB Gateway clients. */
#include "tbtest.h"
#include "util/backoff.h"
#include "util/rand.h"

TEST(waits_are_jittered_halves_of_a_doubling_step_capped_at_max)
{
    tb_backoff b;
    tb_backoff_init(&b, 100, 1000, 42);
    long steps[] = {100, 200, 400, 800, 1000, 1000, 1000};
    for (int i = 0; i < 7; i++) {
        long w = tb_backoff_next(&b, 0);
        CHECK(w >= steps[i] / 2 && w <= steps[i]);
    }
    tb_backoff_reset(&b);
    long w = tb_backoff_next(&b, 0);
    CHECK(w >= 50 && w <= 100);
}

TEST(a_floor_keeps_ten_percent_of_jitter_so_peers_spread_out)
{
    tb_backoff b;
    tb_backoff_init(&b, 100, 1000, 7);
    long lo = 1 << 30, hi = 0;
    for (int i = 0; i < 200; i++) {
        long w = tb_backoff_next(&b, 5000);
        CHECK(w >= 5000 && w <= 5500);
        lo = w < lo ? w : lo, hi = w > hi ? w : hi;
        tb_backoff_reset(&b);
    }
    CHECK(hi - lo > 100); /* not all the same wait */
    CHECK(b.step_ms == 100);
}

TEST(splitmix64_is_the_published_sequence)
{
    uint64_t s = 0;
    CHECK(tb_rand_next(&s) == 0xe220a8397b1dcdafULL);
    CHECK(tb_rand_next(&s) == 0x6e789e6aa1b965f4ULL);
    CHECK_INT(tb_jitter_half(100, 0), 50);
    CHECK_INT(tb_jitter_half(100, 50), 100);
}
