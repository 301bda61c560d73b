/*
 * report_html.h - `tradebot backtest --report FILE`: one self-contained HTML page (inline CSS
 * and SVG, no script, nothing fetched) with the period, symbols, the summary, equity and
 * drawdown charts on a session time axis, per-strategy and per-symbol tables, monthly and
 * daily returns, exposure, fees and the trade list.
 */
#ifndef TB_TRADE_REPORT_HTML_H
#define TB_TRADE_REPORT_HTML_H

#include "trade/report.h"
#include "util/sbuf.h"

/* Writes the page for the finished run r (rep: its tb_report_compute) to path, atomically. */
int tb_report_write_html(const tb_runner *r, const tb_report *rep, const char *path, tb_err *e);

/* The page's style sheet; the sweep report (core/sweep/report_html.c) uses it too. */
extern const char tb_report_html_style[];

/* Appends s to o with <, >, & and " escaped. */
void tb_report_html_esc(tb_sbuf *o, const char *s);

#endif
