/*
 * test_ml_model.c - inference from the XGBoost JSON model equals libxgboost's own predictions,
 * a corrupt or incompatible model is refused with a clear error, and the engine's model swap
 * keeps the previous model when the new one is refused.
 */
#include "tbtest.h"
#include "ml_testutil.h"
#include "engine/engine_ml.h"
#include "home/home.h"
#include "ml/model.h"
#include "store/db.h"

#include <unistd.h>

static char tmpdir[64];

static const char *tmp_path(const char *name)
{
    static char buf[4][256];
    static int k;
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/tb-mlmodel-XXXXXX");
        if (!mkdtemp(tmpdir)) abort();
    }
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
    return buf[k];
}

static void compare_with_xgboost(int rounds, int depth, const char *base_score)
{
    size_t n = 1500, nf = TB_FEATURES_N;
    float *x = malloc(n * nf * sizeof *x), *y = malloc(n * sizeof *y);
    mlt_data(n, (int)nf, x, y, 7);
    DMatrixHandle d;
    XGDMatrixCreateFromMat(x, n, nf, NAN, &d);
    XGDMatrixSetFloatInfo(d, "label", y, n);
    BoosterHandle b;
    XGBoosterCreate(&d, 1, &b);
    XGBoosterSetParam(b, "objective", "binary:logistic");
    char buf[16];
    snprintf(buf, sizeof buf, "%d", depth);
    XGBoosterSetParam(b, "max_depth", buf);
    XGBoosterSetParam(b, "nthread", "1");
    XGBoosterSetParam(b, "verbosity", "0");
    if (base_score) XGBoosterSetParam(b, "base_score", base_score);
    for (int i = 0; i < rounds; i++) XGBoosterUpdateOneIter(b, i, d);
    const char *path = tmp_path("cmp.json");
    CHECK_INT(XGBoosterSaveModel(b, path), 0);
    /* fresh rows, NaN included, none of them seen in training */
    float *q = malloc(n * nf * sizeof *q), *qy = malloc(n * sizeof *qy);
    mlt_data(n, (int)nf, q, qy, 99);
    DMatrixHandle dq;
    XGDMatrixCreateFromMat(q, n, nf, NAN, &dq);
    bst_ulong len;
    const float *ref;
    CHECK_INT(XGBoosterPredict(b, dq, 0, 0, 0, &len, &ref), 0);
    tb_ml_model m;
    tb_err e;
    CHECK_INT(tb_ml_model_load(&m, path, &e), 0);
    CHECK_INT(m.ntrees, rounds);
    CHECK_INT(m.nfeat, TB_FEATURES_N);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double diff = fabs(tb_ml_model_predict(&m, q + i * nf) - ref[i]);
        if (diff > worst) worst = diff;
    }
    if (worst > 1e-6) TBT_FAIL("max |ours - xgboost| = %g over %zu rows", worst, n);
    tb_ml_model_free(&m);
    XGDMatrixFree(dq);
    XGDMatrixFree(d);
    XGBoosterFree(b);
    free(x), free(y), free(q), free(qy);
}

TEST(inference_equals_libxgboost_to_1e6)
{
    compare_with_xgboost(60, 4, NULL);
}

TEST(inference_equals_libxgboost_200_trees_depth_6_and_another_base_score)
{
    compare_with_xgboost(200, 6, "0.3");
}

TEST(corrupt_or_incompatible_models_are_refused_with_the_reason)
{
    const char *dir = tmp_path("good");
    CHECK_INT(mlt_model_dir(dir, 5, 1), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/model.json", dir);
    FILE *f = fopen(path, "r");
    char *text = malloc(1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    text[n] = '\0';
    tb_ml_model m;
    tb_err e;
    CHECK_INT(tb_ml_model_parse(&m, text, n / 2, "half.json", &e), -1); /* truncated */
    CHECK_CONTAINS(e.msg, "half.json");
    CHECK_INT(tb_ml_model_parse(&m, "{\"version\": [1, 7, 4]}", 22, "x.json", &e), -1);
    CHECK_CONTAINS(e.msg, "objective");
    char *obj = strstr(text, "binary:logistic");
    memcpy(obj, "reg:squarederro", 15);
    CHECK_INT(tb_ml_model_parse(&m, text, n, "sq.json", &e), -1);
    CHECK_CONTAINS(e.msg, "objective reg:squarederro is not supported");
    memcpy(obj, "binary:logistic", 15);
    char *child = strstr(text, "\"left_children\":[");
    CHECK(child && child[17] == '1');
    if (child) child[17] = '0'; /* the root its own child: a loop */
    CHECK_INT(tb_ml_model_parse(&m, text, n, "idx.json", &e), -1);
    CHECK_CONTAINS(e.msg, "out of range");
    free(text);
    /* a schema listing another number of columns than the model reads */
    const char *two[] = {"ret_1", "ret_5"};
    snprintf(path, sizeof path, "%s/feature_schema.json", dir);
    mlt_write_schema(path, two, 2);
    tb_ml_loaded l;
    CHECK_INT(tb_ml_load_dir(&l, dir, &e), -1);
    CHECK_CONTAINS(e.msg, "lists 2");
}

static void point_current(const char *home, const char *name)
{
    char link[512], tmp[512];
    snprintf(link, sizeof link, "%s/ml_db/models/current", home);
    snprintf(tmp, sizeof tmp, "%s.tmp", link);
    unlink(tmp);
    CHECK_INT(symlink(name, tmp), 0);
    CHECK_INT(rename(tmp, link), 0);
}

TEST(engine_swaps_models_and_keeps_the_previous_one_when_the_new_one_is_corrupt)
{
    char home[512], path[600];
    snprintf(home, sizeof home, "%s", tmp_path("home"));
    mkdir(home, 0755);
    tb_home_set_override(home);
    tb_err e;
    CHECK_INT(tb_home_init(&e), 0);
    snprintf(path, sizeof path, "%s/ml_db/models", home);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/ml_db/models/A", home);
    CHECK_INT(mlt_model_dir(path, 4, 1), 0);
    point_current(home, "A");
    tb_config cfg;
    tb_config_errors errs;
    CHECK_INT(tb_config_load_text("{}", "t", &cfg, &errs), 0);
    struct event_base *base = event_base_new();
    snprintf(path, sizeof path, "%s/ml_db/ml_data.db", home);
    tb_db *db = tb_db_open(path, NULL, &e);
    tb_engine_ml m;
    CHECK_INT(tb_engine_ml_open(&m, base, db->h, &cfg, &e), 0);
    CHECK(tb_ml_current(m.ml) && strcmp(tb_ml_current(m.ml)->id, "A") == 0);
    /* B: model.json cut in half */
    snprintf(path, sizeof path, "%s/ml_db/models/B", home);
    CHECK_INT(mlt_model_dir(path, 4, 2), 0);
    snprintf(path, sizeof path, "%s/ml_db/models/B/model.json", home);
    CHECK_INT(truncate(path, 100), 0);
    point_current(home, "B");
    CHECK_INT(tb_engine_ml_poll(&m), -1);
    CHECK_STR(tb_ml_current(m.ml)->id, "A");
    CHECK_INT(tb_engine_ml_poll(&m), 0); /* refused once, not again and again */
    /* C: a good one is taken */
    snprintf(path, sizeof path, "%s/ml_db/models/C", home);
    CHECK_INT(mlt_model_dir(path, 6, 3), 0);
    point_current(home, "C");
    CHECK_INT(tb_engine_ml_poll(&m), 1);
    CHECK_STR(tb_ml_current(m.ml)->id, "C");
    CHECK_INT(tb_ml_current(m.ml)->model.ntrees, 6);
    tb_engine_ml_close(&m);
    tb_db_close(db);
    event_base_free(base);
    tb_config_free(&cfg);
}

__attribute__((destructor)) static void cleanup(void)
{
    mlt_rmtree(tmpdir);
}
