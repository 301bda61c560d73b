/*
 * ind_testutil.h - helpers for the indicator tests: run a table row in batch or streaming mode
 * over arrays picked by input name. Include after tbtest.h.
 */
#ifndef IND_TESTUTIL_H
#define IND_TESTUTIL_H

#include "ind/ind.h"

#include <stdint.h>
#include <stdlib.h>

/* Input arrays by name; session ids default to one session. */
struct series {
    int n;
    double *high, *low, *close, *volume, *session;
};

static __attribute__((unused)) const double *series_input(const struct series *s, const char *name)
{
    if (!strcmp(name, "high")) return s->high;
    if (!strcmp(name, "low")) return s->low;
    if (!strcmp(name, "close")) return s->close;
    if (!strcmp(name, "volume")) return s->volume;
    if (!strcmp(name, "session")) return s->session;
    return NULL;
}

/* Streaming run of one row: out[k][i] is output k after bar i. Returns skipped bars. */
static __attribute__((unused)) int run_stream(const ind_info *ind, const double *const *in, int n,
                                              const double *opt, double *const *out)
{
    size_t bytes = ind->size(opt);
    void *st = malloc(bytes);
    int skipped = 0;
    if (!st || ind->init(st, opt) < 0) {
        free(st);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        double x[IND_MAX_IO], y[IND_MAX_IO];
        for (int k = 0; k < ind->ninputs; k++) x[k] = in[k][i];
        int rc = ind->update(st, x, y);
        if (rc == IND_EINPUT) skipped++;
        for (int k = 0; k < ind->noutputs; k++) out[k][i] = y[k];
    }
    free(st);
    return skipped;
}

struct outs {
    double *a[IND_MAX_IO];
};

static __attribute__((unused)) struct outs outs_new(int n)
{
    struct outs o;
    for (int k = 0; k < IND_MAX_IO; k++) o.a[k] = malloc(sizeof(double) * (size_t)(n ? n : 1));
    return o;
}

static __attribute__((unused)) void outs_free(struct outs *o)
{
    for (int k = 0; k < IND_MAX_IO; k++) free(o->a[k]);
}

static uint64_t test_rng;
static __attribute__((unused)) double urand(void)
{
    test_rng ^= test_rng >> 12;
    test_rng ^= test_rng << 25;
    test_rng ^= test_rng >> 27;
    return (double)((test_rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* A random OHLCV walk; with `flat` > 0, runs of identical bars appear with that probability. */
static __attribute__((unused)) struct series series_random(int n, uint64_t seed, double flat)
{
    struct series s = {n,
                       malloc(sizeof(double) * n),
                       malloc(sizeof(double) * n),
                       malloc(sizeof(double) * n),
                       malloc(sizeof(double) * n),
                       malloc(sizeof(double) * n)};
    test_rng = seed | 1;
    double px = 50.0 + urand() * 100.0, sess = 1;
    for (int i = 0; i < n; i++) {
        if (i > 0 && urand() < flat) {
            s.high[i] = s.high[i - 1];
            s.low[i] = s.low[i - 1];
            s.close[i] = s.close[i - 1];
            s.volume[i] = s.volume[i - 1];
        } else {
            double open = px;
            px *= 1.0 + (urand() - 0.5) * 0.03;
            s.close[i] = px;
            s.high[i] = fmax(open, px) + urand() * 0.5;
            s.low[i] = fmin(open, px) - urand() * 0.5;
            s.volume[i] = floor(urand() * 10000.0);
        }
        if (urand() < 0.02) sess++;
        s.session[i] = sess;
    }
    return s;
}

static __attribute__((unused)) void series_free(struct series *s)
{
    free(s->high);
    free(s->low);
    free(s->close);
    free(s->volume);
    free(s->session);
}

#endif
