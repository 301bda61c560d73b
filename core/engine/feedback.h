/*
 * feedback.h - what the running engine takes from outside without a restart:
 *
 * - data/strategy_overlay.json, the adaptive controller's params (scripts/controller.lua):
 *   {"strategies": {"<name>": {"params": {...}}}}, laid over the configuration's params;
 * - data/sentinel_feedback.json, the Sentinel's directives: "Strategic Reset" (the strategy's
 *   params back to its file's defaults with the operator's configuration, i.e. the controller's
 *   overlay dropped, and its state cleared), "reduce_size" (qty times factor), "pause_symbol"
 *   (no new exposure on a symbol; exits still pass) until "resume_symbol" or a restart.
 *
 * Both files are polled once a second by mtime; each directive is applied once (its id is
 * remembered in engine_kv), logged in logs/trading_bot.log and logs/control_audit_log.jsonl.
 */
#ifndef TB_ENGINE_FEEDBACK_H
#define TB_ENGINE_FEEDBACK_H

#include "engine/engine.h"

#define TB_OVERLAY_PATH "data/strategy_overlay.json"

/* Starts polling; applies the current overlay at once. */
int tb_engine_feedback_open(tb_engine *en, tb_err *e);

void tb_engine_feedback_close(tb_engine *en);

/* The params a strategy runs with: the configuration's laid over with the overlay's (a new
 * reference, or NULL when both are empty). Used when the configuration reloads. */
json_t *tb_engine_feedback_params(tb_engine *en, const tb_strategy_cfg *sc);

/* The first gate of the engine's chain: a paused symbol blocks every intent that does not
 * reduce its position (gate "sentinel_pause"). ud is the engine. */
int tb_engine_feedback_gate(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate,
                            size_t gate_len, char *reason, size_t reason_len);

#endif
