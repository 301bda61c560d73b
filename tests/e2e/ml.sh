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

# A model must earn its place: on sample data the walk-forward AUC is near chance (below the
# default floor ml.min_auc 0.55), so it is kept as a candidate and nothing goes into service.
out=$("$TRADEBOT" train --home "$H" --force --json) && rc=0 || rc=$?
cand=$(jq -r .model <<<"$out")
check "a model below the AUC floor is kept as a candidate, not put in service ($(jq -r .auc <<<"$out"))" \
  bash -c "[ $rc -eq 0 ] && [ '$(jq -r .current <<<"$out")' = false ] && [ ! -e '$M/current' ] && [ -s '$M/$cand/model.json' ]"
check "with a clear log line naming the floor" \
  grep -q "model kept as candidate: id=$cand auc=0\.[0-9]*: walk-forward AUC 0\.[0-9]* is below the floor 0.5500 (ml.min_auc); current stays none" "$H/logs/trading_bot.log"
check "metrics.json says it was not promoted and why" \
  bash -c "jq -e '.promotion.promoted == false and (.promotion.why | test(\"below the floor\"))' '$M/$cand/metrics.json' >/dev/null"
out=$("$TRADEBOT" train --home "$H" --promote nope 2>&1) && rc=0 || rc=$?
check "promoting an unknown folder fails with one line" bash -c "[ $rc -eq 1 ] && [ ! -e '$M/current' ]"
# The rest is about serving a model: a floor every model clears.
jq '.ml.min_auc = 0' "$H/config/trading_config.json" >"$H/c.json" && mv "$H/c.json" "$H/config/trading_config.json"

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

# Not worse than the model in service: a current model that did better stays in service.
cp "$M/$first/metrics.json" "$H/first_metrics.json"
jq '.auc = 0.99' "$H/first_metrics.json" >"$M/$first/metrics.json"
out=$("$TRADEBOT" train --home "$H" --force --json)
check "a model worse than the current one's walk-forward AUC is kept as a candidate" \
  bash -c "[ '$(jq -r .current <<<"$out")' = false ] && [ \"\$(readlink '$M/current')\" = '$first' ]"
check "the log line says worse than the current model's 0.9900" \
  grep -q "model kept as candidate: id=$(jq -r .model <<<"$out") .*is worse than the current model's recorded 0.9900" "$H/logs/trading_bot.log"
# When the current model did not train on the newest rows, both are scored on those rows.
jq '.rows = .rows - 1500' "$H/first_metrics.json" >"$M/$first/metrics.json"
out=$("$TRADEBOT" train --home "$H" --force --json)
check "the comparison is on the same validation rows the current model never trained on" \
  grep -Eq "on the same [0-9]+ validation rows it never trained on" <<<"$(jq -r .promotion <<<"$out")"
if [ "$(jq -r .current <<<"$out")" = true ]; then want=$(jq -r .model <<<"$out"); else want=$first; fi
check "and current follows the verdict" [ "$(readlink "$M/current")" = "$want" ]
ln -sfn "$first" "$M/current.tmp" && mv -T "$M/current.tmp" "$M/current"
cp "$H/first_metrics.json" "$M/$first/metrics.json"

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
