/*
 * rank.h - what a sweep file says: its sets ranked by the metric, and with walk-forward the
 * out-of-sample figure. Read from the file alone (store.h), so a merged file and a local one
 * with the same results give the same ranking and report, byte for byte.
 *
 * Without walk-forward each set has one figure, the metric over the whole period (in sample:
 * the data that ranks the sets is the data they are scored on). With walk-forward, on each
 * window the set with the best metric on the train segment is chosen, and scored on the test
 * segment that follows, which played no part in the choice: the mean of those test figures is
 * the out-of-sample result. Per set the means over train segments (in sample) and over test
 * segments are shown beside it. Ties go to the lower set id; a set whose run failed or is
 * missing is ranked last and never chosen.
 */
#ifndef TB_SWEEP_RANK_H
#define TB_SWEEP_RANK_H

#include "store/db.h"
#include "sweep/plan.h"

#include <jansson.h>

#define TB_SWEEP_NCOLS 6 /* sharpe, pnl, return_pct, win_rate, max_drawdown_pct, trades */

typedef struct tb_sweep_row {
    int have; /* a result is stored */
    int ok;   /* ... and the run went through (not disabled) */
    double v[TB_SWEEP_NCOLS];
    char *error;
    json_t *equity; /* [["YYYY-MM-DD", equity], ...] */
} tb_sweep_row;

typedef struct tb_sweep_window {
    int train_seg, test_seg;
    long chosen;    /* set id, -1 when no set ran on the train segment */
    double is, oos; /* the chosen set's metric on train and test */
    double oos_pnl; /* its P&L on the test segment */
} tb_sweep_window;

typedef struct tb_sweep_view {
    char strategy[512], strategy_path[4096], first[16], last[16], heat_x[64], heat_y[64], shard[32];
    const tb_sweep_metric *metric;
    int col; /* the metric's column in v */
    int top, wf_train, wf_test, sessions;
    size_t nsets, ntasks, missing;
    json_t *params; /* names */
    json_t **sets;  /* nsets param objects */
    tb_sweep_seg *seg;
    int nseg;
    tb_sweep_row *rows; /* ntasks */
    /* computed by tb_sweep_rank */
    double *is, *oos; /* per set: in sample, out of sample (NAN without walk-forward) */
    size_t *order;    /* set ids, best first */
    tb_sweep_window *win;
    int nwin;
    double wf_is, wf_oos, wf_oos_pnl; /* means over windows of the chosen sets' figures */
    long best;                        /* the set to propose: last window's choice, or rank 1 */
} tb_sweep_view;

/* The column names of v, in order. */
extern const char *const tb_sweep_cols[TB_SWEEP_NCOLS];

/* Loads the file and ranks it. */
int tb_sweep_view_load(tb_sweep_view *v, tb_db *db, tb_err *e);
void tb_sweep_view_free(tb_sweep_view *v);

/* 1 when a is better than b by the metric (NAN is worse than anything). */
int tb_sweep_better(const tb_sweep_view *v, double a, double b);

/* The metric of set on segment seg (NAN when it has none). */
double tb_sweep_value(const tb_sweep_view *v, size_t set, int seg, int col);

/* Prints the ranking (the out-of-sample result first when there is one). */
void tb_sweep_print(const tb_sweep_view *v, FILE *f);

/* The ranking as JSON for scripts (rank_json.c): {walk_forward (null without), strategy,
 * metric, sessions, sets, tasks, missing, ranking: [{rank, set, params, in_sample,
 * out_of_sample}], proposed}. A new reference. */
json_t *tb_sweep_json(const tb_sweep_view *v);

/* "a=1, b=2.5" for set (into buf). */
const char *tb_sweep_set_text(const tb_sweep_view *v, size_t set, char *buf, size_t len);

#endif
