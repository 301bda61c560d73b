#include "data/aggregate.h"
#include "tbtest.h"

#define NS 1000000000LL

static uint64_t rng = 88172645463325252ULL;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* Minutes 08:00-17:00 ET of each weekday in [from, to], about 5% missing. */
static size_t make_minutes(tb_date from, tb_date to, tb_bar *out, size_t cap)
{
    size_t n = 0;
    double px = 100;
    for (tb_date d = from; d <= to; d++) {
        int wd = tb_date_weekday(d);
        if (wd == 0 || wd == 6) continue;
        for (int sod = 8 * 3600; sod < 17 * 3600 && n < cap; sod += 60) {
            double o = px, c = px * (1 + (urand() - 0.5) * 0.004);
            px = c;
            if (urand() < 0.05) continue;
            tb_bar b = {0};
            b.start_ns = tb_cal_local_to_ns(d, sod);
            b.tf_sec = 60;
            b.open = o;
            b.close = c;
            b.high = (o > c ? o : c) * (1 + urand() * 0.001);
            b.low = (o < c ? o : c) * (1 - urand() * 0.001);
            b.volume = (double)(int)(urand() * 5000);
            b.vwap = (b.high + b.low + b.close) / 3;
            b.trades = (int64_t)(b.volume / 50);
            out[n++] = b;
        }
    }
    return n;
}

/* Bars built directly: group minutes by an independently computed key. */
static size_t direct(const tb_bar *m, size_t n, int tf, tb_bar *out)
{
    size_t k = 0;
    long long prev_key = -1;
    double pv = 0;
    for (size_t i = 0; i < n; i++) {
        tb_date date;
        int sod;
        tb_cal_local_time(m[i].start_ns, &date, &sod);
        long long key;
        int64_t start;
        tb_session s;
        if (tf == 86400) {
            if (!tb_cal_session(NULL, date, &s) || m[i].start_ns < s.open_ns ||
                m[i].start_ns >= s.close_ns)
                continue;
            key = date;
            start = s.open_ns;
        } else {
            int off = sod - 34200, q = off >= 0 ? off / tf : -((-off + tf - 1) / tf);
            key = ((long long)date * 1000 + q + 500) * 2;
            start = tb_cal_local_to_ns(date, 34200 + q * tf);
            /* a bucket holding the close is cut there */
            if (tb_cal_session(NULL, date, &s) && start < s.close_ns &&
                start + (int64_t)tf * NS > s.close_ns && m[i].start_ns >= s.close_ns) {
                key++;
                start = s.close_ns;
            }
        }
        if (key != prev_key) {
            if (k)
                out[k - 1].vwap = out[k - 1].volume > 0 ? pv / out[k - 1].volume : out[k - 1].close;
            out[k] = m[i];
            out[k].start_ns = start;
            out[k].tf_sec = tf;
            pv = m[i].vwap * m[i].volume;
            k++;
            prev_key = key;
        } else {
            tb_bar *b = &out[k - 1];
            b->high = fmax(b->high, m[i].high);
            b->low = fmin(b->low, m[i].low);
            b->close = m[i].close;
            b->volume += m[i].volume;
            b->trades += m[i].trades;
            pv += m[i].vwap * m[i].volume;
        }
    }
    if (k) out[k - 1].vwap = out[k - 1].volume > 0 ? pv / out[k - 1].volume : out[k - 1].close;
    return k;
}

static tb_bar minutes[20000], want[20000], got[20000];

static void check_tf(int tf, tb_date from, tb_date to)
{
    size_t n = make_minutes(from, to, minutes, 20000);
    size_t nw = direct(minutes, n, tf, want);
    tb_agg a;
    tb_err e;
    CHECK_INT(tb_agg_init(&a, tf, NULL, &e), 0);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        int r = tb_agg_push(&a, &minutes[i], &got[ng]);
        if (r < 0) {
            TBT_FAIL("tf %d: minute %zu refused", tf, i);
            return;
        }
        ng += (size_t)r;
    }
    ng += (size_t)tb_agg_flush(&a, &got[ng]);
    CHECK_INT(ng, nw);
    for (size_t i = 0; i < ng && i < nw; i++) {
        if (got[i].start_ns != want[i].start_ns || got[i].open != want[i].open ||
            got[i].high != want[i].high || got[i].low != want[i].low ||
            got[i].close != want[i].close || got[i].volume != want[i].volume ||
            got[i].trades != want[i].trades || fabs(got[i].vwap - want[i].vwap) > 1e-9 ||
            got[i].tf_sec != tf) {
            TBT_FAIL("tf %d bar %zu differs (start %lld vs %lld)", tf, i,
                     (long long)got[i].start_ns, (long long)want[i].start_ns);
            return;
        }
    }
}

/* check_tf for 5 minutes, 15 minutes, an hour and a day. */
static void check_every_tf(tb_date from, tb_date to)
{
    static const int tfs[] = {300, 900, 3600, 86400};
    for (size_t i = 0; i < sizeof tfs / sizeof tfs[0]; i++) check_tf(tfs[i], from, to);
}

TEST(aggregates_agree_with_bars_built_directly_across_dst_change)
{
    tb_date from = tb_date_from_ymd(2026, 3, 4), to = tb_date_from_ymd(2026, 3, 12);
    check_every_tf(from, to);
}

TEST(aggregates_agree_with_bars_built_directly_around_thanksgiving)
{
    tb_date from = tb_date_from_ymd(2026, 11, 23), to = tb_date_from_ymd(2026, 12, 2);
    check_every_tf(from, to);
}

static tb_bar minute_at(tb_date d, int hh, int mm, double px, double vol, double vwap)
{
    tb_bar b = {0};
    b.start_ns = tb_cal_local_to_ns(d, hh * 3600 + mm * 60);
    b.tf_sec = 60;
    b.open = b.high = b.low = b.close = px;
    b.volume = vol;
    b.vwap = vwap;
    b.trades = 1;
    return b;
}

/* Pushes the minute hh:mm of d (price px, volume vol, vwap px) into a; what tb_agg_push says. */
/* An aggregator of tf_sec bars on one day d; out takes what a push completes. */
typedef struct day_agg {
    tb_agg a;
    tb_date d;
    tb_bar out[2];
} day_agg;

static void day_agg_open(day_agg *g, int tf_sec, int y, int m, int day)
{
    tb_agg_init(&g->a, tf_sec, NULL, NULL);
    g->d = tb_date_from_ymd(y, m, day);
}

/* Pushes the hh:mm ET minute at px (its vwap too) with vol; tb_agg_push's count. */
static int push_at(day_agg *g, int hh, int mm, double px, double vol)
{
    tb_bar m = minute_at(g->d, hh, mm, px, vol, px);
    return tb_agg_push(&g->a, &m, g->out);
}

TEST(five_minute_bar_is_emitted_by_its_last_minute)
{
    day_agg g;
    day_agg_open(&g, 300, 2026, 3, 10);
    for (int mm = 30; mm < 34; mm++) {
        tb_bar m = minute_at(g.d, 9, mm, 10 + mm, 100, 10 + mm);
        CHECK_INT(tb_agg_push(&g.a, &m, g.out), 0);
    }
    tb_bar m = minute_at(g.d, 9, 34, 50, 100, 50);
    CHECK_INT(tb_agg_push(&g.a, &m, g.out), 1);
    CHECK_INT(g.out[0].start_ns, tb_cal_local_to_ns(g.d, 9 * 3600 + 1800));
    CHECK_INT(g.out[0].tf_sec, 300);
    CHECK_NEAR(g.out[0].open, 40, 0);
    CHECK_NEAR(g.out[0].high, 50, 0);
    CHECK_NEAR(g.out[0].low, 40, 0);
    CHECK_NEAR(g.out[0].close, 50, 0);
    CHECK_NEAR(g.out[0].volume, 500, 0);
    CHECK_INT(g.out[0].trades, 5);
    CHECK_NEAR(g.out[0].vwap, (40 + 41 + 42 + 43 + 50) / 5.0, 1e-12);
    tb_bar dummy;
    CHECK_INT(tb_agg_flush(&g.a, &dummy), 0);
}

TEST(vwap_is_volume_weighted)
{
    day_agg g;
    day_agg_open(&g, 900, 2026, 3, 10);
    tb_bar m1 = minute_at(g.d, 10, 0, 10, 100, 10), m2 = minute_at(g.d, 10, 1, 20, 300, 20);
    tb_agg_push(&g.a, &m1, g.out);
    tb_agg_push(&g.a, &m2, g.out);
    CHECK_INT(tb_agg_flush(&g.a, g.out), 1);
    CHECK_NEAR(g.out[0].vwap, (10 * 100 + 20 * 300) / 400.0, 1e-12);
}

TEST(gap_closes_the_previous_bucket_and_late_minute_is_refused)
{
    day_agg g;
    day_agg_open(&g, 300, 2026, 3, 10);
    CHECK_INT(push_at(&g, 9, 31, 10, 1), 0);
    /* 09:44 completes the 09:40 bucket at once and closes 09:30's. */
    CHECK_INT(push_at(&g, 9, 44, 11, 1), 2);
    CHECK_INT(g.out[0].start_ns, tb_cal_local_to_ns(g.d, 9 * 3600 + 30 * 60));
    CHECK_INT(g.out[1].start_ns, tb_cal_local_to_ns(g.d, 9 * 3600 + 40 * 60));
    CHECK_INT(push_at(&g, 9, 43, 11, 1), -1);
}

TEST(hour_bars_start_0930_and_last_is_cut_at_early_close)
{
    day_agg g;
    day_agg_open(&g, 3600, 2026, 11, 27); /* 13:00 close */
    int emitted = 0;
    for (int t = 9 * 60 + 30; t < 13 * 60; t++) {
        tb_bar m = minute_at(g.d, t / 60, t % 60, 10, 1, 10);
        int r = tb_agg_push(&g.a, &m, g.out);
        if (r == 1) {
            int sod;
            tb_cal_local_time(g.out[0].start_ns, NULL, &sod);
            CHECK_INT(sod, 9 * 3600 + 1800 + emitted * 3600);
            CHECK_NEAR(g.out[0].volume, emitted < 3 ? 60 : 30, 0);
            emitted++;
        }
    }
    CHECK_INT(emitted, 4); /* 09:30, 10:30, 11:30, 12:30-13:00 */
}

TEST(daily_bar_ignores_extended_hours_and_completes_at_close)
{
    day_agg g;
    day_agg_open(&g, 86400, 2026, 11, 27);
    CHECK_INT(push_at(&g, 8, 0, 99, 1000), 0);
    CHECK_INT(push_at(&g, 9, 30, 10, 1), 0);
    CHECK_INT(push_at(&g, 12, 59, 12, 1), 1);
    CHECK_NEAR(g.out[0].open, 10, 0);
    CHECK_NEAR(g.out[0].high, 12, 0);
    CHECK_NEAR(g.out[0].volume, 2, 0);
    CHECK_INT(g.out[0].start_ns, tb_cal_local_to_ns(g.d, 9 * 3600 + 1800));
    CHECK_INT(push_at(&g, 13, 30, 12, 1), 0);
}

TEST(bad_timeframe_is_an_error)
{
    tb_agg a;
    tb_err e;
    CHECK_INT(tb_agg_init(&a, 90, NULL, &e), -1);
    CHECK_CONTAINS(e.msg, "90");
    CHECK_INT(tb_agg_init(&a, 172800, NULL, &e), -1);
}
