/*
 * promote.c - a model must earn its place (promote.h).
 */
#include "ml/promote.h"
#include "ml/features.h"
#include "ml/metrics.h"
#include "ml/model.h"
#include "ml/model_dir.h"

#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_UNSEEN_ROWS 30

/* The current model's AUC on the validation rows it never saw, and the candidate's on the same
 * rows. Returns the number of rows compared (0: not comparable that way). */
static size_t on_unseen_rows(const tb_promote_in *in, const char *dir, size_t cur_rows,
                             double *cur_auc, double *cand_auc)
{
    char path[PATH_MAX + 16];
    tb_ml_model m;
    tb_err e;
    snprintf(path, sizeof path, "%s/model.json", dir);
    if (cur_rows >= in->n || tb_ml_model_load(&m, path, &e) != 0) return 0;
    size_t k = 0, cap = in->n - cur_rows;
    float *pc = malloc(cap * sizeof *pc), *pn = malloc(cap * sizeof *pn),
          *yy = malloc(cap * sizeof *yy);
    for (size_t i = cur_rows; pc && pn && yy && i < in->n; i++) {
        if (!isfinite(in->oof[i])) continue;
        pc[k] = (float)tb_ml_model_predict(&m, in->x + i * (size_t)in->nfeat);
        pn[k] = in->oof[i];
        yy[k++] = in->y[i];
    }
    tb_ml_model_free(&m);
    if (k >= MIN_UNSEEN_ROWS) {
        *cur_auc = tb_metric_auc(pc, yy, k);
        *cand_auc = tb_metric_auc(pn, yy, k);
    }
    free(pc), free(pn), free(yy);
    return k >= MIN_UNSEEN_ROWS && isfinite(*cur_auc) && isfinite(*cand_auc) ? k : 0;
}

void tb_promote_judge(const tb_promote_in *in, tb_promote_out *out)
{
    char dir[PATH_MAX], path[PATH_MAX + 16], hash[24];
    memset(out, 0, sizeof *out);
    out->current_auc = out->candidate_auc = NAN;
    if (!(in->auc >= in->floor)) {
        snprintf(out->why, sizeof out->why,
                 "walk-forward AUC %.4f is below the floor %.4f (ml.min_auc)", in->auc, in->floor);
        return;
    }
    if (tb_models_current(in->models, dir, sizeof dir) != 0) {
        out->promote = 1;
        snprintf(out->why, sizeof out->why,
                 "walk-forward AUC %.4f reaches the floor %.4f; no model in service", in->auc,
                 in->floor);
        return;
    }
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    json_t *m = json_load_file(path, 0, NULL);
    snprintf(hash, sizeof hash, "%016" PRIx64, tb_features_schema_hash());
    const char *h = json_string_value(json_object_get(m, "schema_hash"));
    int same_schema = h && strcmp(h, hash) == 0;
    json_int_t cur_rows = json_integer_value(json_object_get(m, "rows"));
    double recorded = json_number_value(json_object_get(m, "auc"));
    json_decref(m);
    if (same_schema && cur_rows > 0)
        out->rows =
            on_unseen_rows(in, dir, (size_t)cur_rows, &out->current_auc, &out->candidate_auc);
    if (out->rows) {
        out->promote = out->candidate_auc >= out->current_auc - 1e-9;
        snprintf(out->why, sizeof out->why,
                 "AUC %.4f %s the current model's %.4f on the same %zu validation rows it never "
                 "trained on",
                 out->candidate_auc, out->promote ? "is not worse than" : "is worse than",
                 out->current_auc, out->rows);
        return;
    }
    out->current_auc = recorded;
    out->candidate_auc = in->auc;
    out->promote = in->auc >= recorded - 1e-9;
    snprintf(out->why, sizeof out->why,
             "walk-forward AUC %.4f %s the current model's recorded %.4f (%s)", in->auc,
             out->promote ? "is not worse than" : "is worse than", recorded,
             same_schema ? "too few validation rows the current model has not trained on"
                         : "the current model has another feature schema");
}
