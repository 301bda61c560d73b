/*
 * rank_json.c - `tradebot sweep report --json` (rank.h): the ranking for scripts, the
 * out-of-sample result first when there is one. A figure that could not be computed (a failed
 * or missing task) is null.
 */
#include "sweep/rank.h"

#include <math.h>

static json_t *num(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

static json_t *windows(const tb_sweep_view *v)
{
    json_t *a = json_array();
    for (int k = 0; k < v->nwin; k++) {
        const tb_sweep_window *w = &v->win[k];
        const tb_sweep_seg *tr = &v->seg[w->train_seg], *te = &v->seg[w->test_seg];
        json_array_append_new(a, json_pack("{s:[s,s], s:[s,s], s:o, s:o, s:o, s:o}", "train",
                                           tr->from, tr->to, "test", te->from, te->to, "chosen",
                                           w->chosen < 0 ? json_null() : json_integer(w->chosen),
                                           "in_sample", num(w->is), "out_of_sample", num(w->oos),
                                           "out_of_sample_pnl", num(w->oos_pnl)));
    }
    return a;
}

json_t *tb_sweep_json(const tb_sweep_view *v)
{
    json_t *o = json_object(), *rank = json_array();
    if (v->wf_train > 0)
        json_object_set_new(o, "walk_forward",
                            json_pack("{s:o, s:o, s:o, s:i, s:i, s:o}", "out_of_sample",
                                      num(v->wf_oos), "out_of_sample_pnl", num(v->wf_oos_pnl),
                                      "in_sample", num(v->wf_is), "train", v->wf_train, "test",
                                      v->wf_test, "windows", windows(v)));
    else
        json_object_set_new(o, "walk_forward", json_null());
    json_object_set_new(o, "strategy", json_string(v->strategy));
    json_object_set_new(o, "metric", json_string(v->metric->name));
    json_object_set_new(
        o, "sessions",
        json_pack("{s:s, s:s, s:i}", "first", v->first, "last", v->last, "count", v->sessions));
    json_object_set_new(o, "sets", json_integer((json_int_t)v->nsets));
    json_object_set_new(o, "tasks", json_integer((json_int_t)v->ntasks));
    json_object_set_new(o, "missing", json_integer((json_int_t)v->missing));
    for (size_t i = 0; i < v->nsets; i++) {
        size_t s = v->order[i];
        json_array_append_new(rank,
                              json_pack("{s:I, s:I, s:O, s:o, s:o}", "rank", (json_int_t)(i + 1),
                                        "set", (json_int_t)s, "params", v->sets[s], "in_sample",
                                        num(v->is[s]), "out_of_sample", num(v->oos[s])));
    }
    json_object_set_new(o, "ranking", rank);
    json_object_set_new(o, "proposed",
                        v->best < 0 ? json_null()
                                    : json_pack("{s:I, s:O}", "set", (json_int_t)v->best, "params",
                                                v->sets[v->best]));
    return o;
}
