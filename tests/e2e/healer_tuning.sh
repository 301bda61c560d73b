#!/usr/bin/env bash
# The Healer out of the box (docs/operations.md 4.7): a fresh --home, three sample days, and a
# copy of a shipped strategy whose entry threshold never triggers (rsi_macd_reversal with
# oversold 5). The orchestrator's nightly steps (`orchestrate --step sentinel`, then `--step
# healer`, i.e. `tradebot sentinel` and `tradebot healer run --nightly`) find the stagnation
# and, with the shipped scripts/healer/stagnation.lua, propose a bounded change of `oversold`
# proven by a replay on its branch (trades 0 -> N). It is visible in the dashboard's API with
# its diff and in `tradebot healer show ID`; approved with the token, its branch is merged and
# the running engine trades with the new threshold, within the declared bounds. A second
# nightly audit (the same sessions, played before the fix) proposes nothing again.
source "$(dirname "$0")/lib.bash"
command -v git >/dev/null || { echo "git is required (scripts/install.sh)"; exit 1; }
S="$TB_SOURCE_DIR"

mkdir -p "$H/config" "$H/strategies"
sed -e 's/name = "rsi_macd_reversal"/name = "rsi_strict"/' \
    -e 's/oversold = 30, /oversold = 5,  /' \
    -e 's/oversold = { min = 20,/oversold = { min = 5,/' \
    "$S/strategies/rsi_macd_reversal.lua" >"$H/strategies/rsi_strict.lua"
check "the badly tuned copy declares oversold 5 within tunable bounds 5 .. 40" \
  bash -c "grep -q 'oversold = 5, ' '$H/strategies/rsi_strict.lua' && grep -q 'oversold = { min = 5, max = 40' '$H/strategies/rsi_strict.lua'"
cat >"$H/config/trading_config.json" <<J
{ "replay": { "speed": 0, "days": 3, "symbols": 5 },
  "dashboard": { "port": 0 },
  "sentinel": { "sessions": 3 },
  "healer": { "replay_sessions": 3, "metrics": ["trades", "pnl"] },
  "strategies": [ { "file": "strategies/rsi_strict.lua" } ] }
J

start_engine
check "the engine replays three sample days" wait_for "log_has 'replay finished'" 90
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | head -1)
fills=$(sqlite3 "$H/ml_db/ml_data.db" "select count(*) from oms_fills" 2>/dev/null || echo 0)
check "rsi_strict made no trade in three sessions ($fills fills)" [ "$fills" -eq 0 ]
# The home becomes a git repository once the engine wrote the shipped scripts into it.
git_home
MAIN0=$(git -C "$H" rev-parse HEAD)

nightly_steps 1
check "the sentinel step is ok" grep -q "step=sentinel status=ok" "$H/sentinel1.out"
check "the audit found the stagnation of rsi_strict" \
  bash -c "jq -s -e 'any(.[]; .kind==\"finding\" and .rule==\"stagnation\" and .evidence.strategy==\"rsi_strict\")' '$H/logs/sentinel_activity.jsonl' >/dev/null"
check "the healer step is ok" grep -q "step=healer status=ok" "$H/healer1.out"
check "the orchestrator log says one proposed, one executed, none failed" \
  grep -q "healer: 1 proposed, 1 executed, 0 failed" "$H/logs/orchestrator.log"
DIRS="$H/data/healer_active_directives.json"
ID=$(jq -r '.directives[] | select(.finding=="stagnation") | .id' "$DIRS")
dir() { jq -r --arg id "$ID" ".directives[] | select(.id==\$id) | $1" "$DIRS"; }
NEW=$(dir .change.params.oversold)
check "one directive, a param_change of rsi_strict's oversold" \
  bash -c "[ \$(jq '.directives | length' '$DIRS') -eq 1 ] && [ '$(dir .kind)' = param_change ] && [ '$(dir .change.strategy)' = rsi_strict ]"
check "oversold is raised within its bounds (5 -> $NEW, max 40)" \
  bash -c "[ '$NEW' != null ] && awk -v v='$NEW' 'BEGIN { exit !(v > 5 && v <= 40) }'"
check "it was proven on its branch: Executed" [ "$(dir .status)" = Executed ]
B0=$(dir .replay.baseline.trades)
B1=$(dir .replay.candidate.trades)
check "the replay is better than before (trades $B0 -> $B1)" bash -c "[ '$B0' = 0 ] && [ '$B1' -gt 0 ]"
BR=$(dir .branch)
check "its branch changed config/trading_config.json only" \
  [ "$(git -C "$H" diff --name-only "$MAIN0" "$BR")" = config/trading_config.json ]
check "the home's checkout is untouched until approval" \
  bash -c "[ \"\$(git -C '$H' rev-parse HEAD)\" = $MAIN0 ] && git -C '$H' diff --quiet"

"$TRADEBOT" healer --home "$H" show "$ID" >"$H/show.out" 2>&1
check "healer show: the finding, the replay figures before and after, the diff" \
  bash -c "grep -q '^finding    stagnation' '$H/show.out' && grep -q 'baseline   trades 0 ' '$H/show.out' && grep -q 'candidate  trades $B1 ' '$H/show.out' && grep -q '^+.*\"oversold\": $NEW' '$H/show.out'"
check "the home never traded live: the proof says it ran on sample data" \
  bash -c "[ '$(dir .replay.recorded)' = false ] && grep -q '^  on .*sample data' '$H/show.out'"
curl -s "$url/api/health" >"$H/health.json"
check "the dashboard's API (Health & Audit) has the directive with its diff and replay" \
  bash -c "jq -e --arg id $ID '.directives[] | select(.id==\$id and .status==\"Executed\") | (.diff | test(\"oversold\")) and .replay.candidate.trades > 0 and (.replay.source | test(\"sample data\"))' '$H/health.json' >/dev/null"

code=$(curl -s -o "$H/approve0.json" -w '%{http_code}' -X POST "$url/api/healer/approve/$ID")
check "approving without the token is refused ($code)" bash -c "[ '$code' = 401 ] || [ '$code' = 403 ]"
check "and changes nothing" [ "$(dir .status)" = Executed ]
code=$(curl -s -o "$H/approve.json" -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $(cat "$H/run/dashboard.token")" "$url/api/healer/approve/$ID")
check "the dashboard approves it with the token" [ "$code" = 200 ]
check "the directive is Promoted" wait_for "[ \"\$(jq -r --arg id $ID '.directives[] | select(.id==\$id) | .status' '$DIRS')\" = Promoted ]" 30
check "its branch is merged into the home's checkout" git -C "$H" merge-base --is-ancestor "$BR" HEAD
check "the home's configuration has oversold $NEW for rsi_strict" \
  bash -c "[ \"\$(jq -r '.strategies[] | select(.file==\"strategies/rsi_strict.lua\") | .params.oversold' '$H/config/trading_config.json')\" = '$NEW' ]"
check "the running engine uses it" \
  wait_for "[ \"\$(echo 'return tb.engine.strategies()[1].params.oversold' | repl)\" = '$NEW' ]" 20
check "the approval is audited" grep -q "\"id\":\"$ID\"" "$H/logs/control_audit_log.jsonl"

# The next night: the same stagnant sessions (played before the fix) are not answered again.
nightly_steps 2
check "the second audit still reports the stagnation (the window is the same sessions)" \
  bash -c "grep -q 'step=sentinel status=ok' '$H/sentinel2.out' && [ \$(jq -s '[.[] | select(.kind==\"finding\" and .rule==\"stagnation\" and .evidence.strategy==\"rsi_strict\")] | length' '$H/logs/sentinel_activity.jsonl') -eq 2 ]"
check "the second healer run proposes nothing" \
  bash -c "[ \$(grep -c 'healer: 0 proposed, 0 executed, 0 failed' '$H/logs/orchestrator.log') -eq 1 ]"
check "still one directive, Promoted" \
  bash -c "[ \$(jq '.directives | length' '$DIRS') -eq 1 ] && [ '$(dir .status)' = Promoted ]"
check "the params are as approved" \
  bash -c "[ \"\$(jq -r '.strategies[0].params.oversold' '$H/config/trading_config.json')\" = '$NEW' ]"
stop_engine || true
finish
