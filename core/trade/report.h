/*
 * report.h - the figures of a finished run: trades, win rate, P&L, max drawdown, Sharpe,
 * exposure, fees; as a table, as JSON, and the equity curve and trades as CSV.
 */
#ifndef TB_TRADE_REPORT_H
#define TB_TRADE_REPORT_H

#include "trade/runner.h"

#include <jansson.h>
#include <stdio.h>

typedef struct tb_report {
    size_t trades, wins;
    double win_rate, pnl, gross_pnl, fees, max_drawdown, max_drawdown_pct, sharpe, exposure;
    double start_equity, end_equity;
    uint64_t bars, orders, fills, blocked, rejected;
    int64_t lowest_account_qty, lowest_strategy_qty; /* < 0: some position was short */
    uint64_t unallowed_shorts, invariant_violations; /* must be 0 (docs/orders.md) */
} tb_report;

void tb_report_compute(const tb_runner *r, tb_report *out);
void tb_report_print(const tb_report *rep, FILE *f);
json_t *tb_report_json(const tb_report *rep);

/* Writes equity.csv and trades.csv into dir. */
int tb_report_write_csv(const tb_runner *r, const char *dir, tb_err *e);

#endif
