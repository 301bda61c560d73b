/*
 * config.h - config/trading_config.json, read and validated in one place.
 *
 * The shipped configuration is embedded in the binary and gives every default; the operator's
 * file is laid over it key by key. Every key is checked against one schema table (config.c):
 * an unknown key, a wrong type or a value out of range is an error naming the file, the key and
 * what was expected. All errors are collected, so `tradebot check` can print them at once. No
 * other component parses the configuration file.
 */
#ifndef TB_CONFIG_H
#define TB_CONFIG_H

#include "util/err.h"

#include <jansson.h>
#include <stdint.h>

#define TB_CONFIG_PATH     "config/trading_config.json"
#define TB_CONFIG_MAX_ERRS 64

typedef struct tb_config_errors {
    int n;
    char msg[TB_CONFIG_MAX_ERRS][320];
} tb_config_errors;

typedef struct tb_strategy_cfg {
    char *name; /* defaults to the file's base name */
    char *file; /* relative to home */
    int enabled;
    char **symbols;
    int nsymbols;
    json_t *params;        /* overrides of the strategy's params (object) */
    json_t *symbol_params; /* { "AAPL": { param: value } } */
    int allow_short;       /* ctx:short may open a short (the account must allow it too) */
} tb_strategy_cfg;

typedef struct tb_config {
    char *broker; /* paper | alpaca | ibkr */
    char *feed;   /* replay | polygon | alpaca | ibkr */
    char **symbols;
    int nsymbols;
    double data_refresh_interval_hours;
    struct {
        char *level;
        int stderr_echo;
        int64_t max_bytes;       /* text logs rotate past this */
        int64_t jsonl_max_bytes; /* audit trails rotate past this (runbook: 500 MB) */
    } logging;
    struct {
        int64_t instruction_budget; /* per strategy call */
        int64_t memory_limit_mb;    /* per strategy state */
        int64_t time_limit_ms;      /* wall clock per strategy call */
        int64_t max_overruns;       /* stops before the strategy is disabled */
        int64_t pattern_steps;      /* per string.find/match/gmatch/gsub call */
        int64_t state_max_kb;       /* ctx.state serialised */
    } sandbox;
    struct {
        int enabled;
        int64_t debounce_ms;
    } reload;
    struct {
        int enabled;
        char *socket;
        int64_t instruction_budget;
        int64_t time_limit_ms; /* wall clock per chunk */
    } repl;
    struct {
        int64_t latency_probe_ms;
        int64_t stall_warn_ms; /* work holding the loop longer is a WARN line; 0 = off */
    } loop;
    struct {
        double speed;    /* 0: as fast as possible; N: N times real time */
        int64_t seed;    /* sample data and paper broker */
        int64_t days;    /* sample data: trading days */
        int64_t symbols; /* sample data: symbols besides SPY */
        char *start;     /* sample data: first date */
        char *data_dir;  /* replay CSV files from this folder instead ("" = sample data) */
    } replay;
    struct {
        double initial_cash;
        int64_t slippage_bps;
        double commission_per_share;
        int64_t flatten_minutes; /* close what is left this many minutes before the close */
    } paper;
    struct {
        int enabled;
        struct {
            char *policy; /* pdt_legacy | budget | off */
            int64_t max_day_trades, window_days;
            double min_equity, reversal_profit_pct;
            int keep_last, block_exits;
        } day_trades;
        struct {
            char *preset; /* regulatory | alpaca | ibkr | off */
        } margin;
        struct {
            double vix_threshold, max_age_hours;
            char *stale;  /* survival | ignore */
            char *source; /* sample | csv | polygon */
            char *csv;
        } survival;
        struct {
            int64_t max_position_shares, max_open_positions, max_orders_per_minute;
            double max_position_notional, max_total_notional, price_band_pct, min_price, min_volume;
        } limits;
        struct {
            int extended;
        } hours;
        struct {
            double limit;
            int close_positions;
        } daily_loss;
        struct {
            int enabled;
        } buying_power;
        int allow_short; /* the account may sell short (a margin account that can borrow) */
    } risk;
    struct {
        int enabled;                /* `tradebot run` runs the daily sequence on its loop */
        char *script;               /* the sequence: scripts/orchestrator.lua */
        char *archive_remote;       /* rclone destination of data/archives/ ("" = none) */
        int64_t candidates_poll_ms; /* how often the engine looks for a new candidates file */
    } orchestrator;
    struct {
        int enabled;
        char *bind;       /* address to listen on (loopback unless the operator says otherwise) */
        int64_t port;     /* 0: any free port (the log line says which) */
        char *token_file; /* bearer token for state-changing endpoints; created 0600 */
        char *web_dir;    /* static pages; "" or missing: the source tree's web/ */
        int64_t push_ms;  /* server-sent events period */
    } dashboard;
    struct {
        char *trading_url; /* paper: https://paper-api.alpaca.markets, live: api.alpaca.markets */
        char *stream_url;  /* trade_updates websocket ("" : REST polling only) */
        char *keys_file;   /* 0600 file with APCA_API_KEY_ID=/APCA_API_SECRET_KEY= (env first) */
        double rate_per_minute;       /* Alpaca's published trading API limit: 200 */
        int64_t reconcile_interval_s; /* REST reconciliation period */
        int64_t order_poll_after_s;   /* an open order not heard of this long is polled (0 off) */
        int64_t order_poll_max;       /* at most this many order polls in flight at once */
        int64_t unknown_deadline_s;   /* unknown-outcome orders: looked up this long (0: until the
                                         end of their session) */
        int64_t unknown_lookup_max_s; /* ... with at most this long between lookups (30) */
        int64_t position_difference_rounds; /* reconciliations before a difference holds entries */
        int64_t position_difference_min_s;  /* ... and its least age (90) */
    } alpaca;
    struct {
        char *data_url;          /* bars REST: https://data.alpaca.markets */
        char *stream_url;        /* wss://stream.data.alpaca.markets/v2 (+ "/" feed) */
        char *feed;              /* iex (free plans) | sip (subscription) */
        double rate_per_minute;  /* data API requests a minute (free plan: 200) */
        int64_t limit_backoff_s; /* wait after 406 connection limit exceeded (~90 s) */
        int64_t stale_after_s;   /* no bar at all this long in market hours: reconnect (0 off) */
    } alpaca_data;
    struct {
        char *base_url;      /* https://api.polygon.io (or https://api.massive.com) */
        char *plan;          /* free (5 requests a minute) | paid */
        char *key_file;      /* 0600 file with the key (POLYGON_API_KEY first) */
        double poll_seconds; /* minute aggregates polled this often per symbol set */
    } polygon;
    struct {
        char *source; /* store (bar store, else sample data) | polygon / massive (snapshot) */
    } candidates;
    struct {
        int live;            /* live feed's bars into the bars table of ml_db/ml_data.db */
        int64_t flush_ms;    /* buffered bars are written this often (and at session end) */
        int64_t buffer_bars; /* at most this many wait for a locked database */
    } bar_store;
    struct {
        int enabled;       /* a live-feed engine records its session (docs/replay.md) */
        int64_t buffer_kb; /* records wait here until the loop writes them */
    } record;
    struct {
        double reject_hold_minutes; /* a symbol rejected for good takes no entries this long */
    } orders;
    struct {
        char *host;                     /* IB Gateway: 127.0.0.1, or ib-gateway in compose */
        int64_t port;                   /* 4002 paper on the host, 4004 inside compose */
        int64_t client_id;              /* the engine's own; tools and health checks use others */
        int64_t alternate_client_id;    /* after repeated 326 (id in use); -1: none */
        char *account;                  /* "" : the Gateway's account */
        char *restart_time;             /* "hh:mm", the Gateway's AUTO_RESTART_TIME */
        char *restart_zone;             /* America/New_York | UTC */
        int64_t restart_window_minutes; /* no new orders this close to the restart */
        double reconnect_min_seconds, reconnect_max_seconds;
        int64_t reconcile_interval_s;       /* quiet re-sync while ready (0: off) */
        int64_t unknown_deadline_s;         /* unknown-outcome orders: looked up this long (0: until
                                               the end of their session) */
        int64_t unknown_lookup_max_s;       /* ... with at most this long between lookups (30) */
        int64_t position_difference_rounds; /* reconciliations before a difference holds
                                               entries (2) */
        int64_t position_difference_min_s;  /* ... and its least age (90) */
        int64_t feed_client_id;        /* "feed": "ibkr" without broker ibkr; -1: client_id + 100 */
        int64_t feed_stale_after_s;    /* no 5 s bar for any symbol this long, market open:
                                          resubscribe + backfill (0: off) */
        int64_t feed_minute_grace_s;   /* a minute without its +55 s bar closes this long after
                                          its end (and after its last bar arrived) */
        int64_t feed_backfill_after_s; /* no minute this long after a resubscribe: backfill */
    } ibkr;
    struct {
        int enabled;                   /* features, confidence, gate, model swaps */
        int strict_schema;             /* STRICT_SCHEMA: a feature off the schema blocks entries */
        double min_confidence;         /* entries below are blocked (0: never) */
        int64_t sample_every_minutes;  /* decision points per symbol */
        int64_t horizon_minutes;       /* the label: forward return over this span */
        double retrain_interval_hours; /* `tradebot train` is due after this */
        double poll_seconds;           /* how often the engine looks at ml_db/models/current */
        int64_t train_rounds, max_depth, folds, min_rows;
        double eta;
        double min_auc; /* a new model's walk-forward AUC floor for going into service */
    } ml;
    struct {
        int64_t sessions;       /* the window the rules look back over (stagnation: no trades) */
        double missed_move_pct; /* a blocked signal's symbol moving more than this is missed */
        double gate_block_pct;  /* a gate blocking more than this share of intents over-blocks */
        double drawdown_pct;    /* drawdown over the window past this share of initial cash */
        int64_t log_growth_mb;  /* logs growing more than this between two audits */
    } sentinel;
    struct {
        int64_t replay_sessions; /* the replay that proves a change covers this many sessions */
        char **metrics;          /* trades | pnl | win_rate | sharpe | max_drawdown_pct */
        int nmetrics;
        char *worktree_dir; /* where directive worktrees live (relative to home) */
        int llm_enabled;    /* the optional LLM proposer (OpenAI-compatible chat completions) */
        char *llm_url;      /* full URL of the chat completions endpoint */
        char *llm_model;
        char *llm_key_env; /* environment variable holding the API key ("" none) */
        int64_t llm_timeout_s;
    } healer;
    tb_strategy_cfg *strategies;
    int nstrategies;
} tb_config;

/* The embedded default configuration (the shipped config/trading_config.json). */
extern const char tb_config_default_json[];

/*
 * Loads the defaults, then lays the file at path over them (a missing file is an error unless
 * missing_ok). Returns 0, or -1 with every problem in errs. out is valid only on success.
 */
int tb_config_load(const char *path, int missing_ok, tb_config *out, tb_config_errors *errs);

/* Same, from a JSON text (tests; name is used in messages). */
int tb_config_load_text(const char *text, const char *name, tb_config *out, tb_config_errors *errs);

/* Frees what a successful load allocated. */
void tb_config_free(tb_config *c);

/* Writes the embedded default to path when no file exists there. Returns 1 written, 0 exists. */
int tb_config_write_default(const char *path, tb_err *e);

#endif
