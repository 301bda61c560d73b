/*
 * ml_testutil.h - helpers for the ML tests: a symbol's state fed with synthetic minute bars of
 * one session, and small XGBoost models trained in the test itself.
 */
#ifndef ML_TESTUTIL_H
#define ML_TESTUTIL_H

#include "data/calendar.h"
#include "ml/features.h"
#include "ml/schema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xgboost/c_api.h>

static inline int mlt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    return remove(path);
}

/* Removes a test's temporary folder and everything in it. */
static inline void mlt_rmtree(const char *dir)
{
    if (dir && dir[0]) nftw(dir, mlt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Deterministic pseudo-random numbers in [0, 1). */
static inline double mlt_rand(unsigned long long *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

/* The minute bar i of 2026-01-05's session (09:30 ET + i minutes). */
static inline tb_bar mlt_bar(int i, double close, double vol)
{
    tb_bar b = {0};
    b.start_ns = tb_cal_local_to_ns(tb_date_from_ymd(2026, 1, 5), 9 * 3600 + 1800 + i * 60);
    b.open = close - 0.05, b.high = close + 0.1, b.low = close - 0.1, b.close = close;
    b.volume = vol, b.tf_sec = 60;
    return b;
}

/* Rows of nfeat features (a few NaN) whose label depends on features 0 and 4. */
static inline void mlt_data(size_t n, int nfeat, float *x, float *y, unsigned long long seed)
{
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < nfeat; j++) {
            double v = mlt_rand(&seed);
            x[i * nfeat + j] = v < 0.03 ? NAN : (float)(v * 2 - 1);
        }
        float a = x[i * nfeat], b = x[i * nfeat + 4 % nfeat];
        double noise = mlt_rand(&seed) * 0.6 - 0.3;
        y[i] = (isnan(a) ? 0.2f : a) + (isnan(b) ? 0 : b) * 0.5f + noise > 0 ? 1.0f : 0.0f;
    }
}

/* Trains a booster (binary:logistic) on x/y; returns it (free with XGBoosterFree). */
static inline BoosterHandle mlt_train(const float *x, const float *y, size_t n, int nfeat,
                                      int rounds, int depth)
{
    DMatrixHandle d;
    BoosterHandle b;
    char buf[16];
    XGDMatrixCreateFromMat(x, n, (bst_ulong)nfeat, NAN, &d);
    XGDMatrixSetFloatInfo(d, "label", y, n);
    XGBoosterCreate(&d, 1, &b);
    XGBoosterSetParam(b, "objective", "binary:logistic");
    snprintf(buf, sizeof buf, "%d", depth);
    XGBoosterSetParam(b, "max_depth", buf);
    XGBoosterSetParam(b, "nthread", "1");
    XGBoosterSetParam(b, "verbosity", "0");
    for (int i = 0; i < rounds; i++) XGBoosterUpdateOneIter(b, i, d);
    XGDMatrixFree(d);
    return b;
}

/* A model folder dir/{model.json, feature_schema.json} over the live features. */
static inline int mlt_model_dir(const char *dir, int rounds, unsigned long long seed)
{
    size_t n = 600;
    float *x = malloc(n * TB_FEATURES_N * sizeof *x), *y = malloc(n * sizeof *y);
    mlt_data(n, TB_FEATURES_N, x, y, seed);
    BoosterHandle b = mlt_train(x, y, n, TB_FEATURES_N, rounds, 3);
    char path[512];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/model.json", dir);
    int rc = XGBoosterSaveModel(b, path);
    XGBoosterFree(b);
    free(x), free(y);
    snprintf(path, sizeof path, "%s/feature_schema.json", dir);
    tb_err e;
    return rc == 0 ? tb_ml_schema_write_live(path, &e) : -1;
}

/* Writes a schema with these names (types "float") and a correct hash. */
static inline void mlt_write_schema(const char *path, const char *const *names, int n)
{
    const char *types[TB_ML_SCHEMA_MAX];
    for (int i = 0; i < n; i++) types[i] = "float";
    FILE *f = fopen(path, "w");
    fprintf(f, "{\"version\": 1, \"hash\": \"%016llx\", \"features\": [",
            (unsigned long long)tb_features_hash_of(names, types, n));
    for (int i = 0; i < n; i++)
        fprintf(f, "%s{\"name\": \"%s\", \"type\": \"float\", \"index\": %d}", i ? ", " : "",
                names[i], i);
    fprintf(f, "]}\n");
    fclose(f);
}

/* What the runtime reads the features from: the default indicator set and 512 bars of one
 * symbol. */
typedef struct feed {
    ind_set *ind;
    tb_ring ring;
} feed;

static inline void feed_init(feed *f)
{
    ind_set_params p;
    ind_set_defaults(&p);
    f->ind = ind_set_new(&p);
    tb_err e;
    if (tb_ring_init(&f->ring, 512, &e) != 0) TBT_FAIL("ring: %s", e.msg);
}

/* One bar into the indicators (session day) and the ring. */
static inline void feed_push(feed *f, const tb_bar *b, int32_t day)
{
    ind_set_update(f->ind, b->open, b->high, b->low, b->close, b->volume, day);
    tb_ring_push(&f->ring, b);
}

static inline void feed_free(feed *f)
{
    ind_set_free(f->ind);
    tb_ring_free(&f->ring);
}

#endif
