#include "tbtest.h"
#include "util/money.h"

#include <stdint.h>

static tb_money parse_ok(const char *s)
{
    tb_err e = {{0}};
    tb_money m = -777;
    if (tb_money_parse(s, &m, &e) != 0) TBT_FAIL("parse \"%s\": %s", s, e.msg);
    return m;
}

static int parse_fails(const char *s)
{
    tb_err e = {{0}};
    tb_money m;
    return tb_money_parse(s, &m, &e) == -1 && e.msg[0];
}

TEST(parse_reads_decimal_prices_exactly)
{
    CHECK_INT(parse_ok("187.23"), 187230000);
    CHECK_INT(parse_ok("0.0001"), 100);
    CHECK_INT(parse_ok("-5"), -5000000);
    CHECK_INT(parse_ok("+3.5"), 3500000);
    CHECK_INT(parse_ok("0.000001"), 1);
    CHECK_INT(parse_ok("-0.000001"), -1);
    CHECK_INT(parse_ok("0"), 0);
    CHECK_INT(parse_ok("9223372036854.775807"), INT64_MAX);
    CHECK_INT(parse_ok("-9223372036854.775808"), INT64_MIN);
}

TEST(parse_rejects_exponents_extra_decimals_and_garbage)
{
    CHECK(parse_fails("1e2"));
    CHECK(parse_fails("1.0000001"));
    CHECK(parse_fails(""));
    CHECK(parse_fails("-"));
    CHECK(parse_fails(".5"));
    CHECK(parse_fails("5."));
    CHECK(parse_fails(" 5"));
    CHECK(parse_fails("5 "));
    CHECK(parse_fails("1,000"));
    CHECK(parse_fails("abc"));
    CHECK(parse_fails("nan"));
}

TEST(parse_rejects_overflow)
{
    CHECK(parse_fails("9223372036854.775808"));
    CHECK(parse_fails("-9223372036854.775809"));
    CHECK(parse_fails("99999999999999999999"));
    CHECK(parse_fails("10000000000000"));
}

TEST(parse_n_reads_only_len_bytes)
{
    tb_money m = 0;
    CHECK_INT(tb_money_parse_n("12.5\"}", 4, &m, NULL), 0);
    CHECK_INT(m, 12500000);
}

TEST(format_trims_to_two_decimals_minimum)
{
    char b[TB_MONEY_FMT_MAX];
    CHECK_STR(tb_money_fmt(187230000, b, sizeof b), "187.23");
    CHECK_STR(tb_money_fmt(5000000, b, sizeof b), "5.00");
    CHECK_STR(tb_money_fmt(100, b, sizeof b), "0.0001");
    CHECK_STR(tb_money_fmt(-1, b, sizeof b), "-0.000001");
    CHECK_STR(tb_money_fmt(0, b, sizeof b), "0.00");
    CHECK_STR(tb_money_fmt(INT64_MIN, b, sizeof b), "-9223372036854.775808");
    CHECK_STR(tb_money_fmt(INT64_MAX, b, sizeof b), "9223372036854.775807");
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

TEST(format_then_parse_round_trips_random_values)
{
    char b[TB_MONEY_FMT_MAX];
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = next_rand();
        /* Mix full-range values with small, price-like ones. */
        tb_money m = (i & 1) ? (tb_money)r : (tb_money)(r % 2000000000ULL) - 1000000000;
        tb_money back = 0;
        if (tb_money_parse(tb_money_fmt(m, b, sizeof b), &back, NULL) != 0 || back != m) {
            if (bad++ < 5) TBT_FAIL("%lld -> \"%s\" -> %lld", (long long)m, b, (long long)back);
        }
    }
    CHECK_INT(bad, 0);
}

TEST(from_double_rounds_half_even_to_cents)
{
    tb_money m = 0;
    CHECK_INT(tb_money_from_double(0.125, TB_MONEY_CENT, &m, NULL), 0);
    CHECK_INT(m, 120000); /* exact tie: to even */
    CHECK_INT(tb_money_from_double(0.375, TB_MONEY_CENT, &m, NULL), 0);
    CHECK_INT(m, 380000);
    CHECK_INT(tb_money_from_double(-0.125, TB_MONEY_CENT, &m, NULL), 0);
    CHECK_INT(m, -120000);
    CHECK_INT(tb_money_from_double(187.23, TB_MONEY_CENT, &m, NULL), 0);
    CHECK_INT(m, 187230000);
    CHECK_INT(tb_money_from_double(187.23, 1, &m, NULL), 0);
    CHECK_INT(m, 187230000);
    CHECK_INT(tb_money_from_double(0.00015, 100, &m, NULL), 0); /* 0.000149999.. in binary */
    CHECK_INT(m, 100);
    CHECK_INT(tb_money_from_double(2.5e-6, 1, &m, NULL), 0); /* binary value just above 2.5 */
    CHECK_INT(m, 3);
}

TEST(from_double_rejects_nan_infinity_and_huge)
{
    tb_money m;
    CHECK_INT(tb_money_from_double(NAN, 1, &m, NULL), -1);
    CHECK_INT(tb_money_from_double(INFINITY, 1, &m, NULL), -1);
    CHECK_INT(tb_money_from_double(1e13, 1, &m, NULL), -1);
}

TEST(mul_qty_detects_overflow)
{
    tb_money m = 0;
    CHECK_INT(tb_money_mul_qty(187230000, 100, &m, NULL), 0);
    CHECK_INT(m, 18723000000LL);
    tb_err e = {{0}};
    CHECK_INT(tb_money_mul_qty(INT64_MAX / 2, 3, &m, &e), -1);
    CHECK_CONTAINS(e.msg, "overflows");
}

TEST(muldiv_rounds_half_even_both_signs)
{
    int64_t q = 0;
    CHECK_INT(tb_money_muldiv(5, 1, 2, &q, NULL), 0);
    CHECK_INT(q, 2);
    CHECK_INT(tb_money_muldiv(7, 1, 2, &q, NULL), 0);
    CHECK_INT(q, 4);
    CHECK_INT(tb_money_muldiv(-5, 1, 2, &q, NULL), 0);
    CHECK_INT(q, -2);
    CHECK_INT(tb_money_muldiv(-7, 1, 2, &q, NULL), 0);
    CHECK_INT(q, -4);
    CHECK_INT(tb_money_muldiv(10, 1, 3, &q, NULL), 0);
    CHECK_INT(q, 3);
    CHECK_INT(tb_money_muldiv(INT64_MAX, INT64_MAX, INT64_MAX, &q, NULL), 0);
    CHECK_INT(q, INT64_MAX);
    CHECK_INT(tb_money_muldiv(INT64_MAX, 2, 1, &q, NULL), -1);
}

TEST(tick_is_a_cent_above_a_dollar_and_a_hundredth_below)
{
    CHECK_INT(tb_money_tick(TB_USD(1, 0)), TB_MONEY_CENT);
    CHECK_INT(tb_money_tick(TB_USD(0, 999900)), 100);
    CHECK_INT(tb_money_round_to(TB_USD(10, 5000), TB_MONEY_CENT), TB_USD(10, 0));
    CHECK_INT(tb_money_round_to(TB_USD(10, 15000), TB_MONEY_CENT), TB_USD(10, 20000));
}

/* The reference: glibc's exact decimal rounding (half-even on the double's exact value). */
static tb_money reference_round(double d, int decimals)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*f", decimals, d);
    tb_money m = 0;
    tb_money_parse(buf, &m, NULL);
    return m;
}

TEST(fast_double_conversion_agrees_with_exact_decimal_rounding)
{
    uint64_t s = 12345;
    int bad = 0;
    for (int i = 0; i < 200000 && bad < 5; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double cents = (double)(s >> 40) / 100.0;            /* bar-like prices */
        double odd = (double)(s >> 20) / 1048576.0 * 1000.0; /* arbitrary doubles */
        double tie = (double)(s >> 44) / 100.0 + 0.00005;    /* near ties at 1e-4 */
        double vals[3] = {cents, odd, tie};
        for (int k = 0; k < 3; k++) {
            tb_money got;
            CHECK_INT(tb_money_from_double(vals[k], 100, &got, NULL), 0);
            tb_money want = reference_round(vals[k], 4);
            if (got != want) {
                bad++;
                TBT_FAIL("%.17g -> %lld, exact rounding gives %lld", vals[k], (long long)got,
                         (long long)want);
            }
        }
    }
}
