/*
 * trader.h - the trading path: bar -> indicators -> paper fills -> strategies -> intents ->
 * gates -> order manager -> broker, and fills back to the strategies.
 *
 * One trader serves `tradebot run` and `tradebot backtest` alike: the replay feed hands it bars
 * and session boundaries; nothing in it knows which of the two it runs in. Per-symbol state
 * (indicator set, recent bars, last price) is allocated when the symbol is first seen; a bar
 * allocates nothing.
 */
#ifndef TB_TRADE_TRADER_H
#define TB_TRADE_TRADER_H

#include "broker/paper.h"
#include "data/bar.h"
#include "data/calendar.h"
#include "data/ring.h"
#include "data/symbols.h"
#include "log/jsonl.h"
#include "oms/gate.h"
#include "oms/oms.h"
#include "strategy/host.h"
#include "util/counters.h"

#include <stdint.h>

struct tb_ml;
struct tb_replay_ev;

/*
 * Who watches the trading path without taking part (the session recorder, core/replay/): every
 * callback is optional and runs on the loop thread. feed sees each bar and session boundary
 * before the trader does (called by the runner); decision sees every intent with its verdict
 * (the decision log's line); wrap_broker may replace the broker the order manager talks to with
 * a decorator of it (before it is connected).
 */
typedef struct tb_trade_tap {
    void (*feed)(void *ud, const struct tb_replay_ev *ev);
    void (*decision)(void *ud, const oms_intent *in, const char *verdict, const char *gate,
                     const char *why, const oms_order *o);
    void (*wrap_broker)(void *ud, broker *b);
    void *ud;
} tb_trade_tap;

typedef struct tb_trader_opts {
    tb_shost *shost;
    tb_symtab *syms;
    const tb_cal *cal;
    paper_config paper;        /* the simulated exchange (the embedded default broker) */
    tb_jsonl *decisions;       /* logs/enhanced_decision_log.jsonl; NULL: none */
    oms_journal journal;       /* persistence of orders and fills; zero: none (backtests) */
    tb_gate_fn gate;           /* NULL: everything passes */
    tb_gate_tick_fn gate_tick; /* NULL: none */
    void *gate_ud;
    int flatten_minutes; /* close what strategies left open this many minutes before the close;
                            0: never */
    double reject_hold_minutes; /* a symbol rejected for good takes no entries this long (0: off;
                                   trade/admit.h) */
    int allow_short;            /* the account may sell short; a strategy also needs its own
                                   allow_short for ctx:short (docs/strategy-api.md) */
    /* A real broker instead of the paper one: called once with the order manager; fills *out
     * and returns 0, or -1 with e. NULL: the paper broker. The maker owns the adapter. */
    int (*make_broker)(void *ud, oms *m, broker *out, tb_err *e);
    void *broker_ud;
    struct tb_ml *ml;        /* features and confidence per bar (core/ml/ml.h); NULL: none */
    const tb_trade_tap *tap; /* NULL: none */
} tb_trader_opts;

typedef struct tb_trader_stats {
    uint64_t bars, intents, orders, blocked, rejected, fills, errors;
    tb_money fees;
    int64_t last_ns;
    /* Portfolio invariants seen after fills: the lowest account position of any symbol and of
     * any strategy (0 when never short), and fills that left a strategy short that may not be
     * (each one an ERROR log line). */
    tb_qty lowest_account_qty, lowest_strategy_qty;
    uint64_t unallowed_shorts;
} tb_trader_stats;

/* A closing fill: what a report counts as a trade. */
typedef struct tb_trade_rec {
    char symbol[16];
    char strategy[48];
    int64_t t_ns;
    tb_qty qty; /* shares closed */
    tb_money price;
    tb_money pnl;     /* realised by this fill, before fees */
    int side;         /* oms_side of the closing fill (sell: a long closed) */
    int64_t entry_ns; /* first fill of the position it closes (part of) */
    tb_money fees;    /* the symbol's commissions since its previous closing fill */
    char reason[64];  /* the closing order's reason (strategy's, or the session-end flatten) */
} tb_trade_rec;

/* One execution, kept for the dashboard (the last TB_TRADER_RECENT_FILLS of them). */
typedef struct tb_fill_rec {
    char client_id[64];
    char symbol[16];
    char strategy[48];
    int side; /* oms_side */
    int64_t t_ns;
    tb_qty qty;
    tb_money price;
} tb_fill_rec;

#define TB_TRADER_RECENT_FILLS 256

typedef struct tb_trader tb_trader;

/* Copies up to cap of the latest fills into out, newest first; returns how many. */
int tb_trader_recent_fills(const tb_trader *t, tb_fill_rec *out, int cap);

/* Order rejects by the broker's reason and intents blocked by gate (the kill switch included). */
const tb_counters *tb_trader_rejects(const tb_trader *t);
const tb_counters *tb_trader_gate_blocks(const tb_trader *t);

/* The kill switch: while halted every new intent is blocked by the gate "kill_switch". */
void tb_trader_set_halt(tb_trader *t, int halted, const char *reason);
int tb_trader_halted(const tb_trader *t, const char **reason);

/* Requests a cancel of every open order; returns how many were asked to cancel. */
int tb_trader_cancel_all(tb_trader *t);

/* The broker the trader sends to (state, account): the real adapter when one is configured,
 * else the in-process paper broker. */
broker tb_trader_broker(tb_trader *t);

struct tb_admit;
/* Broker readiness refusals and the per-symbol reject holds (trade/admit.h). */
const struct tb_admit *tb_trader_admit(const tb_trader *t);

/* The last close of a symbol, NaN when it was never seen. */
double tb_trader_last_price_of(const tb_trader *t, const char *symbol);

/* The recent bars of a symbol (up to 512, newest at ago 0), or NULL if it was never seen. */
const tb_ring *tb_trader_symbol_bars(const tb_trader *t, const char *symbol);

/* Closing fills so far (the trader owns the array). */
const tb_trade_rec *tb_trader_trades(const tb_trader *t, size_t *n);

tb_trader *tb_trader_new(const tb_trader_opts *o, tb_err *e);
void tb_trader_free(tb_trader *t);

/* The order manager (for restore at start and for reports). */
oms *tb_trader_oms(tb_trader *t);

/* Broken invariants counted so far: the order manager's (account = sum of strategies) and the
 * paper account's kept sums. Must stay 0 (each one is an ERROR line when it happens). */
uint64_t tb_trader_invariant_violations(tb_trader *t);

/*
 * After a restart: bars that start at or before ns were processed before the crash. They only
 * warm indicators and prices again; strategies do not see them and nothing fills on them.
 */
void tb_trader_set_resume(tb_trader *t, int64_t ns);

/* The resume point set above (0: none). */
int64_t tb_trader_resume_ns(const tb_trader *t);

/* Start of the bar being processed, or of the last one (what a replay cursor records). */
int64_t tb_trader_bar_ns(const tb_trader *t);

/*
 * After oms_store_load: gives the paper exchange the positions the OMS holds and the cash, and
 * cancels the orders that were working before the restart (the paper book is gone with the
 * process). Returns the number of orders canceled.
 */
int tb_trader_restore_paper(tb_trader *t, tb_money cash, tb_err *e);

/* After the order manager's positions were restored: a trade's P&L is what a fill adds to its
 * symbol's realised P&L, so that count starts from the restored figures (else the first fill
 * after a restart reported the day's earlier P&L as one trade, and the ML outcome learnt it). */
void tb_trader_restored(tb_trader *t);

/* One closed bar (any symbol). */
void tb_trader_on_bar(tb_trader *t, const tb_bar *bar);

/* Between bars (after a bar's orders are out): makes the memory the next orders will take
 * resident (the order manager's slots, the paper broker's records), so that an order does not
 * pay a page fault on the bar-to-order path. */
void tb_trader_warm(tb_trader *t);

/* Makes the per-symbol state (indicator set, ring of recent bars, its pages touched) of symbol
 * ids 0..nsym-1 now instead of at each symbol's first bar: a replay that knows its symbols takes
 * that work (~35,000 instructions and the ring's page faults a symbol) off the bar-to-order path.
 * Nothing a strategy or gate sees changes: a symbol without a bar has no price (NAN) and no
 * bars (tb_trader_symbol_bars NULL). The order manager's entry each symbol will take is touched
 * too (oms_warm_symbol), not made. */
void tb_trader_prepare(tb_trader *t, uint32_t nsym);

/* Session boundaries from the feed: start resets session state, end expires day orders. */
void tb_trader_session_start(tb_trader *t, const tb_session *s);
void tb_trader_session_end(tb_trader *t, const tb_session *s);

/* Fills the context gates see at this moment. */
void tb_trader_gate_ctx(tb_trader *t, tb_gate_ctx *cx);

/* Runs the gate (when configured) on an intent; 1 blocked with gate and why filled. Counts it. */
int tb_trader_gate(tb_trader *t, const oms_intent *in, char *gate, size_t gate_len, char *why,
                   size_t why_len);

/* Account as the broker sees it, marked to the last prices. */
broker_account tb_trader_account(const tb_trader *t);

/* Sum of unrealised P&L over positions at the last prices. */
tb_money tb_trader_unrealized(const tb_trader *t);

void tb_trader_stats_get(const tb_trader *t, tb_trader_stats *out);

/* The hook for tb_shost: adds ctx:buy/sell/close/cancel, ctx.ind, ctx:position() ... */
void tb_trader_ctx_init(void *ud, lua_State *L, tb_strategy *s);

/* Hooks for tb_shost: before on_bar (inside its protected call) ctx.ind gets the current symbol's
 * values; before any other callback they are taken out (trade/ctx_ind.h). */
void tb_trader_ctx_bar(void *ud, lua_State *L, tb_strategy *s);
void tb_trader_ctx_other(void *ud, lua_State *L, tb_strategy *s);

#endif
