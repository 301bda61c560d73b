/*
 * ml_gate.h - the ML gate (tb_gate_fn shape, core/oms/gate.h), run after the risk gates.
 *
 * For an entry (an intent that opens or adds to a position; exits always pass) with a model in
 * service:
 *   - STRICT_SCHEMA on and the symbol's features fail the model's schema (a column missing, NaN
 *     or out of order): blocked, gate "ml_strict_schema", and the log line operators grep for:
 *     "MLIntegration: STRICT_SCHEMA active. Missing feature <name>. Blocking trade."
 *   - confidence below min_confidence: blocked, gate "ml_confidence". The confidence of a buy
 *     is the model's P(forward return > 0); of a short sale, 1 minus it.
 * Without a model everything passes. Each entry seen is written to ml_decisions.
 */
#ifndef TB_ML_GATE_H
#define TB_ML_GATE_H

#include "ml/ml.h"
#include "oms/oms.h"
#include "oms/gate.h"

typedef struct tb_ml_gate {
    tb_ml *ml;
    oms *oms; /* positions, to tell entries from exits; NULL: every intent is an entry */
} tb_ml_gate;

/* tb_gate_fn: ud is a tb_ml_gate (chain it after the risk gates: core/trade/gate_chain.h). */
int tb_ml_gate_fn(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate,
                  size_t gate_len, char *reason, size_t reason_len);

#endif
