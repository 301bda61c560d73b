/*
 * bench_ind.c - indicator throughput: per indicator, ns per element for batch over N values
 * (default 10 million) and ns per streaming update; then the full indicator set updated for
 * 1,000 symbols on one bar (inputs in cache, as in the engine; then as before, fetched from the
 * series inside the timed loop). Usage: bench_ind [N [set]]; `set` times only the indicator set.
 * Figures go to docs/performance.md.
 */
#include "bench.h"
#include "ind/ind.h"
#include "ind/ind_set.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double *high, *low, *close_, *volume, *session;

static const double *input(const char *name)
{
    switch (name[0]) {
    case 'h': return high;
    case 'l': return low;
    case 'c': return close_;
    case 'v': return volume;
    default: return session;
    }
}

static double sink;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { SYMBOLS = 1000, WARM = 100, BARS = 200 };

/* Symbol s's bar b: its own stretch of the series (a different walk per symbol). */
static int bar_index(int s, int b, int n)
{
    return (int)(((long long)s * 7919 + b) % n);
}

/*
 * One bar for 1,000 symbols, BARS times after WARM bars of warm-up. gathered: each bar's inputs
 * are copied into one array before the clock starts, as the engine has them (a bar is in cache
 * when its symbol's set is updated: it was just parsed); otherwise every update also fetches its
 * four inputs from the 10-million-value series, four cache misses a symbol that are the
 * benchmark's, not the set's (the method of the figures before 2026-12-07).
 */
static void set_bench(int n, int gathered)
{
    ind_set_params p;
    ind_set_defaults(&p);
    ind_set **sets = malloc(sizeof *sets * SYMBOLS);
    double(*in)[4] = malloc(sizeof *in * SYMBOLS);
    for (int s = 0; s < SYMBOLS; s++) sets[s] = ind_set_new(&p);
    for (int b = 0; b < WARM; b++)
        for (int s = 0; s < SYMBOLS; s++) {
            int i = bar_index(s, b, n);
            ind_set_update(sets[s], close_[i], high[i], low[i], close_[i], volume[i], 1);
        }
    double total = 0, worst = 0, dts[BARS];
    for (int b = 0; b < BARS; b++) {
        if (gathered)
            for (int s = 0; s < SYMBOLS; s++) {
                int i = bar_index(s, WARM + b, n);
                in[s][0] = high[i], in[s][1] = low[i], in[s][2] = close_[i], in[s][3] = volume[i];
            }
        double t0 = bench_now();
        if (gathered)
            for (int s = 0; s < SYMBOLS; s++)
                ind_set_update(sets[s], in[s][2], in[s][0], in[s][1], in[s][2], in[s][3], 1);
        else
            for (int s = 0; s < SYMBOLS; s++) {
                int i = bar_index(s, WARM + b, n);
                ind_set_update(sets[s], close_[i], high[i], low[i], close_[i], volume[i], 1);
            }
        double dt = bench_now() - t0;
        total += dt;
        dts[b] = dt;
        if (dt > worst) worst = dt;
    }
    /* The median bar: on a shared machine the mean carries every bar another process took the
     * core during; the median and the best do not. */
    qsort(dts, BARS, sizeof dts[0], cmp_double);
    for (int s = 0; s < SYMBOLS; s++) {
        sink += ind_set_get(sets[s], IND_SET_RSI);
        ind_set_free(sets[s]);
    }
    free(sets);
    free(in);
    if (gathered)
        printf("indicator set, %d symbols, one bar: mean %.1f us, median %.1f us, best %.1f us, "
               "worst %.1f us (%d bars); set size %zu bytes\n",
               SYMBOLS, total / BARS * 1e6, dts[BARS / 2] * 1e6, dts[0] * 1e6, worst * 1e6, BARS,
               ind_set_size(&p));
    else
        printf("  (inputs fetched from the series inside the timed loop: mean %.1f us, median "
               "%.1f us, worst %.1f us)\n",
               total / BARS * 1e6, dts[BARS / 2] * 1e6, worst * 1e6);
}

/* Batch ns per element (best of 3 over n values) and streaming ns per update (ns updates through
 * the table's function pointers), one line per indicator. */
static void each_indicator(int n, int ns, double *const *out)
{
    printf("%-8s %14s %14s\n", "name", "batch ns/elem", "stream ns/upd");
    for (int t = 0; t < ind_count(); t++) {
        const ind_info *ind = ind_at(t);
        double opt[IND_MAX_PARAMS];
        ind_defaults(ind, opt);
        const double *in[IND_MAX_IO];
        for (int k = 0; k < ind->ninputs; k++) in[k] = input(ind->inputs[k]);
        ind->batch(n, in, opt, out); /* warm the pages */
        double best = 1e30;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = bench_now();
            ind->batch(n, in, opt, out);
            double dt = bench_now() - t0;
            if (dt < best) best = dt;
        }
        sink += out[0][n - 1];
        void *st = malloc(ind->size(opt));
        ind->init(st, opt);
        double x[IND_MAX_IO], y[IND_MAX_IO];
        double t0 = bench_now();
        for (int i = 0; i < ns; i++) {
            for (int k = 0; k < ind->ninputs; k++) x[k] = in[k][i];
            ind->update(st, x, y);
            sink += y[0];
        }
        double ds = bench_now() - t0;
        free(st);
        printf("%-8s %14.2f %14.2f\n", ind->name, best * 1e9 / n, ds * 1e9 / ns);
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10000000;
    int ns = n < 1000000 ? n : 1000000; /* streaming updates timed */
    high = malloc(sizeof(double) * n);
    low = malloc(sizeof(double) * n);
    close_ = malloc(sizeof(double) * n);
    volume = malloc(sizeof(double) * n);
    session = malloc(sizeof(double) * n);
    double px = 100.0;
    for (int i = 0; i < n; i++) {
        double open = px;
        px *= 1.0 + (bench_urand() - 0.5) * 0.01;
        close_[i] = px;
        high[i] = fmax(open, px) + bench_urand() * 0.2;
        low[i] = fmin(open, px) - bench_urand() * 0.2;
        volume[i] = floor(bench_urand() * 10000);
        session[i] = i / 390;
    }
    double *out[IND_MAX_IO];
    for (int k = 0; k < IND_MAX_IO; k++) out[k] = malloc(sizeof(double) * n);
    if (!(argc > 2 && strcmp(argv[2], "set") == 0)) each_indicator(n, ns, out);
    set_bench(n, 1);
    set_bench(n, 0);
    fprintf(stderr, "(checksum %g)\n", sink);
    return 0;
}
