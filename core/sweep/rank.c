/*
 * rank.c - reading a sweep file and ranking its sets (rank.h).
 */
#include "sweep/rank.h"
#include "sweep/store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const tb_sweep_cols[TB_SWEEP_NCOLS] = {
    "sharpe", "pnl", "return_pct", "win_rate", "max_drawdown_pct", "trades"};

static long long meta_int(tb_db *db, const char *key)
{
    char *s = tb_sweep_db_meta(db, key);
    long long v = s ? atoll(s) : 0;
    free(s);
    return v;
}

static void meta_str(tb_db *db, const char *key, char *out, size_t len)
{
    char *s = tb_sweep_db_meta(db, key);
    snprintf(out, len, "%s", s ? s : "");
    free(s);
}

static int load_meta(tb_sweep_view *v, tb_db *db, tb_err *e)
{
    char metric[64], params[4096];
    meta_str(db, "metric", metric, sizeof metric);
    if (!(v->metric = tb_sweep_metric_find(metric)))
        return tb_errf(e, "%s: not a sweep file, or an unfinished one (no metric)", db->path);
    for (v->col = 0; strcmp(tb_sweep_cols[v->col], metric) != 0; v->col++) {
    }
    meta_str(db, "strategy", v->strategy, sizeof v->strategy);
    meta_str(db, "strategy_path", v->strategy_path, sizeof v->strategy_path);
    meta_str(db, "first", v->first, sizeof v->first);
    meta_str(db, "last", v->last, sizeof v->last);
    meta_str(db, "heat_x", v->heat_x, sizeof v->heat_x);
    meta_str(db, "heat_y", v->heat_y, sizeof v->heat_y);
    meta_str(db, "shard", v->shard, sizeof v->shard);
    meta_str(db, "params", params, sizeof params);
    v->params = json_loads(params, 0, NULL);
    v->top = (int)meta_int(db, "top");
    v->wf_train = (int)meta_int(db, "wf_train");
    v->wf_test = (int)meta_int(db, "wf_test");
    v->sessions = (int)meta_int(db, "sessions");
    v->nsets = (size_t)meta_int(db, "nsets");
    v->nseg = (int)meta_int(db, "nseg");
    v->ntasks = (size_t)meta_int(db, "ntasks");
    if (!v->params || v->nseg < 1 || v->ntasks != v->nsets * (size_t)v->nseg)
        return tb_errf(e, "%s: the sweep's description is damaged", db->path);
    v->sets = calloc(v->nsets, sizeof *v->sets);
    v->seg = calloc((size_t)v->nseg, sizeof *v->seg);
    v->rows = calloc(v->ntasks, sizeof *v->rows);
    return v->sets && v->seg && v->rows ? 0 : tb_errf(e, "out of memory");
}

static int load_sets(tb_sweep_view *v, tb_db *db, tb_err *e)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->h, "SELECT id, params FROM sweep_sets", -1, &st, NULL);
    while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 id = sqlite3_column_int64(st, 0);
        if (id >= 0 && (size_t)id < v->nsets && !v->sets[id])
            v->sets[id] = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
    }
    sqlite3_finalize(st);
    rc = sqlite3_prepare_v2(db->h, "SELECT id, kind, window, from_day, to_day FROM sweep_segments",
                            -1, &st, NULL);
    while (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0);
        if (id < 0 || id >= v->nseg) continue;
        tb_sweep_seg *g = &v->seg[id];
        g->kind = ((const char *)sqlite3_column_text(st, 1))[0];
        g->window = sqlite3_column_int(st, 2);
        snprintf(g->from, sizeof g->from, "%s", (const char *)sqlite3_column_text(st, 3));
        snprintf(g->to, sizeof g->to, "%s", (const char *)sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < v->nsets; i++)
        if (!v->sets[i]) return tb_errf(e, "%s: set %zu is missing", db->path, i);
    for (int i = 0; i < v->nseg; i++)
        if (!v->seg[i].kind) return tb_errf(e, "%s: segment %d is missing", db->path, i);
    return 0;
}

static int load_rows(tb_sweep_view *v, tb_db *db, tb_err *e)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->h,
                                "SELECT task, disabled, error, equity, sharpe, pnl, return_pct,"
                                " win_rate, max_drawdown_pct, trades FROM sweep_results",
                                -1, &st, NULL);
    if (rc) return tb_db_fail(db, rc, "reading results", e);
    while (sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 t = sqlite3_column_int64(st, 0);
        if (t < 0 || (size_t)t >= v->ntasks) continue;
        tb_sweep_row *r = &v->rows[t];
        r->have = 1;
        r->ok = !sqlite3_column_int(st, 1);
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            r->error = strdup((const char *)sqlite3_column_text(st, 2));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            r->equity = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
        for (int c = 0; c < TB_SWEEP_NCOLS; c++)
            r->v[c] = sqlite3_column_type(st, 4 + c) == SQLITE_NULL
                          ? NAN
                          : sqlite3_column_double(st, 4 + c);
    }
    sqlite3_finalize(st);
    v->missing = 0;
    for (size_t t = 0; t < v->ntasks; t++) v->missing += !v->rows[t].have;
    return 0;
}

int tb_sweep_better(const tb_sweep_view *v, double a, double b)
{
    if (isnan(a)) return 0;
    if (isnan(b)) return 1;
    return v->metric->lower_is_better ? a < b : a > b;
}

double tb_sweep_value(const tb_sweep_view *v, size_t set, int seg, int col)
{
    const tb_sweep_row *r = &v->rows[set * (size_t)v->nseg + (size_t)seg];
    return r->have && r->ok ? r->v[col] : NAN;
}

/* The mean of the metric over the segments of one kind (NAN when any is missing). */
static double mean_over(const tb_sweep_view *v, size_t set, char kind, int col)
{
    double sum = 0;
    int n = 0;
    for (int g = 0; g < v->nseg; g++) {
        if (v->seg[g].kind != kind) continue;
        double x = tb_sweep_value(v, set, g, col);
        if (isnan(x)) return NAN;
        sum += x, n++;
    }
    return n ? sum / n : NAN;
}

static const tb_sweep_view *sort_view;

static int by_rank(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    const tb_sweep_view *v = sort_view;
    if (tb_sweep_better(v, v->is[a], v->is[b])) return -1;
    if (tb_sweep_better(v, v->is[b], v->is[a])) return 1;
    return a < b ? -1 : a > b;
}

static void walk_forward(tb_sweep_view *v)
{
    v->win = calloc((size_t)v->nseg, sizeof *v->win);
    double is = 0, oos = 0, pnl = 0;
    int n = 0;
    for (int g = 0; v->win && g + 1 < v->nseg; g++) {
        if (v->seg[g].kind != TB_SEG_TRAIN || v->seg[g + 1].kind != TB_SEG_TEST) continue;
        tb_sweep_window *w = &v->win[v->nwin++];
        *w = (tb_sweep_window){.train_seg = g, .test_seg = g + 1, .chosen = -1};
        double best = NAN;
        for (size_t s = 0; s < v->nsets; s++) {
            double x = tb_sweep_value(v, s, g, v->col);
            if (tb_sweep_better(v, x, best)) best = x, w->chosen = (long)s;
        }
        w->is = best;
        w->oos = w->chosen < 0 ? NAN : tb_sweep_value(v, (size_t)w->chosen, g + 1, v->col);
        w->oos_pnl = w->chosen < 0 ? NAN : tb_sweep_value(v, (size_t)w->chosen, g + 1, 1);
        is += w->is, oos += w->oos, pnl += w->oos_pnl, n++;
    }
    v->wf_is = n ? is / n : NAN; /* a window without a choice makes these NAN: said so */
    v->wf_oos = n ? oos / n : NAN;
    v->wf_oos_pnl = n ? pnl : NAN;
    v->best = v->nwin ? v->win[v->nwin - 1].chosen : -1;
}

static int rank(tb_sweep_view *v, tb_err *e)
{
    v->is = calloc(v->nsets, sizeof *v->is);
    v->oos = calloc(v->nsets, sizeof *v->oos);
    v->order = calloc(v->nsets, sizeof *v->order);
    if (!v->is || !v->oos || !v->order) return tb_errf(e, "out of memory");
    int wf = v->wf_train > 0;
    for (size_t s = 0; s < v->nsets; s++) {
        v->is[s] = mean_over(v, s, wf ? TB_SEG_TRAIN : TB_SEG_FULL, v->col);
        v->oos[s] = wf ? mean_over(v, s, TB_SEG_TEST, v->col) : NAN;
        v->order[s] = s;
    }
    sort_view = v;
    qsort(v->order, v->nsets, sizeof *v->order, by_rank);
    v->best = v->nsets && !isnan(v->is[v->order[0]]) ? (long)v->order[0] : -1;
    if (wf) walk_forward(v);
    return 0;
}

int tb_sweep_view_load(tb_sweep_view *v, tb_db *db, tb_err *e)
{
    memset(v, 0, sizeof *v);
    if (load_meta(v, db, e) != 0 || load_sets(v, db, e) != 0 || load_rows(v, db, e) != 0) return -1;
    return rank(v, e);
}

void tb_sweep_view_free(tb_sweep_view *v)
{
    for (size_t i = 0; v->sets && i < v->nsets; i++) json_decref(v->sets[i]);
    for (size_t t = 0; v->rows && t < v->ntasks; t++) {
        free(v->rows[t].error);
        json_decref(v->rows[t].equity);
    }
    json_decref(v->params);
    free(v->sets), free(v->seg), free(v->rows);
    free(v->is), free(v->oos), free(v->order), free(v->win);
    memset(v, 0, sizeof *v);
}

const char *tb_sweep_set_text(const tb_sweep_view *v, size_t set, char *buf, size_t len)
{
    size_t at = 0, i;
    json_t *name;
    buf[0] = 0;
    json_array_foreach(v->params, i, name)
    {
        json_t *x = json_object_get(v->sets[set], json_string_value(name));
        char *t = json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(10));
        int n = snprintf(buf + at, len - at, "%s%s=%s", i ? " " : "", json_string_value(name),
                         t ? t : "?");
        free(t);
        if (n < 0 || (size_t)n >= len - at) break;
        at += (size_t)n;
    }
    return buf;
}
