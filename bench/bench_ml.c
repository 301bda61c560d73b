/*
 * bench_ml.c - ML hot path: ns per row of the C inference (tb_ml_model_predict) for a model of
 * 200 trees of depth 6 trained here with XGBoost on 13 features, next to XGBoost's own
 * XGBoosterPredict over the same rows; and ns per feature vector (tb_features_compute).
 * Usage: bench_ml [ROWS]. Figures go to docs/performance.md ("ML").
 */
#include "bench.h"
#include "ml/features.h"
#include "ml/model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <xgboost/c_api.h>

static void data(float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < TB_FEATURES_N; j++)
            x[i * TB_FEATURES_N + j] = bench_urand() < 0.02 ? NAN : (float)(bench_urand() * 2 - 1);
        double s = 0;
        for (int j = 0; j < 5; j++)
            s += isnan(x[i * TB_FEATURES_N + j]) ? 0 : x[i * TB_FEATURES_N + j];
        y[i] = s + (bench_urand() - 0.5) > 0;
    }
}

static const char *train_model(void)
{
    size_t n = 20000;
    float *x = malloc(n * TB_FEATURES_N * sizeof *x), *y = malloc(n * sizeof *y);
    data(x, y, n);
    DMatrixHandle d;
    BoosterHandle b;
    XGDMatrixCreateFromMat(x, n, TB_FEATURES_N, NAN, &d);
    XGDMatrixSetFloatInfo(d, "label", y, n);
    XGBoosterCreate(&d, 1, &b);
    XGBoosterSetParam(b, "objective", "binary:logistic");
    XGBoosterSetParam(b, "max_depth", "6");
    XGBoosterSetParam(b, "verbosity", "0");
    for (int i = 0; i < 200; i++) XGBoosterUpdateOneIter(b, i, d);
    static const char path[] = "/tmp/bench_ml_model.json";
    XGBoosterSaveModel(b, path);
    XGBoosterFree(b);
    XGDMatrixFree(d);
    free(x), free(y);
    return path;
}

static double sink;

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? (size_t)atol(argv[1]) : 200000;
    const char *path = train_model();
    tb_ml_model m;
    tb_err e;
    if (tb_ml_model_load(&m, path, &e) != 0) {
        fprintf(stderr, "bench_ml: %s\n", e.msg);
        return 1;
    }
    float *x = malloc(rows * TB_FEATURES_N * sizeof *x), *y = malloc(rows * sizeof *y);
    data(x, y, rows);
    double t0 = bench_now();
    for (size_t i = 0; i < rows; i++) sink += tb_ml_model_predict(&m, x + i * TB_FEATURES_N);
    double t1 = bench_now();
    printf("model: %d trees, max depth %d, %d nodes, %d features\n", m.ntrees, m.max_depth,
           m.nnodes, m.nfeat);
    printf("%-44s %8.0f ns/row (%zu rows)\n", "tb_ml_model_predict (C, one row a call)",
           (t1 - t0) / (double)rows * 1e9, rows);
    DMatrixHandle d;
    BoosterHandle b;
    XGBoosterCreate(NULL, 0, &b);
    XGBoosterLoadModel(b, path);
    bst_ulong len;
    const float *out;
    t0 = bench_now();
    XGDMatrixCreateFromMat(x, rows, TB_FEATURES_N, NAN, &d);
    XGBoosterPredict(b, d, 0, 0, 0, &len, &out);
    t1 = bench_now();
    printf("%-44s %8.0f ns/row (batch of %zu, all cores)\n", "XGBoosterPredict (libxgboost)",
           (t1 - t0) / (double)rows * 1e9, rows);
    size_t one = rows < 2000 ? rows : 2000;
    t0 = bench_now();
    for (size_t i = 0; i < one; i++) {
        DMatrixHandle d1;
        XGDMatrixCreateFromMat(x + i * TB_FEATURES_N, 1, TB_FEATURES_N, NAN, &d1);
        XGBoosterPredict(b, d1, 0, 0, 0, &len, &out);
        sink += out[0];
        XGDMatrixFree(d1);
    }
    t1 = bench_now();
    printf("%-44s %8.0f ns/row (%zu rows)\n", "XGBoosterPredict, one row a call",
           (t1 - t0) / (double)one * 1e9, one);
    XGDMatrixFree(d);
    XGBoosterFree(b);

    ind_set_params p;
    ind_set_defaults(&p);
    ind_set *ind = ind_set_new(&p);
    tb_ring r;
    tb_ring_init(&r, 512, &e);
    double px = 100;
    for (int i = 0; i < 600; i++) {
        px *= 1 + (bench_urand() - 0.5) * 0.002;
        tb_bar bar = {.start_ns = 1767623400000000000LL + i * 60000000000LL,
                      .open = px,
                      .high = px + 0.1,
                      .low = px - 0.1,
                      .close = px,
                      .volume = 1000 + bench_urand() * 500,
                      .tf_sec = 60};
        ind_set_update(ind, bar.open, bar.high, bar.low, bar.close, bar.volume, 1);
        tb_ring_push(&r, &bar);
    }
    tb_feature_ctx cx = {
        .prev_close = 99, .session_open = 100, .vix = NAN, .now_ns = 1767640000000000000LL};
    float f[TB_FEATURES_N];
    size_t nf = 2000000;
    t0 = bench_now();
    for (size_t i = 0; i < nf; i++) {
        cx.now_ns += 60000000000LL;
        tb_features_compute(ind, &r, &cx, f);
        sink += f[0];
    }
    t1 = bench_now();
    printf("%-44s %8.0f ns/vector (%d features)\n", "tb_features_compute",
           (t1 - t0) / (double)nf * 1e9, TB_FEATURES_N);
    printf("(checksum %g)\n", sink);
    tb_ml_model_free(&m);
    ind_set_free(ind);
    tb_ring_free(&r);
    free(x), free(y);
    return 0;
}
