#!/usr/bin/env bash
# Sentinel and Healer, the whole scenario (docs/operations.md 4.6, 4.7): a strategy whose entry
# threshold is too strict trades nothing -> the controller loosens it a step (control audit) ->
# `tradebot sentinel` reports Strategic Stagnation and issues a Strategic Reset the running
# engine applies -> the Healer proposes a param change, proves it on a branch by replay (trades
# happen, metrics not worse) -> approve merges it and the running engine uses the new params.
# A second directive (from the LLM proposer, a local endpoint) breaks a Lua file: validation
# fails, its branch is deleted, the failure shows in the dashboard API, and the home's checkout
# and the running engine are untouched. Rollback undoes the promotion.
source "$(dirname "$0")/lib.bash"
command -v git >/dev/null || { echo "git is required (scripts/install.sh)"; exit 1; }
command -v node >/dev/null || { echo "node is required (scripts/install.sh)"; exit 1; }
S="$TB_SOURCE_DIR"

# The LLM endpoint on 127.0.0.1.
node "$S/tests/e2e/llm_stub.mjs" "$H/llm.port" "$H/llm.requests" &
LLM_PID=$!
trap 'kill $LLM_PID 2>/dev/null; cleanup' EXIT
wait_for "[ -s '$H/llm.port' ]" 10 || { echo "llm stub did not start"; exit 1; }
LLM_URL="http://127.0.0.1:$(cat "$H/llm.port")/v1/chat/completions"

mkdir -p "$H/config" "$H/strategies" "$H/scripts"
cp -r "$S/scripts/sentinel" "$S/scripts/healer" "$S/scripts/controller.lua" "$H/scripts/"
# Momentum with a too strict entry (min_move_pct 9) and its tunable bounds (0.5 .. 9).
cp "$S/tests/e2e/fixtures/momentum.lua" "$H/strategies/"
cat >"$H/config/trading_config.json" <<J
{ "replay": { "speed": 0, "days": 3, "symbols": 5 },
  "dashboard": { "port": 0 },
  "sentinel": { "sessions": 3 },
  "healer": { "replay_sessions": 3, "metrics": ["trades"], "llm_enabled": true,
              "llm_url": "$LLM_URL", "llm_model": "stub-model" },
  "strategies": [ { "file": "strategies/momentum.lua" } ] }
J
printf 'logs/\ndata/\nml_db/\nrun/\n*.out\nllm.*\n' >"$H/.gitignore"
git -C "$H" init -q
git -C "$H" add -A
git -C "$H" -c user.name=op -c user.email=op@localhost commit -qm "home"
MAIN0=$(git -C "$H" rev-parse HEAD)

start_engine
check "the replay finishes" wait_for "log_has 'replay finished'" 60
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | head -1)
fills=$(sqlite3 "$H/ml_db/ml_data.db" "select count(*) from oms_fills" 2>/dev/null || echo 0)
check "the strict strategy made no trades in 3 sessions ($fills fills)" [ "$fills" -eq 0 ]
param() { echo "return tb.engine.strategies()[1].params.$1" | repl; }
param_is() { [ "$(echo "return tb.engine.strategies()[1].params.$1 == $2" | repl)" = true ]; }
version() { echo "return tb.engine.strategies()[1].version" | repl; }

# The controller loosens the tunable param one step; the engine applies the overlay.
(cd "$H" && "$TRADEBOT" lua --home "$H" scripts/controller.lua) >"$H/controller.out" 2>&1
check "the controller changes min_move_pct 9 -> 8" grep -q "momentum.min_move_pct: 9.0 -> 8.0" "$H/controller.out"
check "the change is one line in logs/control_audit_log.jsonl (strategy, param, old, new, why)" \
  bash -c "jq -s -e 'any(.[]; .param==\"min_move_pct\" and .strategy==\"momentum\" and .old==9 and .new==8 and (.why|length>0))' '$H/logs/control_audit_log.jsonl' >/dev/null"
check "the running engine uses the controller's params without restart" wait_for 'param_is min_move_pct 8' 10

# Sentinel: Strategic Stagnation, and a Strategic Reset the engine applies.
"$TRADEBOT" sentinel --home "$H" >"$H/sentinel.out" 2>&1 && rc=0 || rc=$?
check "tradebot sentinel exits 0" [ "$rc" -eq 0 ]
check "the audit reports Strategic Stagnation" grep -q "WARNING  stagnation .*Strategic Stagnation: momentum made no trades in 3 sessions despite parameter tuning" "$H/sentinel.out"
check "the finding is in logs/sentinel_activity.jsonl with rule, severity, message and evidence" \
  bash -c "jq -s -e 'any(.[]; .kind==\"finding\" and .rule==\"stagnation\" and .severity==\"WARNING\" and .evidence.strategy==\"momentum\")' '$H/logs/sentinel_activity.jsonl' >/dev/null"
check "schema drift says clearly that there is no model to compare with" grep -q "INFO     schema_drift .*no model in service" "$H/sentinel.out"
check "data/sentinel_feedback.json carries a Strategic Reset for momentum" \
  bash -c "jq -e 'any(.directives[]; .type==\"Strategic Reset\" and .strategy==\"momentum\")' '$H/data/sentinel_feedback.json' >/dev/null"
check "the engine applies the Strategic Reset and logs it" wait_for "log_has 'type=Strategic Reset strategy=momentum'" 10
check "after the reset the params are the defaults again" wait_for 'param_is min_move_pct 9' 10
check "the applied directive is in the control audit log" grep -q '"action":"sentinel_directive_applied"' "$H/logs/control_audit_log.jsonl"
check "and in the Sentinel's activity log as an action" grep -q '"message":"Strategic Reset applied by the engine"' "$H/logs/sentinel_activity.jsonl"
printf '{"generated_at":"x","date":"x","directives":[{"id":"P-1","type":"pause_symbol","symbol":"ZZZ"}]}' >"$H/data/sentinel_feedback.json.tmp"
mv "$H/data/sentinel_feedback.json.tmp" "$H/data/sentinel_feedback.json"
check "a pause_symbol directive is applied and logged" wait_for "log_has 'directive applied: id=P-1 type=pause_symbol symbol=ZZZ'" 10
# The engine logs the directive, then appends it to the activity log: wait for both.
check "a directive without severity is still in the activity log" \
  wait_for "grep -q '\"id\":\"P-1\"' '$H/logs/sentinel_activity.jsonl'" 10
check "the Sentinel audit is visible in the dashboard API" \
  bash -c "curl -s '$url/api/health' | jq -e '.sentinel[] | select(.rule==\"stagnation\")' >/dev/null"

# Healer: a param change proven by replay on its own branch; the LLM's patch waits for an operator.
TB_LLM_API_KEY=sk-test-123 "$TRADEBOT" healer --home "$H" run --now >"$H/healer.out" 2>&1
check "the healer proposes two directives and executes the auto-applicable one" grep -q "healer: 2 proposed, 1 executed, 0 failed" "$H/healer.out"
D1=$(jq -r '.directives[] | select(.kind=="param_change") | .id' "$H/data/healer_active_directives.json")
D2=$(jq -r '.directives[] | select(.proposer=="llm") | .id' "$H/data/healer_active_directives.json")
dir() { jq -r --arg id "$1" ".directives[] | select(.id==\$id) | $2" "$H/data/healer_active_directives.json"; }
check "the param change loosens min_move_pct within its bounds" [ "$(dir "$D1" .change.params.min_move_pct)" = 5 ]
check "the param change was Executed (validated)" [ "$(dir "$D1" .status)" = Executed ]
BR=$(dir "$D1" .branch)
check "its branch is healer/auto-fix-momentum-{TIMESTAMP} ($BR)" bash -c "[[ '$BR' =~ ^healer/auto-fix-momentum-[0-9]{14}$ ]] && git -C '$H' rev-parse -q --verify '$BR' >/dev/null"
check "the replay on the branch trades where the baseline did not" \
  bash -c "[ $(dir "$D1" .replay.baseline.trades) -eq 0 ] && [ $(dir "$D1" .replay.candidate.trades) -gt 0 ]"
check "the commit names the finding and the replay figures" \
  bash -c "git -C '$H' log -1 --format=%B '$BR' | grep -q 'finding stagnation' && git -C '$H' log -1 --format=%B '$BR' | grep -q 'trades 0 -> [1-9]'"
check "the branch changed only config/trading_config.json" [ "$(git -C "$H" diff --name-only "$MAIN0" "$BR")" = config/trading_config.json ]
check "the home's checkout is untouched by the run" bash -c "[ \"\$(git -C '$H' rev-parse HEAD)\" = $MAIN0 ] && git -C '$H' diff --quiet"
check "the statuses have timestamps (Queued, PENDING_EXECUTION, Executed)" \
  bash -c "[ \"\$(jq -r --arg id $D1 '.directives[] | select(.id==\$id) | .timestamps | keys | sort | join(\",\")' '$H/data/healer_active_directives.json')\" = Executed,PENDING_EXECUTION,Queued ]"
check "the LLM endpoint was asked with the model and the key" \
  bash -c "jq -s -e 'any(.[]; .model==\"stub-model\" and .authorization==\"Bearer sk-test-123\")' '$H/llm.requests' >/dev/null"
check "the LLM's patch is a script_patch waiting for an operator" \
  bash -c "[ '$(dir "$D2" .kind)' = script_patch ] && [ '$(dir "$D2" .can_auto_apply)' = false ] && [ '$(dir "$D2" .status)' = Queued ]"
check "the API key never reaches the logs" bash -c "! grep -rq sk-test-123 '$H/logs' '$H/data'"

# Promotion: approve merges the branch; the engine hot-reloads the configuration.

"$TRADEBOT" healer --home "$H" approve "$D1" >"$H/approve.out" 2>&1
check "approve promotes the directive" grep -q "$D1: Promoted" "$H/approve.out"
check "the branch is merged into the home's checkout" git -C "$H" merge-base --is-ancestor "$BR" HEAD
check "the running engine uses the new params" wait_for 'param_is min_move_pct 5' 15
MAIN1=$(git -C "$H" rev-parse HEAD)

# The LLM's broken patch: approved to run, fails validation, branch deleted, nothing touched.
v1=$(version)
curl -s -o "$H/approve2.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $(cat "$H/run/dashboard.token")" \
  "$url/api/healer/approve/$D2" >"$H/approve2.code"
check "the dashboard approves the queued patch with the token" [ "$(cat "$H/approve2.code")" = 200 ]
"$TRADEBOT" healer --home "$H" run --no-propose >"$H/healer2.out" 2>&1
check "the broken patch fails validation" grep -q "healer: 0 proposed, 1 executed, 1 failed" "$H/healer2.out"
check "its status is Failed naming the file that does not load" \
  bash -c "[ '$(dir "$D2" .status)' = Failed ] && jq -r --arg id $D2 '.directives[] | select(.id==\$id) | .error' '$H/data/healer_active_directives.json' | grep -q 'strategies/momentum.lua does not load'"
check "its branch was deleted" bash -c "[ -z \"\$(git -C '$H' branch --list \"\$(jq -r --arg id $D2 '.directives[] | select(.id==\$id) | .deleted_branch' '$H/data/healer_active_directives.json')\")\" ]"
check "the failure log is kept" test -s "$H/data/healer_logs/$D2.log"
check "the failure is in logs/healer_history.jsonl" \
  bash -c "jq -s -e --arg id $D2 'any(.[]; .id==\$id and .status==\"Failed\" and (.failure_log | length > 0))' '$H/logs/healer_history.jsonl' >/dev/null"
check "the dashboard API shows the failure with its log" \
  bash -c "curl -s '$url/api/health' | jq -e --arg id $D2 '.directives[] | select(.id==\$id and .status==\"Failed\") | .failure_log | test(\"does not load\")' >/dev/null"
check "main is untouched by the failed directive" bash -c "[ \"\$(git -C '$H' rev-parse HEAD)\" = $MAIN1 ] && git -C '$H' diff --quiet"
sleep 1.5
check "the running engine is untouched (params and version)" bash -c "[ \"\$(echo 'return tb.engine.strategies()[1].params.min_move_pct == 5' | '$TRADEBOT' repl --home '$H')\" = true ] && [ \"\$(echo 'return tb.engine.strategies()[1].version' | '$TRADEBOT' repl --home '$H')\" = $v1 ]"
check "the first directive's branch is still there for review" bash -c "git -C '$H' rev-parse -q --verify '$BR' >/dev/null"

# Rollback undoes the last promotion; the engine follows.
"$TRADEBOT" healer --home "$H" rollback >"$H/rollback.out" 2>&1
check "rollback reverts the promotion" grep -q "$D1: RolledBack" "$H/rollback.out"
check "the running engine is back on the previous params" wait_for 'param_is min_move_pct 9' 15
out=$("$TRADEBOT" healer --home "$H" approve nope 2>&1) && rc=0 || rc=$?
check "approving an unknown directive fails with one line" bash -c "[ $rc -eq 1 ] && grep -q 'no directive nope' <<<'$out'"

# The orchestrator's nightly steps are real now: the sentinel step runs the audit.
cp "$S/scripts/orchestrator.lua" "$H/scripts/"
"$TRADEBOT" orchestrate --home "$H" --step sentinel >"$H/orch.out" 2>&1 && rc=0 || rc=$?
check "the orchestrator's sentinel step runs tradebot sentinel and succeeds" \
  bash -c "[ $rc -eq 0 ] && [ \"\$(sqlite3 '$H/ml_db/ml_data.db' \"select status from orch_runs where step='sentinel' order by id desc limit 1\")\" = ok ]"
stop_engine || true
finish
