/*
 * config_schema.c - every key of config/trading_config.json: type, place in tb_config, range or
 * allowed values. The loader (config.c) walks these tables; the shipped file
 * (config/trading_config.json, embedded) gives the defaults.
 */
#include "config/config_schema.h"

#include <jansson.h>
#include <stdlib.h>

#define OFF(m)  offsetof(tb_config, m)
#define SOFF(m) offsetof(tb_strategy_cfg, m)
#define END                                                                                        \
    {                                                                                              \
        NULL, 0, 0, 0, 0, NULL, NULL, 0, 0, 0, NULL                                                \
    }

static void strategy_init(void *elem)
{
    ((tb_strategy_cfg *)elem)->enabled = 1;
}

void cf_strategy_free(void *elem)
{
    tb_strategy_cfg *s = elem;
    free(s->name), free(s->file), cf_free_strlist(s->symbols, s->nsymbols);
    json_decref(s->params), json_decref(s->symbol_params);
}

static const cf_list_ops strategy_ops = {strategy_init, cf_strategy_free};

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
    {"stall_warn_ms", CF_INT, OFF(loop.stall_warn_ms), 0, 600000, NULL, NULL, 0, 0, 0, NULL},
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

const cf_field cf_root_fields[] = {
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
