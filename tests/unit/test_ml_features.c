/*
 * test_ml_features.c - the feature set (values on known bars, warm-up as NaN, the VIX default),
 * the schema (hash, file round trip, edits detected, differences named), walk-forward splits
 * without look-ahead, and the metrics training reports.
 */
#include "tbtest.h"
#include "ml_testutil.h"
#include "ml/metrics.h"
#include "ml/walkforward.h"

#include <unistd.h>

TEST(features_are_computed_from_indicators_bars_and_context)
{
    feed fd;
    feed_init(&fd);
    ind_set *ind = fd.ind;
    tb_ring *r = &fd.ring;
    double close = 100;
    for (int i = 0; i < 80; i++) {
        close *= 1.001;
        tb_bar b = mlt_bar(i, close, 1000 + i);
        feed_push(&fd, &b, 20260105);
    }
    const tb_bar *last = tb_ring_get(r, 0);
    tb_feature_ctx cx = {
        .prev_close = 98, .session_open = 99, .vix = NAN, .now_ns = tb_bar_end_ns(last)};
    float f[TB_FEATURES_N];
    CHECK_INT(tb_features_compute(ind, r, &cx, f), 0);
    CHECK_NEAR(f[TB_F_RET_1], 0.001, 1e-5);
    CHECK_NEAR(f[TB_F_RET_5], pow(1.001, 5) - 1, 1e-5);
    CHECK_NEAR(f[TB_F_RET_60], pow(1.001, 60) - 1, 1e-5);
    CHECK_NEAR(f[TB_F_RSI_14], ind_set_get(ind, IND_SET_RSI), 1e-6);
    CHECK_NEAR(f[TB_F_ATR_PCT], ind_set_get(ind, IND_SET_ATR) / close * 100, 1e-6);
    CHECK_NEAR(f[TB_F_GAP_PCT], (99.0 / 98.0 - 1) * 100, 1e-6);
    CHECK_NEAR(f[TB_F_TIME_OF_DAY], 80.0 / 390.0, 1e-6); /* the 80th bar ends at 10:50 */
    CHECK_NEAR(f[TB_F_VIX], TB_FEATURES_VIX_DEFAULT, 1e-9);
    CHECK(f[TB_F_VWAP_DIST] > 0); /* a steady rise closes above its VWAP */
    cx.vix = 31.5;
    tb_features_compute(ind, r, &cx, f);
    CHECK_NEAR(f[TB_F_VIX], 31.5, 1e-6);
    feed_free(&fd);
}

TEST(features_warming_up_are_nan_and_counted)
{
    feed fd;
    feed_init(&fd);
    tb_bar b = mlt_bar(0, 50, 100);
    feed_push(&fd, &b, 1);
    tb_feature_ctx cx = {.prev_close = NAN, .session_open = 50, .vix = NAN, .now_ns = 0};
    float f[TB_FEATURES_N];
    int nan = tb_features_compute(fd.ind, &fd.ring, &cx, f);
    CHECK(nan >= 8);
    CHECK(isnan(f[TB_F_RET_1]) && isnan(f[TB_F_RSI_14]));
    CHECK_NEAR(f[TB_F_GAP_PCT], 0, 1e-12); /* no previous session known */
    CHECK(!isnan(f[TB_F_VIX]) && !isnan(f[TB_F_TIME_OF_DAY]));
    feed_free(&fd);
}

TEST(schema_hash_depends_on_names_and_order)
{
    const char *a[] = {"ret_1", "rsi_14"}, *b[] = {"rsi_14", "ret_1"}, *c[] = {"ret_1", "rsi_9"};
    const char *t[] = {"float", "float"};
    uint64_t ha = tb_features_hash_of(a, t, 2);
    CHECK(ha != tb_features_hash_of(b, t, 2));
    CHECK(ha != tb_features_hash_of(c, t, 2));
    CHECK(ha == tb_features_hash_of(a, t, 2));
    CHECK(tb_features_schema_hash() != 0);
    CHECK_INT(tb_feature_find("vwap_dist_pct"), TB_F_VWAP_DIST);
    CHECK_STR(tb_feature_name(TB_F_RSI_14), "rsi_14");
}

TEST(schema_file_round_trips_and_an_edit_is_detected)
{
    char path[] = "/tmp/tb-schema-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    tb_err e;
    CHECK_INT(tb_ml_schema_write_live(path, &e), 0);
    tb_ml_schema s;
    CHECK_INT(tb_ml_schema_load(&s, path, &e), 0);
    CHECK_INT(s.n, TB_FEATURES_N);
    CHECK(s.hash == tb_features_schema_hash());
    char diff[1024];
    CHECK_INT(tb_ml_schema_diff(&s, diff, sizeof diff), 0);
    CHECK_INT(tb_ml_schema_first_problem(&s, NULL), -1);
    /* A renamed column without a new hash: the file was edited by hand or damaged. */
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *at = strstr(buf, "\"rsi_14\"");
    memcpy(at, "\"rsi_15\"", 8);
    f = fopen(path, "w");
    fputs(buf, f);
    fclose(f);
    CHECK_INT(tb_ml_schema_load(&s, path, &e), -1);
    CHECK_CONTAINS(e.msg, "does not match its features");
    unlink(path);
}

TEST(schema_diff_names_missing_extra_and_moved_features)
{
    char path[] = "/tmp/tb-schema-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    const char *names[TB_FEATURES_N];
    for (int i = 0; i < TB_FEATURES_N; i++) names[i] = tb_feature_name(i);
    names[TB_F_RSI_14] = "rsi_9"; /* missing live; rsi_14 becomes extra */
    const char *tmp = names[0];
    names[0] = names[1], names[1] = tmp; /* ret_1 and ret_5 swapped */
    mlt_write_schema(path, names, TB_FEATURES_N);
    tb_ml_schema s;
    tb_err e;
    CHECK_INT(tb_ml_schema_load(&s, path, &e), 0);
    char diff[2048];
    CHECK_INT(tb_ml_schema_diff(&s, diff, sizeof diff), 4);
    CHECK_CONTAINS(diff, "missing feature rsi_9");
    CHECK_CONTAINS(diff, "extra live feature rsi_14");
    CHECK_CONTAINS(diff, "feature ret_5 is column 0 in the schema, 1 in the live set");
    CHECK_INT(tb_ml_schema_first_problem(&s, NULL), 0);
    unlink(path);
}

TEST(walk_forward_never_trains_on_a_label_that_reaches_into_validation)
{
    enum { N = 1000 };
    int64_t t[N];
    for (int i = 0; i < N; i++) t[i] = (int64_t)(i / 3) * 60; /* 3 rows a minute */
    tb_wf_fold f[4];
    tb_err e;
    int64_t horizon = 30 * 60;
    CHECK_INT(tb_wf_split(t, N, 4, horizon, f, &e), 0);
    for (int k = 0; k < 4; k++) {
        CHECK(f[k].train_end > 0 && f[k].valid_begin < f[k].valid_end);
        CHECK(f[k].train_end <= f[k].valid_begin);
        /* every training label was known before the first validation row */
        CHECK(t[f[k].train_end - 1] + horizon <= t[f[k].valid_begin]);
        /* and the embargo drops no more than needed */
        CHECK(t[f[k].train_end] + horizon > t[f[k].valid_begin]);
        if (k) CHECK(f[k].valid_begin == f[k - 1].valid_end);
    }
    CHECK_INT(f[3].valid_end, N);
    t[10] = t[500]; /* out of order */
    CHECK_INT(tb_wf_split(t, N, 4, horizon, f, &e), -1);
    CHECK_CONTAINS(e.msg, "not in time order");
}

TEST(metrics_auc_logloss_and_calibration)
{
    float p[] = {0.1f, 0.2f, 0.8f, 0.9f}, y[] = {0, 0, 1, 1}, yr[] = {1, 1, 0, 0};
    CHECK_NEAR(tb_metric_auc(p, y, 4), 1.0, 1e-12);
    CHECK_NEAR(tb_metric_auc(p, yr, 4), 0.0, 1e-12);
    float same[] = {0.5f, 0.5f, 0.5f, 0.5f};
    CHECK_NEAR(tb_metric_auc(same, y, 4), 0.5, 1e-12);
    CHECK_NEAR(tb_metric_logloss(same, y, 4), log(2.0), 1e-9);
    tb_calib_bucket c[TB_CALIB_BUCKETS];
    tb_metric_calibration(p, y, 4, c);
    CHECK_INT(c[1].n, 1);
    CHECK_INT(c[9].n, 1);
    CHECK_NEAR(c[8].observed, 1.0, 1e-12);
    CHECK_NEAR(c[2].mean_p, 0.2, 1e-6); /* [0.2, 0.3) */
}
