/*
 * compare_talib_tulip.c - batch ns/element of our indicators beside TA-Lib's and Tulip
 * Indicators' C code, same machine, same run, same data. Built only by
 * bench/compare_talib_tulip.sh (which fetches those libraries into build/); not part of the
 * CMake build, and none of their code is in this repository.
 */
#include "ind/ind.h"

#include "indicators.h" /* Tulip */
#include "ta_libc.h"    /* TA-Lib */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int n, reps = 3;
static double *h, *l, *c, *v, *o0, *o1, *o2;

#define BEST(expr)                                                                                 \
    ({                                                                                             \
        double best_ = 1e30;                                                                       \
        for (int r_ = 0; r_ < reps; r_++) {                                                        \
            double t0_ = now();                                                                    \
            expr;                                                                                  \
            double dt_ = now() - t0_;                                                              \
            if (dt_ < best_) best_ = dt_;                                                          \
        }                                                                                          \
        best_ * 1e9 / n;                                                                           \
    })

static double ours(const char *name)
{
    const ind_info *ind = ind_find(name);
    double opt[IND_MAX_PARAMS];
    ind_defaults(ind, opt);
    const double *in[IND_MAX_IO];
    for (int k = 0; k < ind->ninputs; k++)
        in[k] = ind->inputs[k][0] == 'h'   ? h
                : ind->inputs[k][0] == 'l' ? l
                : ind->inputs[k][0] == 'v' ? v
                                           : c;
    double *out[3] = {o0, o1, o2};
    return BEST(ind->batch(n, in, opt, out));
}

static double tulip(int idx, const double *opt)
{
    const ti_indicator_info *ti = &ti_indicators[idx];
    const double *in[5];
    for (int k = 0; k < ti->inputs; k++) {
        const char *nm = ti->input_names[k];
        in[k] = !strcmp(nm, "high") ? h : !strcmp(nm, "low") ? l : !strcmp(nm, "volume") ? v : c;
    }
    double *out[3] = {o0, o1, o2};
    return BEST(ti->indicator(n, in, opt, out));
}

static int tidx(const char *name)
{
    return (int)(ti_find_indicator(name) - ti_indicators);
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atoi(argv[1]) : 10000000;
    if (argc > 2) reps = atoi(argv[2]); /* best of more on a busy machine */
    if (reps < 1) reps = 1;
    h = malloc(sizeof(double) * n);
    l = malloc(sizeof(double) * n);
    c = malloc(sizeof(double) * n);
    v = malloc(sizeof(double) * n);
    o0 = malloc(sizeof(double) * n);
    o1 = malloc(sizeof(double) * n);
    o2 = malloc(sizeof(double) * n);
    uint64_t s = 88172645463325252ull;
    double px = 100;
    for (int i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double u = (double)(s >> 11) / 9007199254740992.0, open = px;
        px *= 1 + (u - 0.5) * 0.01;
        c[i] = px;
        h[i] = fmax(open, px) + u * 0.2;
        l[i] = fmin(open, px) - (1 - u) * 0.2;
        v[i] = floor(u * 10000);
    }
    TA_Initialize();
    int b, nb;
    printf("%d values, ns per element (best of %d)\n", n, reps);
    printf("%-8s %8s %8s %8s\n", "name", "ours", "ta-lib", "tulip");
#define ROW(nm, ta_call, ti_name, ...)                                                             \
    do {                                                                                           \
        double topt[] = {__VA_ARGS__};                                                             \
        printf("%-8s %8.2f %8.2f %8.2f\n", nm, ours(nm), BEST(ta_call),                            \
               tulip(tidx(ti_name), topt));                                                        \
    } while (0)
    ROW("sma", TA_SMA(0, n - 1, c, 20, &b, &nb, o0), "sma", 20);
    ROW("ema", TA_EMA(0, n - 1, c, 20, &b, &nb, o0), "ema", 20);
    ROW("wma", TA_WMA(0, n - 1, c, 20, &b, &nb, o0), "wma", 20);
    ROW("rsi", TA_RSI(0, n - 1, c, 14, &b, &nb, o0), "rsi", 14);
    ROW("macd", TA_MACD(0, n - 1, c, 12, 26, 9, &b, &nb, o0, o1, o2), "macd", 12, 26, 9);
    ROW("atr", TA_ATR(0, n - 1, h, l, c, 14, &b, &nb, o0), "atr", 14);
    ROW("bbands", TA_BBANDS(0, n - 1, c, 20, 2, 2, TA_MAType_SMA, &b, &nb, o0, o1, o2), "bbands",
        20, 2);
    ROW("stoch",
        TA_STOCH(0, n - 1, h, l, c, 14, 3, TA_MAType_SMA, 3, TA_MAType_SMA, &b, &nb, o0, o1),
        "stoch", 14, 3, 3);
    ROW("adx", TA_ADX(0, n - 1, h, l, c, 14, &b, &nb, o0), "adx", 14);
    ROW("obv", TA_OBV(0, n - 1, c, v, &b, &nb, o0), "obv", 0);
    ROW("roc", TA_ROC(0, n - 1, c, 10, &b, &nb, o0), "roc", 10);
    return 0;
}
