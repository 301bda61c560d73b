/*
 * propose.h - the best set of a sweep as a Healer directive (`tradebot sweep report
 * --propose`): a param_change of the strategy's params in config/trading_config.json, Queued
 * for the operator, who approves it as any Healer change (`tradebot healer approve ID`, then it
 * is validated on a branch and promoted). It stays inside the Healer's boundary: every swept
 * param must be declared `tunable` by the strategy and the value within its [min, max], the
 * bounds read from the home's file of the strategy (the one the Healer changes), never from the
 * file the results database names; and the strategy must be in the configuration; otherwise
 * nothing is proposed and the error says why.
 */
#ifndef TB_SWEEP_PROPOSE_H
#define TB_SWEEP_PROPOSE_H

#include "sweep/rank.h"

/* Queues the proposal for v->best; id receives the directive's id. */
int tb_sweep_propose(const tb_sweep_view *v, char *id, size_t idlen, tb_err *e);

/* The directive for v->best against the strategy declaration decl (strategy/decl.h) and the
 * strategy's name in the configuration, or NULL with e (outside the bounds). */
json_t *tb_sweep_directive(const tb_sweep_view *v, json_t *decl, const char *name, tb_err *e);

#endif
