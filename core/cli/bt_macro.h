/*
 * bt_macro.h - survival mode in `tradebot backtest`: each session gets the VIX a pre-market
 * macro step would have seen that day (the previous close of the configured source's daily
 * series), so a VIX spike inside the tested span blocks entries on the sessions it covers. With
 * no series for the run (Polygon as the source, or CSV bars with the sample source), today's
 * macro state applies to every session, as before, and the report says so. A session the series
 * does not cover (before its first day, or more than TB_BT_VIX_MAX_AGE_DAYS trading days after
 * its last) has no VIX: the stale fail-safe applies and the report counts it.
 */
#ifndef TB_CLI_BT_MACRO_H
#define TB_CLI_BT_MACRO_H

#include "risk/gates.h"
#include "risk/vix_history.h"
#include "trade/runner.h"

/* A previous close older than this many trading days is no VIX for the session (the live macro
 * state would be stale long before). */
#define TB_BT_VIX_MAX_AGE_DAYS 3

typedef struct tb_bt_macro {
    tb_risk *risk;
    struct event_base *base; /* the loop on_done stops */
    tb_vix_history h;
    double threshold;
    char source[96];
    int per_session;
    int sessions, survival_sessions, missing;
} tb_bt_macro;

/* Picks the VIX for the run from cfg's risk.survival source and sets the first state. */
int tb_bt_macro_open(tb_bt_macro *m, const tb_config *cfg, const tb_runner_opts *ro, tb_risk *risk,
                     tb_err *e);

/* on_session_start hook (ud: the tb_bt_macro): the state for session d. */
void tb_bt_macro_session(void *ud, tb_date d);

/* {"source", "per_session", "sessions", "survival_sessions", "threshold"} for --json. */
json_t *tb_bt_macro_json(const tb_bt_macro *m);

/* One line for the table report. */
void tb_bt_macro_print(const tb_bt_macro *m, FILE *f);

void tb_bt_macro_close(tb_bt_macro *m);

#endif
