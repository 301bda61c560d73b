/*
 * gen_ind_reference.c - writes tests/data/ind_reference.h: a fixed synthetic HLCV series and
 * TA-Lib's outputs for it. Not part of the build: it needs TA-Lib, which is never in the repo.
 * bench/compare_talib_tulip.sh --gen-reference fetches TA-Lib (npm `talib`) into build/, builds
 * this against it and rewrites the header. See docs/indicators.md, "Reference values".
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ta_libc.h"

#define N 120

static double h[N], l[N], c[N], v[N];

/* xorshift64*: deterministic on every platform, no libc rand(). */
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static double uniform(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* A random walk around 100 with intrabar ranges, and bars 60..75 completely flat (zero range,
 * zero change) so the divide-by-zero conventions are exercised. A bar opens at the previous
 * close (100 for the first); no reference indicator reads the open, so it is not written. */
static void make_series(void)
{
    double px = 100.0;
    for (int i = 0; i < N; i++) {
        if (i >= 60 && i <= 75) {
            h[i] = l[i] = c[i] = px;
            v[i] = 1000.0;
            continue;
        }
        double open = px;
        px *= 1.0 + (uniform() - 0.5) * 0.04;
        px = round(px * 100.0) / 100.0;
        c[i] = px;
        h[i] = round((fmax(open, px) + uniform() * 1.0) * 100.0) / 100.0;
        l[i] = round((fmin(open, px) - uniform() * 1.0) * 100.0) / 100.0;
        v[i] = floor(1000.0 + uniform() * 9000.0);
    }
}

/* Every series written so far, so that one TA-Lib computes bit for bit the same as another (the
 * middle Bollinger band is the SMA) is written once and named again by a #define. */
static int nseries;
static char series_name[64][32];
static double series_val[64][N];

/* Writes x (the nb values TA-Lib returned from beg on) as a full-length array with NAN before
 * beg, one value a line, so that neither the lookbacks nor the flat stretch of the series
 * stand as runs of identical lines. */
static void put_array(const char *name, const double *x, int beg, int nb)
{
    double full[N];
    for (int i = 0; i < N; i++) full[i] = (i < beg || i >= beg + nb) ? NAN : x[i - beg];
    for (int j = 0; j < nseries; j++) {
        int same = 1;
        for (int i = 0; i < N && same; i++)
            same = (isnan(full[i]) && isnan(series_val[j][i])) || full[i] == series_val[j][i];
        if (same) {
            printf("#define %s %s /* the same values */\n", name, series_name[j]);
            return;
        }
    }
    snprintf(series_name[nseries], sizeof series_name[0], "%s", name);
    memcpy(series_val[nseries++], full, sizeof full);
    printf("static const double %s[%d] = {", name, N);
    for (int i = 0; i < N; i++) {
        int j = i; /* a run of equal values (a lookback, the flat stretch) is one GNU C range */
        while (j + 1 < N && (isnan(full[i]) ? isnan(full[j + 1]) : full[j + 1] == full[i])) j++;
        printf("\n    ");
        if (j > i) printf("[%d ... %d] = ", i, j);
        if (isnan(full[i]))
            printf("NAN,");
        else
            printf("%.17g,", full[i]);
        i = j;
    }
    printf("\n};\n");
}

/* Writes the outputs id_0, id_1 ... of one TA-Lib call that share its beg and nb. */
static void put_outputs(const char *id, int nout, double out[][N], int beg, int nb)
{
    for (int k = 0; k < nout; k++) {
        char name[32];
        snprintf(name, sizeof name, "%s_%d", id, k);
        put_array(name, out[k], beg, nb);
    }
}

static int ncases;
static char cases[64][256];

static void add_case(const char *name, const char *id, int nopt, const double *opt, int nout)
{
    char *p = cases[ncases++];
    p += sprintf(p, "    {\"%s\", {", name);
    for (int k = 0; k < nopt; k++) p += sprintf(p, "%.17g, ", opt[k]);
    p += sprintf(p, "}, %d, {", nout);
    for (int k = 0; k < nout; k++) p += sprintf(p, "%s_%d, ", id, k);
    sprintf(p, "}},");
}

#define ONE(fn, name, id, per)                                                                     \
    do {                                                                                           \
        double out[N], opt[1] = {per};                                                             \
        int beg, nb;                                                                               \
        fn(0, N - 1, c, per, &beg, &nb, out);                                                      \
        put_array(id "_0", out, beg, nb);                                                          \
        add_case(name, id, 1, opt, 1);                                                             \
    } while (0)

#define HLC(fn, name, id, per, k)                                                                  \
    do {                                                                                           \
        double out[N];                                                                             \
        int beg, nb;                                                                               \
        fn(0, N - 1, h, l, c, per, &beg, &nb, out);                                                \
        put_array(id "_" #k, out, beg, nb);                                                        \
    } while (0)

int main(void)
{
    TA_Initialize();
    make_series();
    printf("/* Generated by tests/data/gen_ind_reference.c with TA-Lib %s (npm talib).\n"
           " * Do not edit; see docs/indicators.md, \"Reference values\". */\n",
           "0.6.0-dev");
    printf("/* clang-format off */\n"); /* it would pack the values into columns */
    printf("#define REF_N %d\n", N);
    put_array("ref_high", h, 0, N);
    put_array("ref_low", l, 0, N);
    put_array("ref_close", c, 0, N);
    put_array("ref_volume", v, 0, N);

    ONE(TA_SMA, "sma", "sma20", 20);
    ONE(TA_SMA, "sma", "sma5", 5);
    ONE(TA_EMA, "ema", "ema20", 20);
    ONE(TA_EMA, "ema", "ema5", 5);
    ONE(TA_WMA, "wma", "wma20", 20);
    ONE(TA_WMA, "wma", "wma7", 7);
    ONE(TA_RSI, "rsi", "rsi14", 14);
    ONE(TA_RSI, "rsi", "rsi3", 3);
    ONE(TA_ROC, "roc", "roc10", 10);
    ONE(TA_ROC, "roc", "roc1", 1);
    {
        double out[3][N];
        int beg, nb;
        double sets[2][3] = {{12, 26, 9}, {5, 13, 4}};
        const char *ids[2] = {"macd12", "macd5"};
        for (int j = 0; j < 2; j++) {
            TA_MACD(0, N - 1, c, (int)sets[j][0], (int)sets[j][1], (int)sets[j][2], &beg, &nb,
                    out[0], out[1], out[2]);
            put_outputs(ids[j], 3, out, beg, nb);
            add_case("macd", ids[j], 3, sets[j], 3);
        }
    }
    {
        double out[3][N];
        int beg, nb;
        double sets[2][2] = {{20, 2}, {10, 1.5}};
        const char *ids[2] = {"bb20", "bb10"};
        for (int j = 0; j < 2; j++) {
            TA_BBANDS(0, N - 1, c, (int)sets[j][0], sets[j][1], sets[j][1], TA_MAType_SMA, &beg,
                      &nb, out[0], out[1], out[2]);
            put_outputs(ids[j], 3, out, beg, nb);
            add_case("bbands", ids[j], 2, sets[j], 3);
        }
    }
    {
        double out[2][N];
        int beg, nb;
        double sets[2][3] = {{14, 3, 3}, {5, 1, 4}};
        const char *ids[2] = {"stoch14", "stoch5"};
        for (int j = 0; j < 2; j++) {
            TA_STOCH(0, N - 1, h, l, c, (int)sets[j][0], (int)sets[j][1], TA_MAType_SMA,
                     (int)sets[j][2], TA_MAType_SMA, &beg, &nb, out[0], out[1]);
            put_outputs(ids[j], 2, out, beg, nb);
            add_case("stoch", ids[j], 3, sets[j], 2);
        }
    }
    {
        double opt[1];
        HLC(TA_ATR, "atr", "atr14", 14, 0);
        opt[0] = 14;
        add_case("atr", "atr14", 1, opt, 1);
        HLC(TA_ATR, "atr", "atr5", 5, 0);
        opt[0] = 5;
        add_case("atr", "atr5", 1, opt, 1);
        HLC(TA_ADX, "adx", "adx14", 14, 0);
        HLC(TA_PLUS_DI, "adx", "adx14", 14, 1);
        HLC(TA_MINUS_DI, "adx", "adx14", 14, 2);
        opt[0] = 14;
        add_case("adx", "adx14", 1, opt, 3);
        HLC(TA_ADX, "adx", "adx5", 5, 0);
        HLC(TA_PLUS_DI, "adx", "adx5", 5, 1);
        HLC(TA_MINUS_DI, "adx", "adx5", 5, 2);
        opt[0] = 5;
        add_case("adx", "adx5", 1, opt, 3);
    }
    {
        double out[N];
        int beg, nb;
        TA_OBV(0, N - 1, c, v, &beg, &nb, out);
        put_array("obv_0", out, beg, nb);
        add_case("obv", "obv", 0, NULL, 1);
    }
    printf("struct ref_case {\n    const char *name;\n    double opt[4];\n    int nout;\n"
           "    const double *out[3];\n};\n");
    printf("static const struct ref_case ref_cases[] = {\n");
    for (int i = 0; i < ncases; i++) printf("%s\n", cases[i]);
    printf("};\n");
    printf("/* clang-format on */\n");
    return 0;
}
