#include "ml/ml.h"
#include "data/calendar.h"
#include "log/log.h"
#include "util/grow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PENDING 64 /* decision points per symbol waiting for their label */

typedef struct ml_pending {
    int64_t id, due_ns;
    double close;
} ml_pending;

typedef struct ml_sym {
    float f[TB_FEATURES_N];
    double conf;
    int problem; /* schema column failing, -1 none */
    tb_date day;
    double prev_close, last_close, session_open;
    int64_t last_sample_ns;
    ml_pending pend[PENDING];
    int phead, pn;
    int ready;
    char name[32];
} ml_sym;

struct tb_ml {
    tb_ml_opts o;
    ml_sym *sym;
    uint32_t nsym;
    tb_ml_loaded *cur;
    double vix;
    int64_t now_ns;
    float row[TB_ML_SCHEMA_MAX];
    tb_ml_stats st;
};

int tb_ml_load_dir(tb_ml_loaded *out, const char *dir, tb_err *e)
{
    memset(out, 0, sizeof *out);
    char path[PATH_MAX + 32];
    if (!realpath(dir, out->dir)) return tb_errf(e, "%s: no such model folder", dir);
    snprintf(path, sizeof path, "%s/feature_schema.json", out->dir);
    if (tb_ml_schema_load(&out->schema, path, e) != 0) return -1;
    snprintf(path, sizeof path, "%s/model.json", out->dir);
    if (tb_ml_model_load(&out->model, path, e) != 0) return -1;
    if (out->model.nfeat != out->schema.n) {
        tb_errf(e, "%s: the model reads %d features, its feature_schema.json lists %d", path,
                out->model.nfeat, out->schema.n);
        tb_ml_model_free(&out->model);
        return -1;
    }
    const char *base = strrchr(out->dir, '/');
    snprintf(out->id, sizeof out->id, "%s", base ? base + 1 : out->dir);
    return 0;
}

void tb_ml_loaded_free(tb_ml_loaded *l)
{
    if (!l) return;
    tb_ml_model_free(&l->model);
    free(l);
}

tb_ml *tb_ml_new(const tb_ml_opts *o, tb_err *e)
{
    tb_ml *ml = tb_zalloc(sizeof *ml, "ml", e);
    if (!ml) return NULL;
    ml->o = *o;
    ml->vix = NAN;
    return ml;
}

void tb_ml_free(tb_ml *ml)
{
    if (!ml) return;
    tb_ml_loaded_free(ml->cur);
    free(ml->sym);
    free(ml);
}

static void score(tb_ml *ml, ml_sym *s);

tb_ml_loaded *tb_ml_swap(tb_ml *ml, tb_ml_loaded *next)
{
    tb_ml_loaded *prev = ml->cur;
    ml->cur = next;
    ml->st.swaps++;
    /* The old model's confidences must not outlive it: rescore each symbol's latest features. */
    for (uint32_t i = 0; i < ml->nsym; i++)
        if (ml->sym[i].ready) score(ml, &ml->sym[i]);
    return prev;
}

const tb_ml_loaded *tb_ml_current(const tb_ml *ml)
{
    return ml->cur;
}

void tb_ml_set_vix(tb_ml *ml, double vix)
{
    ml->vix = vix;
}

const tb_ml_opts *tb_ml_opts_of(const tb_ml *ml)
{
    return &ml->o;
}

void tb_ml_set_opts(tb_ml *ml, const tb_ml_opts *o)
{
    tb_ml_store *store = ml->o.store;
    ml->o = *o;
    ml->o.store = store;
}

int64_t tb_ml_now(const tb_ml *ml)
{
    return ml->now_ns;
}

tb_ml_stats *tb_ml_stats_mut(tb_ml *ml)
{
    return &ml->st;
}

static ml_sym *sym_of(tb_ml *ml, uint32_t id, const char *name)
{
    ml_sym *ns = tb_grow_zeroed(ml->sym, &ml->nsym, id, sizeof *ns);
    if (!ns) return NULL;
    ml->sym = ns;
    ml_sym *s = &ml->sym[id];
    if (!s->ready) {
        s->ready = 1, s->conf = NAN, s->problem = -1;
        s->prev_close = s->session_open = NAN;
        snprintf(s->name, sizeof s->name, "%s", name);
        for (int i = 0; i < TB_FEATURES_N; i++) s->f[i] = NAN;
    }
    return s;
}

static const ml_sym *find(const tb_ml *ml, const char *symbol)
{
    for (uint32_t i = 0; i < ml->nsym; i++)
        if (ml->sym[i].ready && strcmp(ml->sym[i].name, symbol) == 0) return &ml->sym[i];
    return NULL;
}

/* Session bookkeeping for the gap: the previous session's last close, this session's open. */
static void track_session(ml_sym *s, const tb_bar *bar)
{
    tb_date day = tb_cal_session_day(bar->start_ns);
    if (day != s->day) {
        s->prev_close = s->day ? s->last_close : NAN;
        s->session_open = bar->open;
        s->day = day;
        s->pn = 0; /* a label never spans the night: unlabelled points stay NULL */
    }
    s->last_close = bar->close;
}

static void score(tb_ml *ml, ml_sym *s)
{
    const tb_ml_loaded *m = ml->cur;
    s->conf = NAN, s->problem = -1;
    if (!m) return;
    s->problem = tb_ml_schema_first_problem(&m->schema, s->f);
    if (s->problem >= 0 && ml->o.strict_schema) return;
    tb_ml_schema_row(&m->schema, s->f, ml->row);
    s->conf = tb_ml_model_predict(&m->model, ml->row);
    ml->st.scored++;
}

static void label_due(tb_ml *ml, ml_sym *s, const tb_bar *bar, int64_t end_ns)
{
    while (s->pn > 0 && s->pend[s->phead].due_ns <= end_ns) {
        ml_pending *p = &s->pend[s->phead];
        tb_err e;
        if (tb_ml_store_label(ml->o.store, p->id, bar->close / p->close - 1.0, &e) != 0)
            TB_ERROR("ml", "%s", e.msg);
        else
            ml->st.labels++;
        s->phead = (s->phead + 1) % PENDING, s->pn--;
    }
}

/* A decision point every sample_every_min minutes, if the label can be known this session. */
static void sample(tb_ml *ml, ml_sym *s, const tb_ml_bar *b, int64_t end_ns)
{
    int64_t every = (int64_t)ml->o.sample_every_min * 60 * TB_NS_PER_SEC;
    int64_t horizon = (int64_t)ml->o.horizon_min * 60 * TB_NS_PER_SEC;
    if (!ml->o.store || every <= 0 || !b->session_close_ns ||
        end_ns + horizon > b->session_close_ns)
        return;
    if (s->last_sample_ns && end_ns - s->last_sample_ns < every) return;
    if (s->pn == PENDING) return;
    tb_err e;
    int64_t id = tb_ml_store_sample(ml->o.store, end_ns, b->symbol, s->f, b->bar->close, s->conf,
                                    ml->cur ? ml->cur->id : NULL, ml->o.horizon_min, &e);
    if (id < 0) {
        TB_ERROR("ml", "%s", e.msg);
        return;
    }
    s->last_sample_ns = end_ns;
    ml->st.samples++;
    ml_pending *p = &s->pend[(s->phead + s->pn++) % PENDING];
    p->id = id, p->due_ns = end_ns + horizon, p->close = b->bar->close;
}

void tb_ml_on_bar(tb_ml *ml, const tb_ml_bar *b)
{
    ml_sym *s = sym_of(ml, b->sym, b->symbol);
    if (!s) return;
    ml->st.bars++;
    int64_t end_ns = tb_bar_end_ns(b->bar);
    ml->now_ns = end_ns;
    track_session(s, b->bar);
    if (b->warmup) return;
    if (ml->o.store) label_due(ml, s, b->bar, end_ns);
    tb_feature_ctx cx = {.prev_close = s->prev_close,
                         .session_open = s->session_open,
                         .vix = ml->vix,
                         .now_ns = end_ns};
    tb_features_compute(b->ind, b->bars, &cx, s->f);
    score(ml, s);
    sample(ml, s, b, end_ns);
}

void tb_ml_on_trade(tb_ml *ml, const char *symbol, const char *strategy, double pnl, int64_t t_ns)
{
    tb_err e;
    if (ml->o.store && tb_ml_store_outcome(ml->o.store, symbol, strategy, pnl, t_ns, &e) != 0)
        TB_ERROR("ml", "%s", e.msg);
}

double tb_ml_confidence(const tb_ml *ml, const char *symbol)
{
    const ml_sym *s = find(ml, symbol);
    return s ? s->conf : NAN;
}

const float *tb_ml_features(const tb_ml *ml, const char *symbol)
{
    const ml_sym *s = find(ml, symbol);
    return s ? s->f : NULL;
}

const char *tb_ml_schema_problem(const tb_ml *ml, const char *symbol)
{
    if (!ml->cur) return NULL;
    const ml_sym *s = find(ml, symbol);
    if (!s) return ml->cur->schema.names[0]; /* never scored: nothing is known */
    return s->problem >= 0 ? ml->cur->schema.names[s->problem] : NULL;
}

int tb_ml_schema_warming(const tb_ml *ml, const char *symbol)
{
    if (!ml->cur) return 0;
    const ml_sym *s = find(ml, symbol);
    if (!s) return tb_ml_schema_first_problem(&ml->cur->schema, NULL) < 0; /* never scored */
    return s->problem >= 0 && tb_ml_schema_column_live(&ml->cur->schema, s->problem);
}
