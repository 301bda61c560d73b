/*
 * money.h - exact money and share quantities.
 *
 * Prices and amounts of money are int64 micro-dollars (tb_money, 1e-6 USD): a sub-penny quote
 * under $1 ($0.0001 ticks) is exact, and the range (+-9.2e12 USD) covers any account. Binary
 * floating point cannot hold 0.01 exactly, so sums of fills in double drift; integers do not.
 *
 * Quantities are int64 whole shares (tb_qty). IBKR trades US stocks in whole shares, and the
 * engine does not support fractional shares yet; a fractional qty in a broker message is an
 * error, not something to round. See docs/money.md.
 */
#ifndef TB_UTIL_MONEY_H
#define TB_UTIL_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef int64_t tb_money; /* micro-dollars */
typedef int64_t tb_qty;   /* whole shares */

#define TB_MONEY_SCALE    1000000LL /* micros per dollar */
#define TB_MONEY_CENT     10000LL   /* micros per cent */
#define TB_MONEY_DECIMALS 6
#define TB_MONEY_FMT_MAX  32 /* enough for any formatted tb_money, with the NUL */

/* Builds a tb_money from whole dollars and micros ("TB_USD(187, 230000)" is $187.23). */
#define TB_USD(dollars, micros) ((tb_money)(dollars)*TB_MONEY_SCALE + (tb_money)(micros))

/*
 * Parses a plain decimal string exactly: optional sign, at least one digit, optionally a point
 * followed by 1 to 6 digits ("187.23", "-5", "0.0001", "+3.5"). Rejected with an error: exponents
 * ("1e2"), more than 6 decimals, a leading or trailing point (".5", "5."), spaces, empty input
 * and values outside the int64 range. Reads exactly len bytes (for JSON fields).
 */
int tb_money_parse_n(const char *s, size_t len, tb_money *out, tb_err *e);

/* tb_money_parse_n over a NUL-terminated string. */
int tb_money_parse(const char *s, tb_money *out, tb_err *e);

/*
 * Formats m exactly: at least 2 decimals, trailing zeros beyond that trimmed ("187.23", "5.00",
 * "0.0001", "-0.000001"). tb_money_parse of the result gives m back. Returns buf; len should be
 * TB_MONEY_FMT_MAX.
 */
char *tb_money_fmt(tb_money m, char *buf, size_t len);

/*
 * Converts a double (a price from a bar) to micros rounded to a multiple of `unit` micros
 * (TB_MONEY_CENT for cents, 1 for micros), ties to even, on the double's exact binary value.
 * Fails on NaN, infinity and out-of-range values.
 */
int tb_money_from_double(double d, tb_money unit, tb_money *out, tb_err *e);

/* Nearest double (for display and indicator math, never for accounting). */
double tb_money_to_double(tb_money m);

/* *out = price * qty; fails on overflow. */
int tb_money_mul_qty(tb_money price, tb_qty qty, tb_money *out, tb_err *e);

/* *out = a + b; fails on overflow. */
int tb_money_add(tb_money a, tb_money b, tb_money *out, tb_err *e);

/* *out = a * num / den rounded half to even (den > 0); exact (128-bit); fails on overflow. */
int tb_money_muldiv(int64_t a, int64_t num, int64_t den, int64_t *out, tb_err *e);

/* Rounds m to a multiple of unit (> 0), ties to even. */
tb_money tb_money_round_to(tb_money m, tb_money unit);

/* The US equity tick for a price: $0.01 at or above $1.00, $0.0001 below (Reg NMS rule 612). */
tb_money tb_money_tick(tb_money price);

#endif
