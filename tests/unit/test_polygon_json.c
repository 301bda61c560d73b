/* Polygon answers parsed into bars: rows a vendor gets wrong (no ticker, a ticker too long, a
 * missing price, a bar whose high is below its low) are skipped, the rest kept and counted, for
 * one symbol's aggregates and for grouped daily alike. */
#include "feed/polygon_json.h"
#include "tbtest.h"

#include <string.h>

#define ROW(t, o, h, l, c)                                                                         \
    "\"t\":" #t ",\"o\":" #o ",\"h\":" #h ",\"l\":" #l ",\"c\":" #c ",\"v\":100"

TEST(aggregates_keep_good_rows_and_skip_bad_ones)
{
    const char *j = "{\"status\":\"OK\",\"results\":[{" ROW(
        1767623400000, 10, 11, 9, 10.5) "},"
                                        "{\"t\":1767623460000,\"o\":10,\"h\":11,\"l\":9,\"v\":5},"
                                        "{" ROW(1767623520000, 10, 9, 11,
                                                10) "},"
                                                    "{" ROW(1767623580000, 20, 21, 19, 20) "}]}";
    tb_bar_vec v = {0};
    pg_page page;
    tb_err e;
    CHECK_INT(pg_parse_aggs(j, strlen(j), 7, 60, &v, &page, &e), 0);
    CHECK_INT(page.status, PG_OK);
    CHECK_INT(page.count, 2);
    CHECK_INT(v.n, 2);
    CHECK_INT(v.v[0].sym, 7);
    CHECK_INT(v.v[0].tf_sec, 60);
    CHECK_INT(v.v[1].start_ns, 1767623580000LL * 1000000);
    tb_bar_vec_free(&v);
}

TEST(grouped_daily_interns_each_ticker_and_skips_rows_without_a_usable_one)
{
    const char *j =
        "{\"status\":\"OK\",\"results\":["
        "{\"T\":\"AAPL\"," ROW(
            1767589200000, 10, 11, 9,
            10) "},"
                "{" ROW(1767589200000, 10, 11, 9,
                        10) "},"
                            "{\"T\":\"\"," ROW(1767589200000, 10, 11, 9,
                                               10) "},"
                                                   "{\"T\":\"ABCDEFGHIJKLMNOP\"," ROW(
                                                       1767589200000, 10, 11, 9,
                                                       10) "},"
                                                           "{\"T\":\"MSFT\",\"t\":1767589200000},"
                                                           "{\"T\":\"NVDA\"," ROW(1767589200000, 5,
                                                                                  6, 4, 5) "}]}";
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_bar_vec v = {0};
    pg_page page;
    tb_err e;
    CHECK_INT(pg_parse_grouped(j, strlen(j), &syms, &v, &page, &e), 0);
    CHECK_INT(page.count, 2);
    CHECK_INT(v.n, 2);
    CHECK_INT(v.v[0].sym, tb_symtab_find(&syms, "AAPL"));
    CHECK_INT(v.v[1].sym, tb_symtab_find(&syms, "NVDA"));
    CHECK_INT(v.v[1].tf_sec, 86400);
    CHECK(tb_symtab_find(&syms, "ABCDEFGHIJKLMNOP") < 0);
    tb_bar_vec_free(&v);
    tb_symtab_free(&syms);
}

TEST(an_error_status_is_an_error_with_its_message)
{
    const char *j = "{\"status\":\"ERROR\",\"error\":\"bad ticker\",\"results\":[]}";
    tb_bar_vec v = {0};
    pg_page page;
    tb_err e;
    CHECK_INT(pg_parse_aggs(j, strlen(j), 1, 60, &v, &page, &e), -1);
    CHECK_CONTAINS(e.msg, "bad ticker");
    tb_bar_vec_free(&v);
}
