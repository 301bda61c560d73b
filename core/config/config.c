#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char tb_config_default_json[] =
#include "default_config.inc"
    ;

typedef enum {
    CF_OBJ,
    CF_BOOL,
    CF_INT,
    CF_NUM,
    CF_STR,
    CF_ENUM,
    CF_STRLIST,
    CF_JSONOBJ,
    CF_LIST
} cf_type;

/* What a list of objects needs beyond its schema: defaults for a new element, and freeing. */
typedef struct cf_list_ops {
    void (*init)(void *elem);
    void (*free)(void *elem);
} cf_list_ops;

typedef struct cf_field {
    const char *key;
    cf_type type;
    size_t off;                      /* into the struct being filled */
    double min, max;                 /* CF_INT, CF_NUM; for CF_STR max length */
    const char *enums;               /* CF_ENUM: "a|b|c" */
    const struct cf_field *children; /* CF_OBJ (same base), CF_LIST (element schema) */
    size_t count_off;                /* CF_STRLIST, CF_LIST: offset of the int count */
    size_t elem_size;                /* CF_LIST */
    int required;                    /* in list elements */
    const cf_list_ops *ops;          /* CF_LIST */
} cf_field;

#define OFF(m)  offsetof(tb_config, m)
#define SOFF(m) offsetof(tb_strategy_cfg, m)
#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL                                                \
    }

static void free_strlist(char **l, int n);

static void strategy_init(void *elem)
{
    ((tb_strategy_cfg *)elem)->enabled = 1;
}

static void strategy_free(void *elem)
{
    tb_strategy_cfg *s = elem;
    free(s->name), free(s->file), free_strlist(s->symbols, s->nsymbols);
    json_decref(s->params), json_decref(s->symbol_params);
}

static const cf_list_ops strategy_ops = {strategy_init, strategy_free};

static const cf_field strategy_fields[] = {
    {"name", CF_STR, SOFF(name), 0, 63, NULL, NULL, 0, 0, 0, NULL},
    {"file", CF_STR, SOFF(file), 1, 255, NULL, NULL, 0, 0, 1, NULL},
    {"enabled", CF_BOOL, SOFF(enabled), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"symbols", CF_STRLIST, SOFF(symbols), 0, 15, NULL, NULL, SOFF(nsymbols), 0, 0, NULL},
    {"params", CF_JSONOBJ, SOFF(params), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"symbol_params", CF_JSONOBJ, SOFF(symbol_params), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"allow_short", CF_BOOL, SOFF(allow_short), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field logging_fields[] = {
    {"level", CF_ENUM, OFF(logging.level), 0, 0, "debug|info|warn|error", NULL, 0, 0, 0, NULL},
    {"stderr", CF_BOOL, OFF(logging.stderr_echo), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"max_bytes", CF_INT, OFF(logging.max_bytes), 0, 1e12, NULL, NULL, 0, 0, 0, NULL},
    {"jsonl_max_bytes", CF_INT, OFF(logging.jsonl_max_bytes), 0, 1e13, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field sandbox_fields[] = {
    {"instruction_budget", CF_INT, OFF(sandbox.instruction_budget), 1000, 1e10, NULL, NULL, 0, 0, 0,
     NULL},
    {"memory_limit_mb", CF_INT, OFF(sandbox.memory_limit_mb), 1, 4096, NULL, NULL, 0, 0, 0, NULL},
    {"time_limit_ms", CF_INT, OFF(sandbox.time_limit_ms), 1, 60000, NULL, NULL, 0, 0, 0, NULL},
    {"max_overruns", CF_INT, OFF(sandbox.max_overruns), 1, 1000, NULL, NULL, 0, 0, 0, NULL},
    {"pattern_steps", CF_INT, OFF(sandbox.pattern_steps), 1000, 1e10, NULL, NULL, 0, 0, 0, NULL},
    {"state_max_kb", CF_INT, OFF(sandbox.state_max_kb), 1, 65536, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field reload_fields[] = {
    {"enabled", CF_BOOL, OFF(reload.enabled), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"debounce_ms", CF_INT, OFF(reload.debounce_ms), 0, 10000, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field repl_fields[] = {
    {"enabled", CF_BOOL, OFF(repl.enabled), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"socket", CF_STR, OFF(repl.socket), 1, 100, NULL, NULL, 0, 0, 0, NULL},
    {"time_limit_ms", CF_INT, OFF(repl.time_limit_ms), 100, 3600000, NULL, NULL, 0, 0, 0, NULL},
    {"instruction_budget", CF_INT, OFF(repl.instruction_budget), 1000, 1e11, NULL, NULL, 0, 0, 0,
     NULL},
    END,
};

static const cf_field loop_fields[] = {
    {"latency_probe_ms", CF_INT, OFF(loop.latency_probe_ms), 1, 60000, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field replay_fields[] = {
    {"speed", CF_NUM, OFF(replay.speed), 0, 1e6, NULL, NULL, 0, 0, 0, NULL},
    {"seed", CF_INT, OFF(replay.seed), 0, 9e15, NULL, NULL, 0, 0, 0, NULL},
    {"days", CF_INT, OFF(replay.days), 1, 2520, NULL, NULL, 0, 0, 0, NULL},
    {"symbols", CF_INT, OFF(replay.symbols), 1, 200, NULL, NULL, 0, 0, 0, NULL},
    {"start", CF_STR, OFF(replay.start), 10, 10, NULL, NULL, 0, 0, 0, NULL},
    {"data_dir", CF_STR, OFF(replay.data_dir), 0, 255, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field paper_fields[] = {
    {"initial_cash", CF_NUM, OFF(paper.initial_cash), 100, 1e10, NULL, NULL, 0, 0, 0, NULL},
    {"slippage_bps", CF_INT, OFF(paper.slippage_bps), 0, 1000, NULL, NULL, 0, 0, 0, NULL},
    {"commission_per_share", CF_NUM, OFF(paper.commission_per_share), 0, 1, NULL, NULL, 0, 0, 0,
     NULL},
    {"flatten_minutes", CF_INT, OFF(paper.flatten_minutes), 0, 390, NULL, NULL, 0, 0, 0, NULL},
    END,
};

#define R(k, t, m, lo, hi, en)                                                                     \
    {                                                                                              \
        k, t, OFF(risk.m), lo, hi, en, NULL, 0, 0, 0, NULL                                         \
    }
static const cf_field risk_dt_fields[] = {
    R("policy", CF_ENUM, day_trades.policy, 0, 0, "pdt_legacy|budget|off"),
    R("max_day_trades", CF_INT, day_trades.max_day_trades, 0, 1000, NULL),
    R("window_days", CF_INT, day_trades.window_days, 1, 60, NULL),
    R("min_equity", CF_NUM, day_trades.min_equity, 0, 1e10, NULL),
    R("reversal_profit_pct", CF_NUM, day_trades.reversal_profit_pct, 0, 100, NULL),
    R("keep_last", CF_BOOL, day_trades.keep_last, 0, 0, NULL),
    R("block_exits", CF_BOOL, day_trades.block_exits, 0, 0, NULL),
    END,
};

static const cf_field risk_margin_fields[] = {
    R("preset", CF_ENUM, margin.preset, 0, 0, "regulatory|alpaca|ibkr|off"),
    END,
};

static const cf_field risk_survival_fields[] = {
    R("vix_threshold", CF_NUM, survival.vix_threshold, 1, 1000, NULL),
    R("max_age_hours", CF_NUM, survival.max_age_hours, 0.01, 8760, NULL),
    R("stale", CF_ENUM, survival.stale, 0, 0, "survival|ignore"),
    R("source", CF_ENUM, survival.source, 0, 0, "sample|csv|polygon"),
    R("csv", CF_STR, survival.csv, 0, 255, NULL),
    END,
};

static const cf_field risk_limits_fields[] = {
    R("max_position_shares", CF_INT, limits.max_position_shares, 0, 1e9, NULL),
    R("max_position_notional", CF_NUM, limits.max_position_notional, 0, 1e12, NULL),
    R("max_total_notional", CF_NUM, limits.max_total_notional, 0, 1e12, NULL),
    R("max_open_positions", CF_INT, limits.max_open_positions, 0, 10000, NULL),
    R("max_orders_per_minute", CF_INT, limits.max_orders_per_minute, 0, 1000, NULL),
    R("price_band_pct", CF_NUM, limits.price_band_pct, 0, 100, NULL),
    R("min_price", CF_NUM, limits.min_price, 0, 1e6, NULL),
    R("min_volume", CF_NUM, limits.min_volume, 0, 1e12, NULL),
    END,
};

static const cf_field risk_hours_fields[] = {
    R("extended", CF_BOOL, hours.extended, 0, 0, NULL),
    END,
};

static const cf_field risk_loss_fields[] = {
    R("limit", CF_NUM, daily_loss.limit, 0, 1e10, NULL),
    R("close_positions", CF_BOOL, daily_loss.close_positions, 0, 0, NULL),
    END,
};

static const cf_field risk_bp_fields[] = {
    R("enabled", CF_BOOL, buying_power.enabled, 0, 0, NULL),
    END,
};

static const cf_field risk_fields[] = {
    R("enabled", CF_BOOL, enabled, 0, 0, NULL),
    {"day_trades", CF_OBJ, 0, 0, 0, NULL, risk_dt_fields, 0, 0, 0, NULL},
    {"margin", CF_OBJ, 0, 0, 0, NULL, risk_margin_fields, 0, 0, 0, NULL},
    {"survival", CF_OBJ, 0, 0, 0, NULL, risk_survival_fields, 0, 0, 0, NULL},
    {"limits", CF_OBJ, 0, 0, 0, NULL, risk_limits_fields, 0, 0, 0, NULL},
    {"hours", CF_OBJ, 0, 0, 0, NULL, risk_hours_fields, 0, 0, 0, NULL},
    {"daily_loss", CF_OBJ, 0, 0, 0, NULL, risk_loss_fields, 0, 0, 0, NULL},
    {"buying_power", CF_OBJ, 0, 0, 0, NULL, risk_bp_fields, 0, 0, 0, NULL},
    R("allow_short", CF_BOOL, allow_short, 0, 0, NULL),
    END,
};
#undef R

static const cf_field orchestrator_fields[] = {
    {"enabled", CF_BOOL, OFF(orchestrator.enabled), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"script", CF_STR, OFF(orchestrator.script), 1, 255, NULL, NULL, 0, 0, 0, NULL},
    {"archive_remote", CF_STR, OFF(orchestrator.archive_remote), 0, 255, NULL, NULL, 0, 0, 0, NULL},
    {"candidates_poll_ms", CF_INT, OFF(orchestrator.candidates_poll_ms), 50, 3600000, NULL, NULL, 0,
     0, 0, NULL},
    END,
};

static const cf_field dashboard_fields[] = {
    {"enabled", CF_BOOL, OFF(dashboard.enabled), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"bind", CF_STR, OFF(dashboard.bind), 1, 63, NULL, NULL, 0, 0, 0, NULL},
    {"port", CF_INT, OFF(dashboard.port), 0, 65535, NULL, NULL, 0, 0, 0, NULL},
    {"token_file", CF_STR, OFF(dashboard.token_file), 1, 255, NULL, NULL, 0, 0, 0, NULL},
    {"web_dir", CF_STR, OFF(dashboard.web_dir), 0, 255, NULL, NULL, 0, 0, 0, NULL},
    {"push_ms", CF_INT, OFF(dashboard.push_ms), 100, 60000, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field alpaca_fields[] = {
    {"trading_url", CF_STR, OFF(alpaca.trading_url), 1, 255, NULL, NULL, 0, 0, 0, NULL},
    {"stream_url", CF_STR, OFF(alpaca.stream_url), 0, 255, NULL, NULL, 0, 0, 0, NULL},
    {"keys_file", CF_STR, OFF(alpaca.keys_file), 0, 255, NULL, NULL, 0, 0, 0, NULL},
    {"rate_per_minute", CF_NUM, OFF(alpaca.rate_per_minute), 1, 100000, NULL, NULL, 0, 0, 0, NULL},
    {"reconcile_interval_s", CF_INT, OFF(alpaca.reconcile_interval_s), 0, 86400, NULL, NULL, 0, 0,
     0, NULL},
    {"order_poll_after_s", CF_INT, OFF(alpaca.order_poll_after_s), 0, 3600, NULL, NULL, 0, 0, 0,
     NULL},
    {"order_poll_max", CF_INT, OFF(alpaca.order_poll_max), 1, 50, NULL, NULL, 0, 0, 0, NULL},
    {"unknown_deadline_s", CF_INT, OFF(alpaca.unknown_deadline_s), 0, 604800, NULL, NULL, 0, 0, 0,
     NULL},
    {"unknown_lookup_max_s", CF_INT, OFF(alpaca.unknown_lookup_max_s), 1, 3600, NULL, NULL, 0, 0, 0,
     NULL},
    {"position_difference_rounds", CF_INT, OFF(alpaca.position_difference_rounds), 1, 1000, NULL,
     NULL, 0, 0, 0, NULL},
    {"position_difference_min_s", CF_INT, OFF(alpaca.position_difference_min_s), 0, 86400, NULL,
     NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field alpaca_data_fields[] = {
    {"data_url", CF_STR, OFF(alpaca_data.data_url), 1, 255, NULL, NULL, 0, 0, 0, NULL},
    {"stream_url", CF_STR, OFF(alpaca_data.stream_url), 1, 255, NULL, NULL, 0, 0, 0, NULL},
    {"feed", CF_ENUM, OFF(alpaca_data.feed), 0, 0, "iex|sip", NULL, 0, 0, 0, NULL},
    {"rate_per_minute", CF_NUM, OFF(alpaca_data.rate_per_minute), 1, 100000, NULL, NULL, 0, 0, 0,
     NULL},
    {"limit_backoff_s", CF_INT, OFF(alpaca_data.limit_backoff_s), 1, 600, NULL, NULL, 0, 0, 0,
     NULL},
    {"stale_after_s", CF_INT, OFF(alpaca_data.stale_after_s), 0, 3600, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field polygon_fields[] = {
    {"base_url", CF_STR, OFF(polygon.base_url), 1, 255, NULL, NULL, 0, 0, 0, NULL},
    {"plan", CF_ENUM, OFF(polygon.plan), 0, 0, "free|paid", NULL, 0, 0, 0, NULL},
    {"key_file", CF_STR, OFF(polygon.key_file), 0, 255, NULL, NULL, 0, 0, 0, NULL},
    {"poll_seconds", CF_NUM, OFF(polygon.poll_seconds), 0.1, 3600, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field candidates_fields[] = {
    {"source", CF_ENUM, OFF(candidates.source), 0, 0, "store|polygon|massive", NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field record_fields[] = {
    {"enabled", CF_BOOL, OFF(record.enabled), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"buffer_kb", CF_INT, OFF(record.buffer_kb), 64, 1048576, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field bar_store_fields[] = {
    {"live", CF_BOOL, OFF(bar_store.live), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"flush_ms", CF_INT, OFF(bar_store.flush_ms), 50, 600000, NULL, NULL, 0, 0, 0, NULL},
    {"buffer_bars", CF_INT, OFF(bar_store.buffer_bars), 1000, 10000000, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field ml_fields[] = {
    {"enabled", CF_BOOL, OFF(ml.enabled), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"strict_schema", CF_BOOL, OFF(ml.strict_schema), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"min_confidence", CF_NUM, OFF(ml.min_confidence), 0, 1, NULL, NULL, 0, 0, 0, NULL},
    {"sample_every_minutes", CF_INT, OFF(ml.sample_every_minutes), 1, 390, NULL, NULL, 0, 0, 0,
     NULL},
    {"horizon_minutes", CF_INT, OFF(ml.horizon_minutes), 1, 390, NULL, NULL, 0, 0, 0, NULL},
    {"retrain_interval_hours", CF_NUM, OFF(ml.retrain_interval_hours), 0, 8760, NULL, NULL, 0, 0, 0,
     NULL},
    {"poll_seconds", CF_NUM, OFF(ml.poll_seconds), 0.1, 3600, NULL, NULL, 0, 0, 0, NULL},
    {"train_rounds", CF_INT, OFF(ml.train_rounds), 1, 5000, NULL, NULL, 0, 0, 0, NULL},
    {"max_depth", CF_INT, OFF(ml.max_depth), 1, 16, NULL, NULL, 0, 0, 0, NULL},
    {"eta", CF_NUM, OFF(ml.eta), 0.001, 1, NULL, NULL, 0, 0, 0, NULL},
    {"folds", CF_INT, OFF(ml.folds), 1, 10, NULL, NULL, 0, 0, 0, NULL},
    {"min_rows", CF_INT, OFF(ml.min_rows), 10, 1e9, NULL, NULL, 0, 0, 0, NULL},
    {"min_auc", CF_NUM, OFF(ml.min_auc), 0, 1, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field sentinel_fields[] = {
    {"sessions", CF_INT, OFF(sentinel.sessions), 1, 250, NULL, NULL, 0, 0, 0, NULL},
    {"missed_move_pct", CF_NUM, OFF(sentinel.missed_move_pct), 0, 100, NULL, NULL, 0, 0, 0, NULL},
    {"gate_block_pct", CF_NUM, OFF(sentinel.gate_block_pct), 0, 100, NULL, NULL, 0, 0, 0, NULL},
    {"drawdown_pct", CF_NUM, OFF(sentinel.drawdown_pct), 0, 100, NULL, NULL, 0, 0, 0, NULL},
    {"log_growth_mb", CF_INT, OFF(sentinel.log_growth_mb), 0, 1000000, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field healer_fields[] = {
    {"replay_sessions", CF_INT, OFF(healer.replay_sessions), 1, 250, NULL, NULL, 0, 0, 0, NULL},
    {"metrics", CF_STRLIST, OFF(healer.metrics), 0, 31, NULL, NULL, OFF(healer.nmetrics), 0, 0,
     NULL},
    {"worktree_dir", CF_STR, OFF(healer.worktree_dir), 1, 255, NULL, NULL, 0, 0, 0, NULL},
    {"llm_enabled", CF_BOOL, OFF(healer.llm_enabled), 0, 0, NULL, NULL, 0, 0, 0, NULL},
    {"llm_url", CF_STR, OFF(healer.llm_url), 0, 511, NULL, NULL, 0, 0, 0, NULL},
    {"llm_model", CF_STR, OFF(healer.llm_model), 0, 127, NULL, NULL, 0, 0, 0, NULL},
    {"llm_key_env", CF_STR, OFF(healer.llm_key_env), 0, 127, NULL, NULL, 0, 0, 0, NULL},
    {"llm_timeout_s", CF_INT, OFF(healer.llm_timeout_s), 1, 3600, NULL, NULL, 0, 0, 0, NULL},
    END,
};

static const cf_field orders_fields[] = {
    {"reject_hold_minutes", CF_NUM, OFF(orders.reject_hold_minutes), 0, 10080, NULL, NULL, 0, 0, 0,
     NULL},
    END,
};

static const cf_field ibkr_fields[] = {
    {"host", CF_STR, OFF(ibkr.host), 1, 63, NULL, NULL, 0, 0, 0, NULL},
    {"port", CF_INT, OFF(ibkr.port), 1, 65535, NULL, NULL, 0, 0, 0, NULL},
    {"client_id", CF_INT, OFF(ibkr.client_id), 0, 2147483647, NULL, NULL, 0, 0, 0, NULL},
    {"alternate_client_id", CF_INT, OFF(ibkr.alternate_client_id), -1, 2147483647, NULL, NULL, 0, 0,
     0, NULL},
    {"account", CF_STR, OFF(ibkr.account), 0, 63, NULL, NULL, 0, 0, 0, NULL},
    {"restart_time", CF_STR, OFF(ibkr.restart_time), 5, 5, NULL, NULL, 0, 0, 0, NULL},
    {"restart_zone", CF_ENUM, OFF(ibkr.restart_zone), 0, 0, "America/New_York|UTC|Etc/UTC", NULL, 0,
     0, 0, NULL},
    {"restart_window_minutes", CF_INT, OFF(ibkr.restart_window_minutes), 0, 240, NULL, NULL, 0, 0,
     0, NULL},
    {"reconnect_min_seconds", CF_NUM, OFF(ibkr.reconnect_min_seconds), 0.05, 600, NULL, NULL, 0, 0,
     0, NULL},
    {"reconnect_max_seconds", CF_NUM, OFF(ibkr.reconnect_max_seconds), 0.1, 3600, NULL, NULL, 0, 0,
     0, NULL},
    {"unknown_deadline_s", CF_INT, OFF(ibkr.unknown_deadline_s), 0, 604800, NULL, NULL, 0, 0, 0,
     NULL},
    {"unknown_lookup_max_s", CF_INT, OFF(ibkr.unknown_lookup_max_s), 1, 3600, NULL, NULL, 0, 0, 0,
     NULL},
    {"position_difference_rounds", CF_INT, OFF(ibkr.position_difference_rounds), 1, 1000, NULL,
     NULL, 0, 0, 0, NULL},
    {"position_difference_min_s", CF_INT, OFF(ibkr.position_difference_min_s), 0, 86400, NULL, NULL,
     0, 0, 0, NULL},
    {"reconcile_interval_s", CF_INT, OFF(ibkr.reconcile_interval_s), 0, 86400, NULL, NULL, 0, 0, 0,
     NULL},
    {"feed_client_id", CF_INT, OFF(ibkr.feed_client_id), -1, 2147483647, NULL, NULL, 0, 0, 0, NULL},
    {"feed_stale_after_s", CF_INT, OFF(ibkr.feed_stale_after_s), 0, 3600, NULL, NULL, 0, 0, 0,
     NULL},
    {"feed_minute_grace_s", CF_INT, OFF(ibkr.feed_minute_grace_s), 1, 300, NULL, NULL, 0, 0, 0,
     NULL},
    {"feed_backfill_after_s", CF_INT, OFF(ibkr.feed_backfill_after_s), 1, 3600, NULL, NULL, 0, 0, 0,
     NULL},
    END,
};

static const cf_field root_fields[] = {
    {"broker", CF_ENUM, OFF(broker), 0, 0, "paper|alpaca|ibkr", NULL, 0, 0, 0, NULL},
    {"feed", CF_ENUM, OFF(feed), 0, 0, "replay|polygon|massive|alpaca|ibkr", NULL, 0, 0, 0, NULL},
    {"symbols", CF_STRLIST, OFF(symbols), 0, 15, NULL, NULL, OFF(nsymbols), 0, 0, NULL},
    {"data_refresh_interval_hours", CF_NUM, OFF(data_refresh_interval_hours), 0.01, 168, NULL, NULL,
     0, 0, 0, NULL},
    {"logging", CF_OBJ, 0, 0, 0, NULL, logging_fields, 0, 0, 0, NULL},
    {"sandbox", CF_OBJ, 0, 0, 0, NULL, sandbox_fields, 0, 0, 0, NULL},
    {"reload", CF_OBJ, 0, 0, 0, NULL, reload_fields, 0, 0, 0, NULL},
    {"repl", CF_OBJ, 0, 0, 0, NULL, repl_fields, 0, 0, 0, NULL},
    {"loop", CF_OBJ, 0, 0, 0, NULL, loop_fields, 0, 0, 0, NULL},
    {"replay", CF_OBJ, 0, 0, 0, NULL, replay_fields, 0, 0, 0, NULL},
    {"paper", CF_OBJ, 0, 0, 0, NULL, paper_fields, 0, 0, 0, NULL},
    {"risk", CF_OBJ, 0, 0, 0, NULL, risk_fields, 0, 0, 0, NULL},
    {"orchestrator", CF_OBJ, 0, 0, 0, NULL, orchestrator_fields, 0, 0, 0, NULL},
    {"dashboard", CF_OBJ, 0, 0, 0, NULL, dashboard_fields, 0, 0, 0, NULL},
    {"alpaca", CF_OBJ, 0, 0, 0, NULL, alpaca_fields, 0, 0, 0, NULL},
    {"alpaca_data", CF_OBJ, 0, 0, 0, NULL, alpaca_data_fields, 0, 0, 0, NULL},
    {"polygon", CF_OBJ, 0, 0, 0, NULL, polygon_fields, 0, 0, 0, NULL},
    {"candidates", CF_OBJ, 0, 0, 0, NULL, candidates_fields, 0, 0, 0, NULL},
    {"bar_store", CF_OBJ, 0, 0, 0, NULL, bar_store_fields, 0, 0, 0, NULL},
    {"record", CF_OBJ, 0, 0, 0, NULL, record_fields, 0, 0, 0, NULL},
    {"orders", CF_OBJ, 0, 0, 0, NULL, orders_fields, 0, 0, 0, NULL},
    {"ibkr", CF_OBJ, 0, 0, 0, NULL, ibkr_fields, 0, 0, 0, NULL},
    {"ml", CF_OBJ, 0, 0, 0, NULL, ml_fields, 0, 0, 0, NULL},
    {"sentinel", CF_OBJ, 0, 0, 0, NULL, sentinel_fields, 0, 0, 0, NULL},
    {"healer", CF_OBJ, 0, 0, 0, NULL, healer_fields, 0, 0, 0, NULL},
    {"strategies", CF_LIST, OFF(strategies), 0, 64, NULL, strategy_fields, OFF(nstrategies),
     sizeof(tb_strategy_cfg), 0, &strategy_ops},
    END,
};

static void add_err(tb_config_errors *errs, const char *file, const char *path, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

static void add_err(tb_config_errors *errs, const char *file, const char *path, const char *fmt,
                    ...)
{
    if (errs->n >= TB_CONFIG_MAX_ERRS) return;
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(errs->msg[errs->n++], sizeof errs->msg[0], "%s: %s: %s", file, path, what);
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int enum_has(const char *enums, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = enums; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0) return 1;
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

static void free_strlist(char **l, int n)
{
    for (int i = 0; i < n; i++) free(l[i]);
    free(l);
}

static void apply_obj(const cf_field *schema, json_t *obj, char *base, const char *file,
                      const char *prefix, tb_config_errors *errs);

static void apply_list(const cf_field *f, json_t *v, char *base, const char *file, const char *path,
                       tb_config_errors *errs)
{
    size_t n = json_array_size(v);
    if (n > (size_t)f->max) {
        add_err(errs, file, path, "at most %.0f entries, got %zu", f->max, n);
        return;
    }
    char *elems = calloc(n ? n : 1, f->elem_size);
    for (size_t i = 0; i < n; i++) {
        char sub[200];
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        json_t *el = json_array_get(v, i);
        if (!json_is_object(el)) {
            add_err(errs, file, sub, "expected an object, got %s", json_kind(el));
            continue;
        }
        char *eb = elems + i * f->elem_size;
        f->ops->init(eb);
        for (const cf_field *c = f->children; c->key; c++)
            if (c->required && !json_object_get(el, c->key))
                add_err(errs, file, sub, "missing required key \"%s\"", c->key);
        apply_obj(f->children, el, eb, file, sub, errs);
    }
    /* Replace the previous list (defaults) as a whole: lists do not merge. */
    char **slot = (char **)(base + f->off);
    int *count = (int *)(base + f->count_off);
    for (int i = 0; i < *count; i++) f->ops->free(*slot + (size_t)i * f->elem_size);
    free(*slot);
    *slot = elems;
    *count = (int)n;
}

static void apply_field(const cf_field *f, json_t *v, char *base, const char *file,
                        const char *path, tb_config_errors *errs)
{
    void *slot = base + f->off;
    switch (f->type) {
    case CF_OBJ:
        if (!json_is_object(v))
            add_err(errs, file, path, "expected an object, got %s", json_kind(v));
        else
            apply_obj(f->children, v, base, file, path, errs);
        return;
    case CF_BOOL:
        if (!json_is_boolean(v))
            add_err(errs, file, path, "expected true or false, got %s", json_kind(v));
        else
            *(int *)slot = json_is_true(v);
        return;
    case CF_INT:
        if (!json_is_integer(v)) {
            add_err(errs, file, path, "expected an integer from %.0f to %.0f, got %s", f->min,
                    f->max, json_kind(v));
        } else if ((double)json_integer_value(v) < f->min ||
                   (double)json_integer_value(v) > f->max) {
            add_err(errs, file, path, "expected an integer from %.0f to %.0f, got %lld", f->min,
                    f->max, (long long)json_integer_value(v));
        } else {
            *(int64_t *)slot = json_integer_value(v);
        }
        return;
    case CF_NUM: {
        double d = json_number_value(v);
        if (!json_is_number(v) || !isfinite(d) || d < f->min || d > f->max)
            add_err(errs, file, path, "expected a number from %g to %g, got %s", f->min, f->max,
                    json_is_number(v) ? "an out-of-range value" : json_kind(v));
        else
            *(double *)slot = d;
        return;
    }
    case CF_STR:
    case CF_ENUM: {
        const char *s = json_string_value(v);
        if (!s) {
            add_err(errs, file, path, "expected a string, got %s", json_kind(v));
        } else if (f->type == CF_ENUM && !enum_has(f->enums, s)) {
            add_err(errs, file, path, "expected one of %s, got \"%s\"", f->enums, s);
        } else if (f->type == CF_STR &&
                   (strlen(s) < (size_t)f->min || strlen(s) > (size_t)f->max)) {
            add_err(errs, file, path, "expected a string of %.0f to %.0f characters", f->min,
                    f->max);
        } else {
            free(*(char **)slot);
            *(char **)slot = strdup(s);
        }
        return;
    }
    case CF_STRLIST: {
        if (!json_is_array(v)) {
            add_err(errs, file, path, "expected an array of strings, got %s", json_kind(v));
            return;
        }
        size_t n = json_array_size(v);
        char **list = calloc(n + 1, sizeof *list);
        int ok = 1;
        for (size_t i = 0; i < n; i++) {
            const char *s = json_string_value(json_array_get(v, i));
            if (!s || !*s || strlen(s) > (size_t)f->max) {
                add_err(errs, file, path,
                        "entry %zu: expected a non-empty string of at most %.0f characters", i,
                        f->max);
                ok = 0;
                break;
            }
            list[i] = strdup(s);
        }
        if (!ok) {
            free_strlist(list, (int)n);
            return;
        }
        int *count = (int *)(base + f->count_off);
        free_strlist(*(char ***)slot, *count);
        *(char ***)slot = list;
        *count = (int)n;
        return;
    }
    case CF_JSONOBJ:
        if (!json_is_object(v)) {
            add_err(errs, file, path, "expected an object, got %s", json_kind(v));
        } else {
            json_decref(*(json_t **)slot);
            *(json_t **)slot = json_incref(v);
        }
        return;
    case CF_LIST:
        if (!json_is_array(v))
            add_err(errs, file, path, "expected an array, got %s", json_kind(v));
        else
            apply_list(f, v, base, file, path, errs);
        return;
    }
}

static void apply_obj(const cf_field *schema, json_t *obj, char *base, const char *file,
                      const char *prefix, tb_config_errors *errs)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        char path[200];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
        if (key[0] == '_') continue; /* "_comment" keys document the file */
        const cf_field *f = schema;
        while (f->key && strcmp(f->key, key) != 0) f++;
        if (!f->key) {
            add_err(errs, file, path, "unknown key");
            continue;
        }
        apply_field(f, v, base, file, path, errs);
    }
}

static void fill_names(tb_config *c)
{
    for (int i = 0; i < c->nstrategies; i++) {
        tb_strategy_cfg *s = &c->strategies[i];
        if (s->name || !s->file) continue;
        const char *b = strrchr(s->file, '/');
        b = b ? b + 1 : s->file;
        s->name = strndup(b, strcspn(b, "."));
    }
}

static int parse_into(const char *text, const char *name, tb_config *c, tb_config_errors *errs)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        char where[64];
        snprintf(where, sizeof where, "line %d, column %d", je.line, je.column);
        add_err(errs, name, where, "invalid JSON: %s", je.text);
        return -1;
    }
    if (!json_is_object(root))
        add_err(errs, name, "(top level)", "expected an object");
    else
        apply_obj(root_fields, root, (char *)c, name, "", errs);
    json_decref(root);
    return errs->n ? -1 : 0;
}

int tb_config_load_text(const char *text, const char *name, tb_config *out, tb_config_errors *errs)
{
    memset(out, 0, sizeof *out);
    errs->n = 0;
    if (parse_into(tb_config_default_json, "(embedded default)", out, errs) != 0 ||
        parse_into(text, name, out, errs) != 0) {
        tb_config_free(out);
        return -1;
    }
    fill_names(out);
    return 0;
}

static char *read_file(const char *path, tb_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tb_errf(e, "%s", strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[8192];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                tb_errf(e, "out of memory");
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    return buf;
}

int tb_config_load(const char *path, int missing_ok, tb_config *out, tb_config_errors *errs)
{
    errs->n = 0;
    if (missing_ok && access(path, F_OK) != 0) return tb_config_load_text("{}", path, out, errs);
    tb_err e;
    char *text = read_file(path, &e);
    if (!text) {
        memset(out, 0, sizeof *out);
        add_err(errs, path, "(file)", "cannot read: %s", e.msg);
        return -1;
    }
    int rc = tb_config_load_text(text, path, out, errs);
    free(text);
    return rc;
}

void tb_config_free(tb_config *c)
{
    free(c->broker), free(c->feed), free(c->logging.level), free(c->repl.socket);
    free(c->replay.start), free(c->replay.data_dir);
    free(c->risk.day_trades.policy), free(c->risk.margin.preset), free(c->risk.survival.stale);
    free(c->risk.survival.source), free(c->risk.survival.csv);
    free(c->orchestrator.script), free(c->orchestrator.archive_remote);
    free(c->dashboard.bind), free(c->dashboard.token_file), free(c->dashboard.web_dir);
    free(c->alpaca.trading_url), free(c->alpaca.stream_url), free(c->alpaca.keys_file);
    free(c->alpaca_data.data_url), free(c->alpaca_data.stream_url), free(c->alpaca_data.feed);
    free(c->polygon.base_url), free(c->polygon.plan), free(c->polygon.key_file);
    free(c->candidates.source);
    free(c->ibkr.host), free(c->ibkr.account), free(c->ibkr.restart_time);
    free(c->ibkr.restart_zone);
    free_strlist(c->symbols, c->nsymbols);
    free_strlist(c->healer.metrics, c->healer.nmetrics);
    free(c->healer.worktree_dir), free(c->healer.llm_url), free(c->healer.llm_model);
    free(c->healer.llm_key_env);
    for (int i = 0; i < c->nstrategies; i++) strategy_free(&c->strategies[i]);
    free(c->strategies);
    memset(c, 0, sizeof *c);
}

int tb_config_write_default(const char *path, tb_err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        if (errno == EEXIST) return 0;
        return tb_errf(e, "%s: %s", path, strerror(errno));
    }
    size_t len = strlen(tb_config_default_json);
    ssize_t w = write(fd, tb_config_default_json, len);
    close(fd);
    if (w != (ssize_t)len) return tb_errf(e, "%s: short write", path);
    return 1;
}
