/*
 * task.h - one task of a sweep: the strategy with one parameter set over one segment, run as
 * `tradebot backtest` runs it (the same runner, paper broker and gates), and its result.
 *
 * A result is a JSON object {task, set, seg, pnl, return_pct, sharpe, max_drawdown_pct,
 * win_rate, trades, fees, end_equity, sessions, disabled, error, equity: [["YYYY-MM-DD",
 * closing equity], ...]}. Numbers are written with 17 significant digits, so a result read
 * back from a pipe or a shard's file is the same double, bit for bit.
 */
#ifndef TB_SWEEP_TASK_H
#define TB_SWEEP_TASK_H

#include "sweep/plan.h"
#include "trade/report.h"

#include <jansson.h>

/* The paper account every task starts with (the defaults of `tradebot backtest`). */
#define TB_SWEEP_INITIAL_CASH (100000LL * 1000000)

/* Runner options for the spec's data, cut to seg (NULL: the whole period); no loop, no host. */
void tb_sweep_runner_opts(const tb_sweep_spec *s, const tb_sweep_seg *seg, tb_runner_opts *ro);

/* The result of a finished run r (rep: its report); disabled_error is the error that disabled
 * the strategy (NULL when it was not). */
json_t *tb_sweep_result(const tb_runner *r, const tb_report *rep, size_t task, size_t set, int seg,
                        const char *disabled_error);

/* A task that could not run at all (the strategy failed to load, no bars in the segment). */
json_t *tb_sweep_result_failed(size_t task, size_t set, int seg, const char *error);

#endif
