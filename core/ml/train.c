#include "ml/train.h"
#include "ml/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#define XGB(call, what)                                                                            \
    do {                                                                                           \
        if ((call) != 0) {                                                                         \
            rc = tb_errf(e, "xgboost: %s: %s", what, XGBGetLastError());                           \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

const char *tb_train_xgb_version(char *buf, size_t len)
{
    int a, b, c;
    XGBoostVersion(&a, &b, &c);
    snprintf(buf, len, "%d.%d.%d", a, b, c);
    return buf;
}

/* One booster trained on rows [0, ntrain); predictions for rows [vb, ve) into pred. */
static int fit(const float *x, const float *y, size_t ntrain, int nfeat, const tb_train_params *p,
               int stage, BoosterHandle *out, tb_err *e)
{
    DMatrixHandle d = NULL;
    BoosterHandle b = NULL;
    int rc = 0;
    char buf[32];
    XGB(XGDMatrixCreateFromMat(x, ntrain, (bst_ulong)nfeat, NAN, &d), "training matrix");
    XGB(XGDMatrixSetFloatInfo(d, "label", y, ntrain), "labels");
    XGB(XGBoosterCreate(&d, 1, &b), "booster");
    XGB(XGBoosterSetParam(b, "objective", "binary:logistic"), "objective");
    XGB(XGBoosterSetParam(b, "tree_method", "exact"), "tree_method");
    snprintf(buf, sizeof buf, "%d", p->max_depth);
    XGB(XGBoosterSetParam(b, "max_depth", buf), "max_depth");
    snprintf(buf, sizeof buf, "%g", p->eta);
    XGB(XGBoosterSetParam(b, "eta", buf), "eta");
    snprintf(buf, sizeof buf, "%d", p->nthread > 0 ? p->nthread : 1);
    XGB(XGBoosterSetParam(b, "nthread", buf), "nthread");
    XGB(XGBoosterSetParam(b, "seed", "0"), "seed");
    XGB(XGBoosterSetParam(b, "verbosity", "0"), "verbosity");
    for (int i = 0; i < p->rounds; i++) {
        XGB(XGBoosterUpdateOneIter(b, i, d), "boosting round");
        if (p->progress && (i % 5 == 4 || i == p->rounds - 1))
            p->progress(p->ud, stage, p->folds + 1, i + 1, p->rounds);
    }
out:
    XGDMatrixFree(d);
    if (rc != 0) {
        XGBoosterFree(b);
        b = NULL;
    }
    *out = b;
    return rc;
}

static int predict(BoosterHandle b, const float *x, size_t rows, int nfeat, float *pred, tb_err *e)
{
    DMatrixHandle d = NULL;
    int rc = 0;
    bst_ulong len = 0;
    const float *out = NULL;
    XGB(XGDMatrixCreateFromMat(x, rows, (bst_ulong)nfeat, NAN, &d), "validation matrix");
    XGB(XGBoosterPredict(b, d, 0, 0, 0, &len, &out), "predict");
    if (len != rows) {
        rc = tb_errf(e, "xgboost: %llu predictions for %zu rows", (unsigned long long)len, rows);
        goto out;
    }
    memcpy(pred, out, rows * sizeof *pred);
out:
    XGDMatrixFree(d);
    return rc;
}

static int evaluate_folds(const int64_t *t, const float *x, const float *y, size_t n, int nfeat,
                          const tb_train_params *p, tb_train_result *r, float *pooled_p,
                          float *pooled_y, size_t *npooled, tb_err *e)
{
    tb_wf_fold folds[TB_TRAIN_MAX_FOLDS];
    if (tb_wf_split(t, n, p->folds, p->embargo_ns, folds, e) != 0) return -1;
    *npooled = 0;
    for (int k = 0; k < p->folds; k++) {
        tb_wf_fold *f = &folds[k];
        BoosterHandle b;
        if (fit(x, y, f->train_end, nfeat, p, k, &b, e) != 0) return -1;
        size_t nv = f->valid_end - f->valid_begin;
        float *pv = pooled_p + *npooled;
        int rc = predict(b, x + f->valid_begin * (size_t)nfeat, nv, nfeat, pv, e);
        XGBoosterFree(b);
        if (rc != 0) return -1;
        memcpy(pooled_y + *npooled, y + f->valid_begin, nv * sizeof *y);
        if (p->oof) memcpy(p->oof + f->valid_begin, pv, nv * sizeof *pv);
        r->fold[k].split = *f;
        r->fold[k].auc = tb_metric_auc(pv, y + f->valid_begin, nv);
        r->fold[k].logloss = tb_metric_logloss(pv, y + f->valid_begin, nv);
        *npooled += nv;
    }
    r->nfolds = p->folds;
    return 0;
}

/* The saved file, read back by our own parser, must score like XGBoost itself. */
static int verify_saved(BoosterHandle b, const char *path, const float *x, size_t rows, int nfeat,
                        tb_train_result *r, tb_err *e)
{
    tb_ml_model m;
    if (tb_ml_model_load(&m, path, e) != 0) return -1;
    float *pred = malloc((rows ? rows : 1) * sizeof *pred);
    int rc = pred ? predict(b, x, rows, nfeat, pred, e) : tb_errf(e, "out of memory");
    r->max_abs_diff = 0;
    for (size_t i = 0; rc == 0 && i < rows; i++) {
        double d = fabs(tb_ml_model_predict(&m, x + i * (size_t)nfeat) - pred[i]);
        if (d > r->max_abs_diff) r->max_abs_diff = d;
    }
    free(pred);
    tb_ml_model_free(&m);
    return rc;
}

int tb_train_run(const int64_t *t, const float *x, const float *y, size_t n, int nfeat,
                 const tb_train_params *p, const char *model_path, tb_train_result *r, tb_err *e)
{
    memset(r, 0, sizeof *r);
    r->rows = n;
    if (p->folds < 1 || p->folds > TB_TRAIN_MAX_FOLDS)
        return tb_errf(e, "train: folds must be 1..%d", TB_TRAIN_MAX_FOLDS);
    float *pp = malloc(n * sizeof *pp), *py = malloc(n * sizeof *py);
    size_t np = 0;
    int rc = pp && py ? 0 : tb_errf(e, "train: out of memory");
    for (size_t i = 0; p->oof && i < n; i++) p->oof[i] = NAN;
    if (rc == 0) rc = evaluate_folds(t, x, y, n, nfeat, p, r, pp, py, &np, e);
    if (rc == 0) {
        r->auc = tb_metric_auc(pp, py, np);
        r->logloss = tb_metric_logloss(pp, py, np);
        tb_metric_calibration(pp, py, np, r->calib);
    }
    BoosterHandle b = NULL;
    if (rc == 0) rc = fit(x, y, n, nfeat, p, p->folds, &b, e);
    if (rc == 0 && XGBoosterSaveModel(b, model_path) != 0)
        rc = tb_errf(e, "xgboost: saving %s: %s", model_path, XGBGetLastError());
    if (rc == 0) {
        size_t from = r->fold[r->nfolds - 1].split.valid_begin;
        rc = verify_saved(b, model_path, x + from * (size_t)nfeat, n - from, nfeat, r, e);
    }
    XGBoosterFree(b);
    free(pp);
    free(py);
    return rc;
}
