/*
 * report_groups.h - a finished run's figures by strategy, by symbol and by session: what the
 * terminal summary's per-strategy lines and the HTML report (report_html.c) show.
 */
#ifndef TB_TRADE_REPORT_GROUPS_H
#define TB_TRADE_REPORT_GROUPS_H

#include "data/calendar.h"
#include "trade/runner.h"

#include <stdio.h>

/* Closing fills of one strategy or one symbol. */
typedef struct tb_report_group {
    char name[48];
    size_t trades, wins;
    tb_money gross, fees; /* gross: realised before fees */
} tb_report_group;

#define TB_REPORT_GROUPS_MAX 256

/* One session's closing equity and its return on the previous session's (the first session's
 * on the initial cash). */
typedef struct tb_report_day {
    tb_date day;
    double equity, ret;
} tb_report_day;

/* Groups the run's trades by strategy (by_symbol 0) or symbol, in order of first appearance;
 * returns how many groups (at most cap; trades past that are summed into "other"). */
size_t tb_report_groups(const tb_runner *r, int by_symbol, tb_report_group *out, size_t cap);

/* The sessions of the equity curve in order (a new array the caller frees, NULL when empty);
 * *n is how many. */
tb_report_day *tb_report_days(const tb_runner *r, size_t *n);

/* Sharpe's basis as printed and written: "daily returns, x sqrt(252)", and whether the run is
 * long enough (20 sessions) for the figure to mean anything. */
#define TB_SHARPE_BASIS        "daily returns, x sqrt(252)"
#define TB_SHARPE_MIN_SESSIONS 20

/* The terminal lines after the summary: the period and one line per strategy. */
void tb_report_print_groups(const tb_runner *r, FILE *f);

/* period_from, period_to, sessions, sharpe_basis and per_strategy into j (the --json report). */
void tb_report_json_groups(const tb_runner *r, json_t *j);

#endif
