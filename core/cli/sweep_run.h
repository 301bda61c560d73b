/*
 * sweep_run.h - runs one sweep task in this process, as `tradebot backtest --strategy FILE`
 * would run the strategy with that parameter set over that segment: the home's configuration
 * for the sandbox limits and risk gates (no state files), survival mode per session, the paper
 * broker with backtest's defaults; but no wall-clock deadline on strategy calls (only the
 * instruction budget), so a loaded machine cannot change a result. The sweep's worker pool
 * calls it in a fresh child process per task, so nothing one task leaves behind can reach the
 * next.
 */
#ifndef TB_CLI_SWEEP_RUN_H
#define TB_CLI_SWEEP_RUN_H

#include "config/config.h"
#include "sweep/task.h"

/* The result of task (task.h) in *out; -1 with e when the run could not be set up. A strategy
 * that fails to load or is disabled during the run gives a result that says so. */
int tb_sweep_run_task(const tb_config *cfg, const tb_sweep_spec *s, const tb_sweep_plan *p,
                      size_t task, json_t **out, tb_err *e);

#endif
