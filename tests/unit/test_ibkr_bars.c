/* test_ibkr_bars: the IB live feed's messages at server version 151 (REQ_REAL_TIME_BARS,
 * REQ_HISTORICAL_DATA out; REAL_TIME_BARS, HISTORICAL_DATA in) and 5-second -> 1-minute bars. */
#include "tbtest.h"
#include "tws_testutil.h"

#include "broker/ibkr_bars.h"
#include "feed/ibkr_agg.h"

#include <stdarg.h>
#include <string.h>

/* Builds a frame from n string fields and splits it as the connection does. */
static void mk(tws_frame *f, int n, ...)
{
    tb_sbuf b = {0};
    tb_err e;
    va_list ap;
    va_start(ap, n);
    tws_begin(&b);
    for (int i = 0; i < n; i++) tws_put_str(&b, va_arg(ap, const char *));
    va_end(ap);
    tws_end(&b, &e);
    size_t used;
    tws_frame_next((const uint8_t *)b.s, b.len, &used, f, &e);
    tb_sbuf_free(&b);
}

static void split(const tb_sbuf *b, tws_frame *f)
{
    size_t used;
    tb_err e;
    tws_frame_next((const uint8_t *)b->s, b->len, &used, f, &e);
}

TEST(real_time_bars_request_has_the_19_fields_of_version_151)
{
    tb_sbuf b = {0};
    tb_err e;
    CHECK_INT(ibkr_enc_rt_bars(&b, 700000001, "AAPL", 1, &e), 0);
    tws_frame f;
    split(&b, &f);
    CHECK_INT(f.n, IBKR_RT_BARS_FIELDS);
    CHECK_FIELDS(f, {0, "50"}, {1, "3"}, {2, "700000001"}, {4, "AAPL"}, {5, "STK"}, {10, "SMART"},
                 {12, "USD"}, {15, "5"}, {16, "TRADES"}, {17, "1"});
    tws_frame_free(&f);
    tb_sbuf_free(&b);
}

TEST(historical_request_has_no_version_field_and_asks_1_min_trades_epoch_dates)
{
    tb_sbuf b = {0};
    tb_err e;
    CHECK_INT(ibkr_enc_hist(&b, 700000002, "MSFT", "20261130-14:40:00", "600 S", 1, &e), 0);
    tws_frame f;
    split(&b, &f);
    CHECK_INT(f.n, IBKR_HIST_REQ_FIELDS);
    /* reqId right after the id: no version from 124 on; formatDate 2: epoch seconds */
    CHECK_FIELDS(f, {0, "20"}, {1, "700000002"}, {3, "MSFT"}, {14, "0" /* includeExpired */},
                 {15, "20261130-14:40:00" /* endDateTime */}, {16, "1 min"}, {17, "600 S"},
                 {18, "1" /* useRTH */}, {19, "TRADES"}, {20, "2"}, {21, "0" /* keepUpToDate */});
    tws_frame_free(&f);
    tb_sbuf_free(&b);
}

TEST(utc_end_time_is_formatted_as_ib_wants_it)
{
    char t[24];
    CHECK_STR(ibkr_fmt_utc(1796050800, t, sizeof t), "20261130-15:00:00");
}

TEST(real_time_bar_decodes_like_ibapi_with_exact_prices)
{
    tws_frame f;
    mk(&f, 11, "50", "3", "700000001", "1796049005", "187.25", "187.3", "187.2", "187.29", "1200",
       "187.2512", "14");
    int64_t id;
    ibkr_bar b;
    tb_err e;
    CHECK_INT(ibkr_dec_rt_bar(&f, &id, &b, &e), 0);
    CHECK_INT(id, 700000001);
    CHECK_INT(b.time_s, 1796049005);
    CHECK_INT(b.open, 187250000);
    CHECK_INT(b.high, 187300000);
    CHECK_INT(b.low, 187200000);
    CHECK_INT(b.close, 187290000);
    CHECK_NEAR(b.volume, 1200, 1e-12);
    CHECK_NEAR(b.wap, 187.2512, 1e-12);
    CHECK_INT(b.count, 14);
    tws_frame_free(&f);
}

TEST(real_time_bar_that_is_short_or_inconsistent_is_refused)
{
    tws_frame f;
    int64_t id;
    ibkr_bar b;
    tb_err e;
    mk(&f, 10, "50", "3", "1", "1796049005", "1", "1", "1", "1", "1", "1");
    CHECK_INT(ibkr_dec_rt_bar(&f, &id, &b, &e), -1);
    CHECK_CONTAINS(e.msg, "10 fields");
    tws_frame_free(&f);
    mk(&f, 11, "50", "3", "1", "1796049005", "10", "9", "11", "10", "1", "1", "1");
    CHECK_INT(ibkr_dec_rt_bar(&f, &id, &b, &e), -1);
    CHECK_CONTAINS(e.msg, "high/low");
    tws_frame_free(&f);
    mk(&f, 11, "50", "3", "1", "1796049005", "abc", "9", "11", "10", "1", "1", "1");
    CHECK_INT(ibkr_dec_rt_bar(&f, &id, &b, &e), -1);
    tws_frame_free(&f);
    /* found by the fuzzer: a time that overflows nanoseconds */
    mk(&f, 11, "50", "3", "1", "100796049055", "10", "11", "9", "10", "1", "1", "1");
    CHECK_INT(ibkr_dec_rt_bar(&f, &id, &b, &e), -1);
    CHECK_CONTAINS(e.msg, "bar time");
    tws_frame_free(&f);
}

TEST(historical_data_decodes_start_end_count_and_bars_without_version_or_gaps)
{
    tws_frame f;
    mk(&f, 21, "17", "700000003", "20261130  09:30:00", "20261130  09:32:00", "2", "1796049000",
       "100.5", "101", "100.25", "100.75", "3000", "100.6", "25", "1796049060", "100.75", "100.8",
       "100.1", "100.2", "1500", "100.4", "11");
    int64_t id;
    ibkr_bar bars[4];
    int n;
    tb_err e;
    CHECK_INT(ibkr_dec_hist(&f, &id, bars, 4, &n, &e), 0);
    CHECK_INT(id, 700000003);
    CHECK_INT(n, 2);
    CHECK_INT(bars[0].time_s, 1796049000);
    CHECK_INT(bars[0].open, 100500000);
    CHECK_INT(bars[0].low, 100250000);
    CHECK_INT(bars[0].count, 25);
    CHECK_INT(bars[1].time_s, 1796049060);
    CHECK_INT(bars[1].close, 100200000);
    CHECK_NEAR(bars[1].volume, 1500, 1e-12);
    tws_frame_free(&f);
}

TEST(historical_data_whose_item_count_overruns_the_frame_is_refused)
{
    tws_frame f;
    mk(&f, 13, "17", "7", "a", "b", "3", "1796049000", "1", "1", "1", "1", "1", "1", "1");
    int64_t id;
    ibkr_bar bars[4];
    int n;
    tb_err e;
    CHECK_INT(ibkr_dec_hist(&f, &id, bars, 4, &n, &e), -1);
    CHECK_CONTAINS(e.msg, "itemCount");
    tws_frame_free(&f);
    mk(&f, 13, "17", "7", "a", "b", "1", "20261130 09:30:00", "1", "1", "1", "1", "1", "1", "1");
    CHECK_INT(ibkr_dec_hist(&f, &id, bars, 4, &n, &e), -1);
    CHECK_CONTAINS(e.msg, "formatDate 2");
    tws_frame_free(&f);
}

static ibkr_bar five(int64_t t, double o, double h, double l, double c, double v, int64_t n)
{
    ibkr_bar b = {.time_s = t, .volume = v, .wap = (h + l) / 2, .count = n};
    tb_err e;
    tb_money_from_double(o, 1, &b.open, &e);
    tb_money_from_double(h, 1, &b.high, &e);
    tb_money_from_double(l, 1, &b.low, &e);
    tb_money_from_double(c, 1, &b.close, &e);
    return b;
}

TEST(a_minute_closes_on_its_last_five_second_bar)
{
    ibkr_agg a;
    ibkr_agg_init(&a, 3);
    tb_bar out[2];
    int64_t m = 1796049000;
    int closed = 0;
    for (int k = 0; k < 12; k++) {
        ibkr_bar b =
            five(m + 5 * k, 100 + k * 0.01, 100.5 + k * 0.01, 99.9, 100.01 + k * 0.01, 100, 2);
        closed += ibkr_agg_add(&a, &b, out);
        if (k < 11) CHECK_INT(closed, 0);
    }
    CHECK_INT(closed, 1);
    CHECK_INT(out[0].start_ns, m * TB_NS_PER_SEC);
    CHECK_INT(out[0].tf_sec, 60);
    CHECK_INT(out[0].sym, 3);
    CHECK_NEAR(out[0].open, 100.0, 1e-12);
    CHECK_NEAR(out[0].high, 100.61, 1e-12);
    CHECK_NEAR(out[0].low, 99.9, 1e-12);
    CHECK_NEAR(out[0].close, 100.12, 1e-12);
    CHECK_NEAR(out[0].volume, 1200, 1e-12);
    CHECK_INT(out[0].trades, 24);
}

TEST(a_minute_without_its_last_bar_closes_when_the_next_minute_starts_and_gaps_stay_gaps)
{
    ibkr_agg a;
    ibkr_agg_init(&a, 1);
    tb_bar out[2];
    int64_t m = 1796049000;
    ibkr_bar b1 = five(m + 10, 50, 51, 49, 50.5, 10, 1),
             b2 = five(m + 20, 50.5, 52, 50, 51.5, 30, 3);
    CHECK_INT(ibkr_agg_add(&a, &b1, out), 0);
    CHECK_INT(ibkr_agg_add(&a, &b2, out), 0);
    /* nothing traded in m+60: the next bar is in m+120 */
    ibkr_bar b3 = five(m + 125, 60, 60, 60, 60, 5, 1);
    CHECK_INT(ibkr_agg_add(&a, &b3, out), 1);
    CHECK_INT(out[0].start_ns, m * TB_NS_PER_SEC);
    CHECK_NEAR(out[0].open, 50, 1e-12);
    CHECK_NEAR(out[0].high, 52, 1e-12);
    CHECK_NEAR(out[0].close, 51.5, 1e-12);
    CHECK_NEAR(out[0].volume, 40, 1e-12);
    CHECK_NEAR(out[0].vwap, (50 * 10 + 51 * 30) / 40.0, 1e-9);
    CHECK_INT(a.minute_s, m + 120);
    /* the last bar of m+120 closes it; an earlier bar then is late */
    ibkr_bar b4 = five(m + 175, 60, 61, 60, 61, 5, 1);
    CHECK_INT(ibkr_agg_add(&a, &b4, out), 1);
    CHECK_INT(out[0].start_ns, (m + 120) * TB_NS_PER_SEC);
    ibkr_bar late = five(m + 130, 60, 60, 60, 60, 1, 1);
    CHECK_INT(ibkr_agg_add(&a, &late, out), 0);
    CHECK_INT(a.late, 1);
}

TEST(a_reset_drops_the_partial_minute_but_never_reopens_a_closed_one)
{
    ibkr_agg a;
    ibkr_agg_init(&a, 1);
    tb_bar out[2];
    int64_t m = 1796049000;
    ibkr_bar last = five(m + 55, 10, 10, 10, 10, 1, 1), part = five(m + 60, 11, 11, 11, 11, 1, 1);
    CHECK_INT(ibkr_agg_add(&a, &last, out), 1);
    CHECK_INT(ibkr_agg_add(&a, &part, out), 0);
    ibkr_agg_reset(&a);
    CHECK_INT(a.minute_s, 0);
    CHECK_INT(ibkr_agg_add(&a, &last, out), 0); /* resent after a resubscribe */
    CHECK_INT(a.late, 1);
}

TEST(a_thin_minute_is_flushed_after_its_end_plus_grace_and_its_late_last_bar_is_dropped)
{
    ibkr_agg a;
    ibkr_agg_init(&a, 2);
    tb_bar out[2];
    int64_t m = 1796049000, s = TB_NS_PER_SEC, grace = 10 * s;
    CHECK_INT(ibkr_agg_flush_due(&a, (m + 600) * s, 0, grace), 0); /* nothing built */
    ibkr_bar b1 = five(m, 20, 21, 19, 20.5, 10, 1), b2 = five(m + 30, 20.5, 22, 20, 21, 30, 2);
    ibkr_agg_add(&a, &b1, out);
    ibkr_agg_add(&a, &b2, out);
    int64_t arrived = (m + 36) * s;
    CHECK_INT(ibkr_agg_flush_due(&a, (m + 60) * s, arrived, grace), 0);
    CHECK_INT(ibkr_agg_flush_due(&a, (m + 69) * s, arrived, grace), 0);
    CHECK_INT(ibkr_agg_flush_due(&a, (m + 70) * s, arrived, grace), 1);
    CHECK_INT(ibkr_agg_flush(&a, &out[0]), 1);
    CHECK_INT(out[0].start_ns, m * s);
    CHECK_NEAR(out[0].high, 22, 1e-12);
    CHECK_NEAR(out[0].close, 21, 1e-12);
    CHECK_NEAR(out[0].volume, 40, 1e-12);
    CHECK_INT(ibkr_agg_flush(&a, &out[0]), 0);
    ibkr_bar last = five(m + 55, 21, 21, 21, 21, 5, 1); /* the +55 s bar after the flush */
    CHECK_INT(ibkr_agg_add(&a, &last, out), 0);
    CHECK_INT(a.late, 1);
    ibkr_bar next = five(m + 60, 22, 22, 22, 22, 5, 1);
    CHECK_INT(ibkr_agg_add(&a, &next, out), 0);
    CHECK_INT(a.minute_s, m + 60);
}

TEST(a_minute_whose_bars_arrive_late_in_a_burst_is_not_flushed_before_grace_after_them)
{
    ibkr_agg a;
    ibkr_agg_init(&a, 2);
    tb_bar out[2];
    int64_t m = 1796049000, s = TB_NS_PER_SEC;
    ibkr_bar b1 = five(m + 5, 20, 21, 19, 20.5, 10, 1);
    ibkr_agg_add(&a, &b1, out);
    int64_t arrived = (m + 600) * s; /* ten minutes behind the wall clock */
    CHECK_INT(ibkr_agg_flush_due(&a, (m + 605) * s, arrived, 10 * s), 0);
    CHECK_INT(ibkr_agg_flush_due(&a, (m + 610) * s, arrived, 10 * s), 1);
}
