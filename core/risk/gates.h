/*
 * gates.h - the risk gates every strategy intent passes before it becomes an order.
 *
 * One tb_risk holds the gates' configuration and state; tb_risk_gate is a tb_gate_fn and
 * tb_risk_tick a tb_gate_tick_fn (oms/gate.h). The chain runs in a fixed order and the first
 * gate that blocks names itself and says why:
 *
 *   kill_switch · hours · daily_loss · survival · limits · daytrade · margin · buying_power
 *
 * Orders that reduce a position (exits) pass kill_switch, daily_loss, survival, limits, margin
 * and buying_power; hours apply to every order (the market must be open) and the day-trade guard
 * judges same-day closes by its policy. Each gate has a blocked counter (tb_risk_counts).
 * Files (data/macro.json, data/pdt_state.json, data/kill_switch.json) are read at open and polled
 * by tb_risk_poll (at most once a second); a risk without a home (backtests) uses none.
 */
#ifndef TB_RISK_GATES_H
#define TB_RISK_GATES_H

#include "store/kv.h"
#include "oms/gate.h"
#include "util/err.h"
#include "util/money.h"

#include <stdint.h>

typedef enum {
    TB_GATE_KILL_SWITCH,
    TB_GATE_HOURS,
    TB_GATE_DAILY_LOSS,
    TB_GATE_SURVIVAL,
    TB_GATE_LIMITS,
    TB_GATE_DAYTRADE,
    TB_GATE_MARGIN,
    TB_GATE_BUYING_POWER,
    TB_GATE_COUNT
} tb_gate_id;

typedef enum { TB_PDT_LEGACY, TB_PDT_BUDGET, TB_PDT_OFF } tb_pdt_policy;
typedef enum {
    TB_MARGIN_REGULATORY,
    TB_MARGIN_ALPACA,
    TB_MARGIN_IBKR,
    TB_MARGIN_OFF
} tb_margin_preset;

typedef struct tb_risk_cfg {
    int enabled; /* 0: every gate passes (counters stay 0) */
    struct {
        tb_pdt_policy policy;
        int max_day_trades;         /* legacy: 3; budget: N */
        int window_days;            /* business days, today included: 5 */
        tb_money min_equity;        /* legacy: the rule applies below this equity: $25,000 */
        double reversal_profit_pct; /* last day trade: a same-day close needs more profit: 3 */
        int keep_last;              /* hold the last day trade back from new round trips: 1 */
        int block_exits;            /* 1: also hold protective (losing) same-day closes */
    } dt;
    tb_margin_preset margin;
    struct {
        double vix_threshold;  /* survival at or above: 40 */
        double max_age_hours;  /* older macro state is stale: 24 */
        int stale_is_survival; /* fail-safe for stale or missing state: 1 */
    } survival;
    struct {
        tb_qty max_position_shares;     /* per symbol; 0: no limit */
        tb_money max_position_notional; /* per symbol */
        tb_money max_total_notional;    /* all positions and opening orders */
        int max_open_positions;
        int max_orders_per_minute;
        double price_band_pct; /* limit/stop price within this % of the last trade; 0: off */
        tb_money min_price;    /* entries below this price are blocked */
        double min_volume;     /* last bar's volume at least this */
    } limits;
    int extended_hours; /* 1: pre/after-market too, limit orders only */
    struct {
        tb_money limit;      /* day loss (realised + unrealised) that halts entries; 0: off */
        int close_positions; /* 1: also close every position at market */
    } daily_loss;
    int buying_power; /* 1: check the account's buying power */
} tb_risk_cfg;

typedef struct tb_risk tb_risk;

/* The gate names as logged ("kill_switch", "daytrade", ...). */
const char *tb_gate_name(tb_gate_id g);

/* The shipped defaults (the same as config/trading_config.json's "risk"). */
void tb_risk_cfg_defaults(tb_risk_cfg *c);

/*
 * Creates the gates. home_data: the data/ folder whose macro.json, pdt_state.json and
 * kill_switch.json are used (NULL: no files; the macro state then comes from tb_risk_set_macro).
 */
tb_risk *tb_risk_new(const tb_risk_cfg *c, const char *home_data, tb_err *e);
void tb_risk_free(tb_risk *r);

/* Applies a new configuration (config reload); state and counters are kept. */
void tb_risk_configure(tb_risk *r, const tb_risk_cfg *c);

/* The order manager the kill switch and the daily loss limit act on (set once it exists). */
void tb_risk_attach(tb_risk *r, oms *m);

/* tb_gate_fn: 1 when blocked (gate name and reason filled); counts the block. */
int tb_risk_gate(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate, size_t gate_len,
                 char *reason, size_t reason_len);

/* tb_gate_tick_fn: session change, daily loss, day-trade state file, and the kill switch's
 * cancels of what is still working from before it. */
void tb_risk_tick(void *ud, const tb_gate_ctx *cx);

/* Re-reads changed files (macro.json, pdt_state.json, kill_switch.json) at most once a second of
 * wall time; force != 0 reads now. */
void tb_risk_poll(tb_risk *r, int force);

/* Blocks counted per gate (TB_GATE_COUNT entries). */
const uint64_t *tb_risk_counts(const tb_risk *r);

/* --- kill switch -------------------------------------------------------------------------- */

/* Engages the kill switch: persists it, cancels every open order. who: "repl", "file", ... */
int tb_risk_kill(tb_risk *r, const char *who, const char *reason, tb_err *e);

/* Clears it (removes the flag file). */
int tb_risk_clear(tb_risk *r, const char *who, tb_err *e);

/* 1 while the daily loss limit halts entries in session_day (the day it was hit). */
int tb_risk_daily_loss_hit(const tb_risk *r, int32_t session_day);

typedef struct tb_risk_kill_state {
    int engaged;
    char who[32], reason[128];
    int64_t since_ns;
    int cancels_requested, cancels_confirmed;
} tb_risk_kill_state;

void tb_risk_kill_get(const tb_risk *r, tb_risk_kill_state *out);

/* --- macro state ------------------------------------------------------------------------- */

typedef struct tb_macro {
    double vix;
    int64_t time_ns; /* when the state was computed (staleness is measured from it) */
    char vix_date[16];
    char source[64];
    int survival;
    int valid;
} tb_macro;

/* Sets the macro state directly (backtests; tests). */
void tb_risk_set_macro(tb_risk *r, const tb_macro *m);

/* The macro state in force and whether survival applies now (stale -> the fail-safe). */
void tb_risk_macro_get(const tb_risk *r, tb_macro *out, int *survival_now, int *stale);

/* --- day trades -------------------------------------------------------------------------- */

typedef struct tb_risk_dt_state {
    int count;    /* day trades in the window (ledger, operator and broker adjustments) */
    int pending;  /* open orders that would make one */
    int reserved; /* same-day positions whose exit a day trade is kept for */
    int left;     /* max - count - pending, at least 0 (a correction can push count past max) */
    int applies;  /* 0 when the policy is off or the equity is above the legacy minimum */
    int32_t window_first, window_last; /* yyyymmdd */
} tb_risk_dt_state;

void tb_risk_dt_get(tb_risk *r, const tb_gate_ctx *cx, tb_risk_dt_state *out);

/* The first day (yyyymmdd) of the window of window_days business days ending on last. */
int32_t tb_risk_dt_window_first(const tb_cal *cal, int window_days, int32_t last);

/*
 * data/pdt_state.json is rewritten from the ledger (the database) at every change: a day trade
 * committed with its fill (tb_risk_dt_recorded), an operator edit, a new session day, and at
 * shutdown (tb_risk_pdt_flush). Each write's hash is recorded in kv (tb_risk_set_kv), so a start
 * tells the file the engine last wrote (behind the database after a crash: it is rewritten, not
 * read as an edit) from one changed by hand while it was stopped (an operator edit).
 */
void tb_risk_set_kv(tb_risk *r, tb_kv *kv);
void tb_risk_dt_recorded(tb_risk *r, const oms_daytrade *dt);
void tb_risk_pdt_flush(tb_risk *r);

/* A broker that still reports a day-trade count: a difference is logged and the broker wins. */
void tb_risk_dt_broker_count(tb_risk *r, const tb_gate_ctx *cx, int count);

#endif
