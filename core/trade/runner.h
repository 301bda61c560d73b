/*
 * runner.h - one trading run over replayed bars: the sample data (or a CSV set), the replay
 * feed, the trader and the figures a report needs (equity per session, round trips).
 *
 * `tradebot run` drives it at the configured pace on the engine's loop; `tradebot backtest`
 * at full speed on a loop of its own. Same code path, same numbers. With a live feed (Alpaca,
 * Polygon) the same callback gets the vendor's closed bars and the calendar's sessions.
 */
#ifndef TB_TRADE_RUNNER_H
#define TB_TRADE_RUNNER_H

#include "config/config.h"
#include "data/bar.h"
#include "data/csv_cache.h"
#include "data/calendar.h"
#include "data/sample_gen.h"
#include "data/symbols.h"
#include "feed/live.h"
#include "feed/replay.h"
#include "trade/trader.h"

typedef struct tb_runner_opts {
    struct event_base *base;
    tb_shost *shost;
    double speed;          /* 0: as fast as possible */
    uint64_t seed;         /* sample data and paper broker */
    int days;              /* sample data: trading days */
    int nsymbols;          /* sample data: symbols besides SPY */
    const char *start;     /* sample data: first date, YYYY-MM-DD ("" default) */
    const char *data_dir;  /* CSV files to replay instead of sample data (NULL: sample) */
    const char *from, *to; /* YYYY-MM-DD: only sessions in [from, to] are played (NULL: all) */
    /* Sample data: generate exactly `days` from `start` and only cut it to [from, to] (a sweep's
     * segments are stretches of one data set). 0: --to extends the generation to reach it. */
    int sample_cut_only;
    tb_money initial_cash;
    int32_t slippage_bps;
    tb_money commission_per_share;
    int flatten_minutes;
    double reject_hold_minutes; /* trade/admit.h */
    int allow_short;            /* the account may sell short (config risk.allow_short) */
    tb_jsonl *decisions;
    oms_journal journal;
    tb_gate_fn gate; /* risk gates (core/risk/gates.h); NULL: everything passes */
    tb_gate_tick_fn gate_tick;
    void *gate_ud;
    int (*make_broker)(void *ud, oms *m, broker *out, tb_err *e); /* NULL: paper broker */
    void *broker_ud;
    struct tb_ml *ml;          /* NULL: no features, no model */
    const tb_live_opts *live;  /* a live feed instead of the replay (NULL: replay) */
    void (*on_done)(void *ud); /* the replay finished */
    void (*on_session_start)(void *ud, tb_date d); /* before a session's first bar */
    void (*on_session_end)(void *ud);              /* after a session's last bar */
    void *ud;
    /* The component of the session and replay lines. NULL: "replay", the engine's own sessions
     * the Sentinel and the Healer read from logs/trading_bot.log; a replay that is not the
     * engine's (the training replay) names itself so it is not taken for trading. */
    const char *log_component;
    const tb_trade_tap *tap; /* the session recorder (trader.h); NULL: none */
    /* The caller hands the events (tradebot replay, tb_runner_feed): nothing is loaded or
     * played; the live and data options are ignored. */
    int external;
    const tb_csv_cache_opts *csv_cache; /* data_dir's column caches (NULL: on, next to the CSV) */
} tb_runner_opts;

typedef struct tb_equity_point {
    int64_t t_ns;
    double equity;
    int exposed; /* any position open at that moment */
} tb_equity_point;

typedef struct tb_runner {
    tb_runner_opts o;
    tb_symtab syms;
    tb_cal cal;
    tb_bar_vec bars;
    tb_replay *replay; /* NULL with a live feed */
    tb_live *live;     /* NULL with the replay */
    tb_trader *trader;
    tb_equity_point *curve;
    size_t ncurve, capcurve;
    int64_t last_sample_ns;
    int done;
    tb_csv_report data_skips; /* rows of the --data files that did not become bars, all files */
    /* After a restart: the bars seen before it are played at full speed, strategies not
     * trading, until the resume point (catch_up_to_ns, catch_up_bars of them). */
    int catching_up;
    int64_t catch_up_to_ns;
    size_t catch_up_bars;
    int64_t catch_up_mono_ns;
} tb_runner;

/* The sample data the runner generates for o when it plays neither CSV files nor a live feed
 * (seed, days, symbols, start, reaching --to). Other data (the VIX series) comes from it. */
int tb_runner_sample_cfg(const tb_runner_opts *o, tb_sample_cfg *sc, tb_err *e);

/* Loads the bars and builds the trader; nothing plays before tb_runner_start. */
int tb_runner_open(tb_runner *r, const tb_runner_opts *o, tb_err *e);

/* Sets ro's data and account fields from the configuration `tradebot run` trades with, so a
 * backtest, the training replay and the engine replay alike: replay.seed, days, symbols, start
 * and data_dir (as configured, relative to the home; NULL when empty), paper.initial_cash,
 * slippage_bps, commission_per_share (exact micro-dollars) and flatten_minutes,
 * orders.reject_hold_minutes and risk.allow_short. Leaves every other field as it was. */
void tb_runner_opts_from_config(tb_runner_opts *ro, const tb_config *c);
int tb_runner_start(tb_runner *r, tb_err *e);

/* One event of an external runner (o.external): a bar or a session boundary, as a feed would
 * hand it (same session lines, equity samples and trader calls). */
void tb_runner_feed(tb_runner *r, const tb_replay_ev *ev);
void tb_runner_close(tb_runner *r);

#endif
