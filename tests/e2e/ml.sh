#!/usr/bin/env bash
# The ML pipeline end to end: `tradebot train --force` on sample data writes a valid model folder
# and points ml_db/models/current at it; a running engine swaps to a newly trained model without
# a restart, refuses a corrupt one (keeping the previous), and with STRICT_SCHEMA blocks entries
# when the model's schema names a feature the live set lacks, with the runbook's log line.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
cat >"$H/config/trading_config.json" <<'JSON'
{"replay": {"speed": 300, "days": 3}, "dashboard": {"port": 0},
 "ml": {"train_rounds": 20, "min_rows": 500, "poll_seconds": 0.5}}
JSON
M="$H/ml_db/models"

out=$("$TRADEBOT" train --home "$H" --force --json)
first=$(sed -n 's/.*"model": "\([^"]*\)".*/\1/p' <<<"$out")
check "train --force on sample data gives a valid model in service ($first)" \
  grep -q '"valid": true, "current": true' <<<"$out"
check "the model folder holds model.json, feature_schema.json and metrics.json" \
  bash -c "[ -s '$M/$first/model.json' ] && [ -s '$M/$first/feature_schema.json' ] && [ -s '$M/$first/metrics.json' ]"
check "current points at it" [ "$(readlink "$M/current")" = "$first" ]
check "ml_db/models/feature_schema.json is the current schema" cmp -s "$M/feature_schema.json" "$M/current/feature_schema.json"
check "metrics.json reports AUC, log loss, calibration by bucket and validity" \
  bash -c "grep -q '\"auc\"' '$M/current/metrics.json' && grep -q '\"logloss\"' '$M/current/metrics.json' && grep -q '\"bucket\": \"0.4-0.5\"' '$M/current/metrics.json' && grep -q '\"valid\": true' '$M/current/metrics.json'"
check "the training replay's sessions are not logged as the engine's (the Sentinel reads those)" \
  bash -c "! grep -q '\[replay\] session' '$H/logs/trading_bot.log' && grep -q '\[train-replay\] session .* ended' '$H/logs/trading_bot.log'"
rows=$(sqlite3 "$H/ml_db/ml_data.db" "select count(*) from ml_samples where label is not null")
check "decision points were written and labelled by replaying through the trading path ($rows)" [ "$rows" -gt 500 ]
out=$("$TRADEBOT" train --home "$H")
check "train without --force is not due right after a training" grep -q "not due" <<<"$out"

start_engine
check "the engine loads the current model at start" wait_for "log_has 'model loaded: id=$first'" 10
pid=$ENGINE_PID
out=$("$TRADEBOT" check --home "$H" 2>&1) && rc=0 || rc=$?
check "tradebot check finds the live features equal to the model's schema" [ "$rc" -eq 0 ]

out=$("$TRADEBOT" train --home "$H" --force --json)
second=$(sed -n 's/.*"model": "\([^"]*\)".*/\1/p' <<<"$out")
check "a second training makes a new folder ($second)" [ -n "$second" ] && [ "$second" != "$first" ]
check "the running engine swaps to it without a restart" wait_for "log_has 'model loaded: id=$second'" 10
check "the same engine process" kill -0 "$pid"
check "tb.ml.status() names the new model" [ "$(echo 'print(tb.ml.status().model)' | repl)" = "$second" ]
url=$(grep -o 'dashboard listening: http://[0-9.:]*/' "$H/logs/trading_bot.log" | head -1 | cut -d' ' -f3)
metrics_have() { curl -sf "${url}metrics" | grep -q "$1"; }
check "/metrics reports each symbol's latest confidence" wait_for "metrics_have 'tradebot_ml_confidence{symbol='" 20
check "/metrics reports predictions by confidence bucket and outcome (the ML Performance board)" \
  wait_for "metrics_have 'tradebot_ml_predictions_total{confidence_bucket=\"0\.[0-9]-'" 30

mkdir "$M/broken" && cp "$M/$second"/* "$M/broken/" && truncate -s 300 "$M/broken/model.json"
ln -sfn broken "$M/current.tmp" && mv -T "$M/current.tmp" "$M/current"
check "a corrupt model is refused with the reason" wait_for "log_has 'model refused: $M/broken/model.json'" 10
check "and the previous model stays in service" log_has "(keeping $second)"
check "tb.ml.status() still names it" [ "$(echo 'print(tb.ml.status().model)' | repl)" = "$second" ]

# A model whose schema names rsi_9 where the live set has rsi_14 (a drifted feature set).
mkdir "$M/drifted" && cp "$M/$second/model.json" "$M/drifted/"
cat >"$H/schema.lua" <<'LUA'
local names = tb.ml.features()
names[5] = "rsi_9"
local feats = {}
for i, n in ipairs(names) do feats[i] = { name = n, type = "float", index = i - 1 } end
local f = assert(io.open(arg[1], "w"))
f:write(tb.json.encode({ version = 1, hash = tb.ml.schema_hash(names), features = feats }))
f:close()
LUA
"$TRADEBOT" lua "$H/schema.lua" "$M/drifted/feature_schema.json"
ln -sfn drifted "$M/current.tmp" && mv -T "$M/current.tmp" "$M/current"
check "a model with a drifted schema is loaded with a warning" wait_for "log_has 'model drifted: its feature_schema.json differs'" 10
check "STRICT_SCHEMA blocks entries with the runbook's line" \
  wait_for "log_has 'MLIntegration: STRICT_SCHEMA active. Missing feature rsi_9. Blocking trade.'" 90
check "the block is a decision log entry" \
  grep -q '"gate":"ml_strict_schema"' "$H/logs/enhanced_decision_log.jsonl"
out=$("$TRADEBOT" check --home "$H" 2>&1) && rc=0 || rc=$?
check "tradebot check says what differs" bash -c "[ $rc -eq 1 ] && grep -q 'missing feature rsi_9' <<<\"\$0\" && grep -q 'extra live feature rsi_14' <<<\"\$0\"" "$out"
stop_engine || true
n=$(sqlite3 "$H/ml_db/ml_data.db" "select count(*) from ml_decisions where verdict = 'blocked_schema'")
check "the ML gate's decisions are stored for the calibration table ($n blocked)" [ "$n" -gt 0 ]
S="$TB_SOURCE_DIR/strategies"
"$TRADEBOT" backtest --home "$H" --strategy "$S/vwap_reversion.lua" --days 3 --json >"$H/plain.json"
"$TRADEBOT" backtest --home "$H" --strategy "$S/vwap_reversion.lua" --days 3 --json --ml >"$H/ml.json"
check "a backtest trades without the model" bash -c "! grep -q '\"trades\": 0,' '$H/plain.json'"
check "backtest --ml gates with the model in service (drifted schema: no entry passes)" \
  grep -q '"trades": 0,' "$H/ml.json"
finish
