#include "cli/train_pipeline.h"
#include "home/home.h"
#include "log/log.h"
#include "ml/ml.h"
#include "ml/ml_gate.h"
#include "ml/model_dir.h"
#include "ml/promote.h"
#include "trade/runner.h"
#include "util/atomic.h"

#include <event2/event.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct gen_ctx {
    const tb_pipeline_opts *o;
    tb_runner *r;
    struct event_base *base;
} gen_ctx;

static void gen_done(void *ud)
{
    event_base_loopbreak(((gen_ctx *)ud)->base);
}

static void gen_tick(evutil_socket_t fd, short what, void *arg)
{
    gen_ctx *g = arg;
    tb_replay_progress p;
    tb_replay_get_progress(g->r->replay, &p);
    if (p.total && g->o->progress)
        g->o->progress(g->o->ud, "samples", (double)p.played, (double)p.total);
}

static void add_strategies(tb_shost *host, const tb_config *c)
{
    for (int i = 0; i < c->nstrategies; i++) {
        const tb_strategy_cfg *sc = &c->strategies[i];
        char abs[PATH_MAX];
        tb_err e;
        if (!sc->enabled || access(tb_home_path(abs, sizeof abs, sc->file), R_OK) != 0) continue;
        if (tb_shost_add(host, sc, &e) != 0) TB_WARN("ml", "samples: %s (skipped)", e.msg);
    }
}

/* Step 1: the configured bars through the trading path, with the ML runtime writing samples. */
static int generate(const tb_pipeline_opts *o, tb_pipeline_result *res, tb_err *e)
{
    const tb_config *c = o->cfg;
    tb_ml_store *store = tb_ml_store_open(o->db, 2000, e);
    if (!store) return -1;
    tb_ml_opts mo = {.strict_schema = 0,
                     .sample_every_min = (int)c->ml.sample_every_minutes,
                     .horizon_min = (int)c->ml.horizon_minutes,
                     .store = store};
    tb_ml *ml = tb_ml_new(&mo, e);
    struct event_base *base = event_base_new();
    tb_shost host;
    tb_shost_init_config(&host, c);
    tb_shost_offline(&host);
    add_strategies(&host, c);
    tb_ml_gate gate = {.ml = ml};
    tb_runner r;
    memset(&r, 0, sizeof r);
    gen_ctx g = {.o = o, .r = &r, .base = base};
    tb_runner_opts ro = {
        .base = base,
        .shost = &host,
        .gate = tb_ml_gate_fn,
        .gate_ud = &gate,
        .ml = ml,
        .on_done = gen_done,
        .ud = &g,
        .log_component = "train-replay"}; /* not the engine's sessions (the Sentinel reads those) */
    tb_runner_opts_from_config(&ro, c);
    int rc = ml && base ? tb_runner_open(&r, &ro, e) : tb_errf(e, "out of memory");
    struct event *tick = NULL;
    if (rc == 0) {
        gate.oms = tb_trader_oms(r.trader);
        rc = tb_runner_start(&r, e);
    }
    if (rc == 0) {
        struct timeval every = {0, 200000};
        tick = event_new(base, -1, EV_PERSIST, gen_tick, &g);
        event_add(tick, &every);
        event_base_dispatch(base);
        res->generated = (int64_t)tb_ml_stats_mut(ml)->samples;
    }
    if (tick) event_free(tick);
    tb_runner_close(&r);
    tb_shost_free(&host);
    tb_ml_free(ml);
    tb_ml_store_close(store);
    if (base) event_base_free(base);
    return rc;
}

static json_t *metrics_json(const tb_pipeline_opts *o, const tb_pipeline_result *r)
{
    const tb_train_result *t = &r->train;
    const tb_config *c = o->cfg;
    char when[32], ver[32], hash[24];
    time_t secs = (time_t)(o->now_ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(hash, sizeof hash, "%016" PRIx64, tb_features_schema_hash());
    json_t *folds = json_array(), *calib = json_array();
    for (int k = 0; k < t->nfolds; k++)
        json_array_append_new(
            folds,
            json_pack(
                "{s:I, s:I, s:I, s:f, s:f}", "train_rows", (json_int_t)t->fold[k].split.train_end,
                "valid_from_row", (json_int_t)t->fold[k].split.valid_begin, "valid_rows",
                (json_int_t)(t->fold[k].split.valid_end - t->fold[k].split.valid_begin), "auc",
                isfinite(t->fold[k].auc) ? t->fold[k].auc : -1.0, "logloss", t->fold[k].logloss));
    for (int b = 0; b < TB_CALIB_BUCKETS; b++) {
        char label[16];
        snprintf(label, sizeof label, "%.1f-%.1f", b / 10.0, (b + 1) / 10.0);
        json_array_append_new(calib,
                              json_pack("{s:s, s:I, s:f, s:f}", "bucket", label, "n",
                                        (json_int_t)t->calib[b].n, "mean_confidence",
                                        t->calib[b].mean_p, "observed_rate", t->calib[b].observed));
    }
    json_t *params = json_pack(
        "{s:s, s:I, s:I, s:f, s:I, s:I}", "objective", "binary:logistic", "rounds",
        (json_int_t)c->ml.train_rounds, "max_depth", (json_int_t)c->ml.max_depth, "eta", c->ml.eta,
        "folds", (json_int_t)c->ml.folds, "horizon_minutes", (json_int_t)c->ml.horizon_minutes);
    return json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:f, s:f, s:o, s:o, s:o, s:f, s:s}",
                     "trained_at", when, "trained_at_unix", (json_int_t)secs, "xgboost",
                     tb_train_xgb_version(ver, sizeof ver), "schema_hash", hash, "rows",
                     (json_int_t)t->rows, "generated_rows", (json_int_t)r->generated, "auc",
                     isfinite(t->auc) ? t->auc : -1.0, "logloss", t->logloss, "folds", folds,
                     "calibration", calib, "params", params, "inference_max_abs_diff",
                     t->max_abs_diff, "label", "forward return over horizon_minutes > 0");
}

/* Valid: finite metrics, and our own loader reads the folder and scores like XGBoost. */
static void validate(tb_pipeline_result *r)
{
    tb_ml_loaded *l = calloc(1, sizeof *l);
    tb_err e;
    if (!l || tb_ml_load_dir(l, r->dir, &e) != 0)
        snprintf(r->invalid_why, sizeof r->invalid_why, "%s", l ? e.msg : "out of memory");
    else if (!isfinite(r->train.logloss))
        snprintf(r->invalid_why, sizeof r->invalid_why, "log loss is not finite");
    else if (r->train.max_abs_diff > 1e-5)
        snprintf(r->invalid_why, sizeof r->invalid_why, "C inference differs from XGBoost by %g",
                 r->train.max_abs_diff);
    else
        r->valid = 1;
    tb_ml_loaded_free(l);
}

/* metrics.json says whether the folder passed validation, and why not, and whether it went
 * into service (promotion: the verdict and the AUCs compared). */
static void mark_validity(const tb_pipeline_result *r, const tb_promote_out *pr)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/metrics.json", r->dir);
    json_t *m = json_load_file(path, 0, NULL);
    if (!m) return;
    json_object_set_new(m, "valid", json_boolean(r->valid));
    if (!r->valid) json_object_set_new(m, "invalid_why", json_string(r->invalid_why));
    if (r->valid)
        json_object_set_new(
            m, "promotion",
            json_pack("{s:b, s:s, s:f, s:f, s:I}", "promoted", pr->promote, "why", pr->why,
                      "current_auc", isfinite(pr->current_auc) ? pr->current_auc : -1.0,
                      "candidate_auc", isfinite(pr->candidate_auc) ? pr->candidate_auc : -1.0,
                      "rows_compared", (json_int_t)pr->rows));
    tb_err e;
    if (tb_atomic_write_json(path, m, JSON_INDENT(2) | JSON_REAL_PRECISION(6), 0644, &e) != 0)
        TB_WARN("train", "%s", e.msg);
    json_decref(m);
}

static void train_progress(void *ud, int stage, int stages, int round, int rounds)
{
    const tb_pipeline_opts *o = ud;
    char what[32];
    if (stage == stages - 1)
        snprintf(what, sizeof what, "final model");
    else
        snprintf(what, sizeof what, "fold %d/%d", stage + 1, stages - 1);
    o->progress(o->ud, what, round, rounds);
}

int tb_pipeline_run(const tb_pipeline_opts *o, tb_pipeline_result *r, tb_err *e)
{
    memset(r, 0, sizeof *r);
    const tb_config *c = o->cfg;
    /* The table may not exist yet: opening a store creates it. */
    tb_ml_store *probe = tb_ml_store_open(o->db, 0, e);
    if (!probe) return -1;
    tb_ml_store_close(probe);
    if (tb_ml_store_count_labelled(o->db) < c->ml.min_rows && generate(o, r, e) != 0) return -1;
    int64_t *t;
    float *x, *y;
    size_t n;
    if (tb_ml_store_training_set(o->db, &t, &x, &y, &n, e) != 0) return -1;
    int rc = 0;
    if (n < (size_t)c->ml.min_rows)
        rc = tb_errf(e, "%zu labelled samples, ml.min_rows is %lld: not enough to train", n,
                     (long long)c->ml.min_rows);
    char path[PATH_MAX + 64];
    if (rc == 0)
        rc = tb_models_new_dir(o->models, o->now_ns, r->dir, sizeof r->dir, r->name, sizeof r->name,
                               e);
    tb_train_params tp = {.rounds = (int)c->ml.train_rounds,
                          .max_depth = (int)c->ml.max_depth,
                          .folds = (int)c->ml.folds,
                          .nthread = 2,
                          .eta = c->ml.eta,
                          .embargo_ns = c->ml.horizon_minutes * 60 * 1000000000LL,
                          .progress = o->progress ? train_progress : NULL,
                          .ud = (void *)o,
                          .oof = malloc((n ? n : 1) * sizeof(float))};
    if (!tp.oof && rc == 0) rc = tb_errf(e, "out of memory");
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/model.json", r->dir);
        rc = tb_train_run(t, x, y, n, TB_FEATURES_N, &tp, path, &r->train, e);
    }
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/feature_schema.json", r->dir);
        rc = tb_ml_schema_write_live(path, e);
    }
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/metrics.json", r->dir);
        json_t *m = metrics_json(o, r);
        rc = tb_atomic_write_json(path, m, JSON_INDENT(2) | JSON_REAL_PRECISION(6), 0644, e);
        json_decref(m);
    }
    if (rc == 0) validate(r);
    tb_promote_out pr = {0};
    if (rc == 0 && r->valid) {
        tb_promote_in pin = {o->models,    x, y, n, TB_FEATURES_N, tp.oof, r->train.auc,
                             c->ml.min_auc};
        tb_promote_judge(&pin, &pr);
        snprintf(r->kept_why, sizeof r->kept_why, "%s", pr.why);
    }
    free(t), free(x), free(y), free(tp.oof);
    if (rc != 0) return -1;
    mark_validity(r, &pr);
    if (!r->valid || !pr.promote) return 0;
    if (tb_models_point_current(o->models, r->name, e) != 0) return -1;
    r->current = 1;
    return 0;
}
