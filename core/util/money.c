#include "util/money.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int tb_money_parse_n(const char *s, size_t len, tb_money *out, tb_err *e)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    size_t int_start = i;
    /* Accumulate the magnitude negatively so INT64_MIN parses too. */
    int64_t acc = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (__builtin_mul_overflow(acc, 10, &acc) || __builtin_sub_overflow(acc, s[i] - '0', &acc))
            return tb_errf(e, "money \"%.*s\": out of range", (int)len, s);
        i++;
    }
    if (i == int_start) return tb_errf(e, "money \"%.*s\": expected a digit", (int)len, s);
    int decimals = 0;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (++decimals > TB_MONEY_DECIMALS)
                return tb_errf(e, "money \"%.*s\": more than %d decimals", (int)len, s,
                               TB_MONEY_DECIMALS);
            if (__builtin_mul_overflow(acc, 10, &acc) ||
                __builtin_sub_overflow(acc, s[i] - '0', &acc))
                return tb_errf(e, "money \"%.*s\": out of range", (int)len, s);
            i++;
        }
        if (decimals == 0)
            return tb_errf(e, "money \"%.*s\": expected a digit after the point", (int)len, s);
    }
    if (i != len)
        return tb_errf(e, "money \"%.*s\": unexpected '%c' (plain decimals only)", (int)len, s,
                       s[i]);
    for (int d = decimals; d < TB_MONEY_DECIMALS; d++)
        if (__builtin_mul_overflow(acc, 10, &acc))
            return tb_errf(e, "money \"%.*s\": out of range", (int)len, s);
    if (!neg) {
        if (acc == INT64_MIN) return tb_errf(e, "money \"%.*s\": out of range", (int)len, s);
        acc = -acc;
    }
    *out = acc;
    return 0;
}

int tb_money_parse(const char *s, tb_money *out, tb_err *e)
{
    if (!s) return tb_errf(e, "money: no string");
    return tb_money_parse_n(s, strlen(s), out, e);
}

char *tb_money_fmt(tb_money m, char *buf, size_t len)
{
    uint64_t mag = m < 0 ? (uint64_t)0 - (uint64_t)m : (uint64_t)m;
    uint64_t whole = mag / TB_MONEY_SCALE, frac = mag % TB_MONEY_SCALE;
    char fr[8];
    snprintf(fr, sizeof fr, "%06llu", (unsigned long long)frac);
    int n = 6;
    while (n > 2 && fr[n - 1] == '0') n--;
    fr[n] = 0;
    snprintf(buf, len, "%s%llu.%s", m < 0 ? "-" : "", (unsigned long long)whole, fr);
    return buf;
}

int tb_money_from_double(double d, tb_money unit, tb_money *out, tb_err *e)
{
    if (!isfinite(d)) return tb_errf(e, "money from double: not a finite number");
    if (fabs(d) >= 9.2e12) return tb_errf(e, "money from double: %g out of range", d);
    if (unit <= 0) return tb_errf(e, "money from double: unit must be positive");
    /* Fast path (bar prices, every bar): when unit divides a micro-dollar million, d * steps is
     * within 2^-13 of the exact product for |d * steps| < 2^40, so unless it lies within 1e-3 of
     * a tie, rounding it gives the same integer as rounding the exact value. */
    if (TB_MONEY_SCALE % unit == 0) {
        double steps = (double)(TB_MONEY_SCALE / unit), v = d * steps;
        if (fabs(v) < 1099511627776.0) {
            double r = nearbyint(v);
            if (fabs(fabs(v - r) - 0.5) > 1e-3) {
                *out = (tb_money)r * unit;
                return 0;
            }
        }
    }
    /* glibc prints the exact decimal expansion of a double and rounds it to nearest, ties to
     * even: "%.6f" is the exact half-even rounding to micros without any float arithmetic. */
    char buf[64];
    snprintf(buf, sizeof buf, "%.6f", d);
    tb_money m;
    if (tb_money_parse(buf, &m, e) < 0) return -1;
    if (unit > 1) {
        /* A second rounding would break ties wrongly (0.125000 is a tie at cents, 0.1250001 is
         * not); so round the exact value to the coarser unit directly when it is a power of 10. */
        int dec = 6;
        for (tb_money u = unit; u > 1 && u % 10 == 0; u /= 10) dec--;
        int64_t pow10 = 1;
        for (int k = dec; k < 6; k++) pow10 *= 10;
        if (pow10 == unit) {
            snprintf(buf, sizeof buf, "%.*f", dec, d);
            return tb_money_parse(buf, out, e);
        }
        m = tb_money_round_to(m, unit);
    }
    *out = m;
    return 0;
}

double tb_money_to_double(tb_money m)
{
    return (double)m / (double)TB_MONEY_SCALE;
}

int tb_money_mul_qty(tb_money price, tb_qty qty, tb_money *out, tb_err *e)
{
    if (__builtin_mul_overflow(price, qty, out))
        return tb_errf(e, "money: %lld micros x %lld shares overflows", (long long)price,
                       (long long)qty);
    return 0;
}

int tb_money_add(tb_money a, tb_money b, tb_money *out, tb_err *e)
{
    if (__builtin_add_overflow(a, b, out)) return tb_errf(e, "money: sum overflows");
    return 0;
}

int tb_money_muldiv(int64_t a, int64_t num, int64_t den, int64_t *out, tb_err *e)
{
    if (den <= 0) return tb_errf(e, "money: division by %lld", (long long)den);
    __int128 p = (__int128)a * num;
    __int128 q = p / den, r = p % den;
    if (r != 0) {
        __int128 twice = r < 0 ? -2 * r : 2 * r;
        if (twice > den || (twice == den && (q & 1))) q += (p < 0) ? -1 : 1;
    }
    if (q > INT64_MAX || q < INT64_MIN) return tb_errf(e, "money: product overflows");
    *out = (int64_t)q;
    return 0;
}

tb_money tb_money_round_to(tb_money m, tb_money unit)
{
    int64_t q;
    if (tb_money_muldiv(m, 1, unit, &q, NULL) < 0) return m;
    return q * unit;
}

tb_money tb_money_tick(tb_money price)
{
    return price >= TB_MONEY_SCALE ? TB_MONEY_CENT : 100;
}
