/*
 * risk_priv.h - the gates' shared state and the one function each gate file exports. Not for
 * users outside core/risk/.
 */
#ifndef TB_RISK_PRIV_H
#define TB_RISK_PRIV_H

#include "risk/gates.h"

#include <limits.h>
#include <sys/types.h>

#define RISK_OPM_MAX    1024 /* orders-per-minute window */
#define RISK_ADJ_MAX    64   /* operator/broker day-trade adjustments remembered */
#define RISK_WAIVED_MAX 64

#define RISK_BOOK_MAX 4096 /* held positions the gates look at */

/* The held positions with their last prices (position_last; NAN when unknown), taken once per
 * intent for the gates that walk them all (limits' book notional, the margin requirement): one
 * walk and one price each instead of one per gate. Filled on first use (risk_book_get). */
typedef struct risk_book {
    int held, ready, n; /* p[] filled (risk_book_held); last[] too (risk_book_get) */
    const oms_position *p[RISK_BOOK_MAX];
    double last[RISK_BOOK_MAX];
} risk_book;

/* An intent as the gates see it: sizes, price and what it does to the position. */
typedef struct risk_order {
    risk_book *book; /* the held positions, priced (risk_book_get) */
    const oms_intent *in;
    const oms_position *position; /* the symbol's (oms_position_get), NULL when never traded */
    double price;                 /* limit (or stop) price, else the last trade; NAN when unknown */
    double last;                  /* last trade */
    tb_qty pos;                   /* signed filled position before */
    tb_qty working_buy;           /* unfilled rest of the symbol's working buys (oms_exposure) */
    tb_qty working_sell;          /* and sells: a gate judges the position as if all of them fill */
    tb_qty signed_qty;            /* + buy, - sell */
    int reduces;           /* an exit: opposite side, qty <= |pos| - working orders on its side */
    tb_qty opening;        /* shares it would open beyond what is left to reduce */
    int closes_today;      /* it would close shares opened this session day */
    double unrealized_pct; /* the position's unrealised P&L in % of its cost (NAN flat) */
} risk_order;

/* An operator or broker correction of the day-trade count, dated. */
typedef struct risk_dt_adj {
    int32_t day; /* yyyymmdd */
    int count;   /* day trades added on that day */
    char source[12];
} risk_dt_adj;

struct tb_risk {
    tb_risk_cfg cfg;
    oms *oms;
    uint64_t blocked[TB_GATE_COUNT];
    int files; /* 1: home_data given */
    char macro_path[PATH_MAX], pdt_path[PATH_MAX], kill_path[PATH_MAX];
    int64_t last_poll_mono;
    /* kill switch */
    tb_risk_kill_state kill;
    int64_t kill_mtime; /* ns */
    int kill_file_seen;
    /* survival */
    tb_macro macro;
    int64_t macro_mtime;
    int macro_stale_logged;
    /* day trades */
    risk_dt_adj adj[RISK_ADJ_MAX];
    int nadj;
    char waived[RISK_WAIVED_MAX][OMS_CLIENT_ID_MAX + 1];
    int nwaived;
    int64_t pdt_mtime;
    int64_t pdt_last_poll_mono;
    int pdt_file_count; /* day_trade_count read at start (-1: none) */
    int32_t pdt_file_day;
    int pdt_written_count; /* the count last written to the file (-1: never) */
    int32_t pdt_written_day;
    uint64_t pdt_file_hash;      /* of the file as found at start (0: none) */
    uint64_t pdt_written_hash;   /* of what the file holds from us: written, or found in step */
    uint64_t pdt_db_hash;        /* the last write as the database recorded it */
    int pdt_db_known;            /* 1: the database has a record (tb_risk_set_kv) */
    int64_t pdt_fill_write_mono; /* when a committed day trade last wrote the file */
    int pdt_dirty;               /* a day trade since then, for the next poll to write */
    tb_kv *kv;
    int32_t dt_day;               /* the latest session day a context showed (yyyymmdd) */
    const oms_daytrade *dt_extra; /* committed with its fill, not yet in the ledger */
    const tb_cal *cal;            /* from the last context */
    /* limits */
    int64_t opm[RISK_OPM_MAX]; /* times of recent orders, ring */
    int opm_head, opm_n;
    /* daily loss */
    int32_t loss_day; /* session day of start_equity */
    tb_money start_equity;
    int32_t halted_day; /* session day the limit was hit (0: none) */
    int close_pending;  /* some position has no closing order yet (refused): retried each tick */
    int close_logged;   /* the refusal was logged in this close-out */
    risk_book book;     /* of the intent being judged */
};

/* Classifies an intent (position, price, same-day shares). */
void risk_order_make(const tb_gate_ctx *cx, const oms_intent *in, risk_order *o);

/* The intent's book of held positions and their last prices, taken on first use. */
const risk_book *risk_book_get(const tb_gate_ctx *cx, const risk_order *o);

/* The intent's book with its positions but not yet their prices (a count is all limits need
 * when no total notional is configured). */
const risk_book *risk_book_held(const tb_gate_ctx *cx, const risk_order *o);

/* Each gate: 1 when blocked, with why filled. */
int risk_kill_switch_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why,
                           size_t n);
int risk_hours_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n);
int risk_daily_loss_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why,
                          size_t n);
int risk_survival_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why,
                        size_t n);
int risk_limits_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n);
int risk_daytrade_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why,
                        size_t n);
int risk_margin_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why, size_t n);
int risk_buying_power_check(tb_risk *r, const tb_gate_ctx *cx, const risk_order *o, char *why,
                            size_t n);

/* Limits: records a submitted order's time (for orders per minute). */
void risk_limits_note_order(tb_risk *r, int64_t now_ns);

/* Daily loss: tracks the session's starting equity; acts once when the limit is hit, and
 * retries closing positions whose closing order was refused (a locked database) each tick. */
void risk_daily_loss_tick(tb_risk *r, const tb_gate_ctx *cx);

/* Kill switch: reads data/kill_switch.json when it changed. */
void risk_kill_poll(tb_risk *r);
/* Kill switch: cancels again what was working before it and still is (each tick). */
void risk_kill_tick(tb_risk *r);
void risk_kill_load(tb_risk *r);

/* Survival: reads data/macro.json when it changed. */
void risk_survival_poll(tb_risk *r, int force);

/* Day trades: the state file (read operator edits, write the count and its list). */
void risk_pdt_poll(tb_risk *r, const tb_gate_ctx *cx);
void risk_pdt_load(tb_risk *r);
/* Writes the file when day trades came faster than one write a second (tb_risk_poll). */
void risk_pdt_dirty_poll(tb_risk *r);
void risk_pdt_save(tb_risk *r, const tb_gate_ctx *cx);
/* Checks the file for an operator edit and rewrites it when the count, the day or force says
 * so; cx must have the order manager and the session day. */
void risk_pdt_sync(tb_risk *r, const tb_gate_ctx *cx, int force);
/* Day trades in the window from the ledger (minus waived), r->dt_extra, plus adjustments. */
int risk_dt_count(tb_risk *r, const tb_gate_ctx *cx, int32_t *first, int32_t *last);
/* 1 when the order manager's ledger holds the day trade of this closing order. */
int risk_dt_in_ledger(const tb_gate_ctx *cx, const char *client_id);
/* Applies a corrected count (operator edit or broker figure) as dated adjustments. */
void risk_dt_set_count(tb_risk *r, const tb_gate_ctx *cx, int count, const char *source);

/* A file's modification time in ns (0 when missing). */
int64_t risk_mtime(const char *path);

/* Cancels every open order; returns how many cancels were requested. */
int risk_cancel_all(tb_risk *r, const char *why);

#endif
