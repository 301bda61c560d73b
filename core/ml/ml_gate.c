#include "ml/ml_gate.h"
#include "log/log.h"

#include <math.h>
#include <stdio.h>

/* An exit reduces the position by no more than what is left once the working orders on its side
 * have filled (oms_intent_reduces): a second sell of a whole long is a short sale, an entry. */
static int is_entry(const tb_ml_gate *g, const oms_intent *in)
{
    return !g->oms || !oms_intent_reduces(g->oms, NULL, in);
}

static void record(tb_ml *ml, const oms_intent *in, double conf, const char *verdict)
{
    tb_ml_store *st = tb_ml_opts_of(ml)->store;
    const tb_ml_loaded *m = tb_ml_current(ml);
    tb_err e;
    if (st && tb_ml_store_decision(st, tb_ml_now(ml), in->symbol, in->strategy,
                                   oms_side_name(in->side), in->qty, conf, m ? m->id : NULL,
                                   verdict, tb_ml_features(ml, in->symbol), &e) != 0)
        TB_ERROR("ml", "%s", e.msg);
}

int tb_ml_gate_fn(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate,
                  size_t gate_len, char *reason, size_t reason_len)
{
    tb_ml_gate *g = ud;
    if (!g->oms && cx) g->oms = cx->oms;
    if (!g->ml || !is_entry(g, in)) return 0;
    const tb_ml_opts *o = tb_ml_opts_of(g->ml);
    double p = tb_ml_confidence(g->ml, in->symbol);
    double conf = isnan(p) ? NAN : in->side == OMS_BUY ? p : 1.0 - p;
    if (!tb_ml_current(g->ml)) {
        record(g->ml, in, conf, "passed");
        return 0;
    }
    const char *missing = tb_ml_schema_problem(g->ml, in->symbol);
    if (missing && o->strict_schema && tb_ml_schema_warming(g->ml, in->symbol)) {
        /* Not drift: the feature exists but has too few bars yet (ret_60 in the first hour). */
        snprintf(gate, gate_len, "ml_warming_up");
        snprintf(reason, reason_len,
                 "MLIntegration: warming up: %s not computed yet for %s. Blocking entry.", missing,
                 in->symbol);
        TB_DEBUG("ml", "%s", reason);
        record(g->ml, in, conf, "blocked_warming_up");
        return 1;
    }
    if (missing && o->strict_schema) {
        TB_WARN("ml", "MLIntegration: STRICT_SCHEMA active. Missing feature %s. Blocking trade.",
                missing);
        snprintf(gate, gate_len, "ml_strict_schema");
        snprintf(reason, reason_len,
                 "MLIntegration: STRICT_SCHEMA active. Missing feature %s. Blocking trade.",
                 missing);
        tb_ml_stats_mut(g->ml)->blocked_schema++;
        record(g->ml, in, conf, "blocked_schema");
        return 1;
    }
    if (o->min_confidence > 0 && !(conf >= o->min_confidence)) {
        snprintf(gate, gate_len, "ml_confidence");
        snprintf(reason, reason_len, "confidence %.3f below %.3f (model %s)", conf,
                 o->min_confidence, tb_ml_current(g->ml)->id);
        tb_ml_stats_mut(g->ml)->blocked_confidence++;
        record(g->ml, in, conf, "blocked_confidence");
        return 1;
    }
    record(g->ml, in, conf, "passed");
    return 0;
}
