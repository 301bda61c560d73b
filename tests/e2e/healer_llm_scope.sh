#!/usr/bin/env bash
# What the Healer's LLM proposer sends to the model (healer.llm_url, often a third party): only
# the files a change may touch (strategies/*.lua, config/trading_config.json). A finding whose
# evidence names a keys file, the dashboard token or a path outside the home (a hand-edited or
# forged activity log, a rule's mistake) sends nothing of it; the engine log says so.
source "$(dirname "$0")/lib.bash"
command -v git >/dev/null || { echo "git is required (scripts/install.sh)"; exit 1; }
command -v node >/dev/null || { echo "node is required (scripts/install.sh)"; exit 1; }

node "$TB_SOURCE_DIR/tests/e2e/llm_stub.mjs" "$H/llm.port" "$H/llm.requests" &
LLM_PID=$!
trap 'kill $LLM_PID 2>/dev/null || true; cleanup' EXIT
wait_for "[ -s '$H/llm.port' ]" 10 || { echo "llm stub did not start"; exit 1; }

mkdir -p "$H/config" "$H/strategies" "$H/run" "$H/logs"
cp "$TB_SOURCE_DIR/tests/e2e/fixtures/momentum.lua" "$H/strategies/"
cat >"$H/config/trading_config.json" <<J
{
  "replay": { "speed": 0, "days": 2, "symbols": 2 },
  "healer": { "llm_enabled": true, "llm_model": "stub-model",
              "llm_url": "http://127.0.0.1:$(cat "$H/llm.port")/v1/chat/completions" },
  "strategies": [ { "file": "strategies/momentum.lua" } ]
}
J
echo '{"key_id": "PKLLMSCOPE0001", "secret_key": "llm-scope-secret-0002"}' >"$H/config/alpaca_keys.json"
echo 'dashboard-token-llm-scope-0003' >"$H/run/dashboard.token"
echo 'outside-the-home-0004' >"$H/../$(basename "$H")-outside.txt"
trap 'kill $LLM_PID 2>/dev/null || true; rm -f "$H/../$(basename "$H")-outside.txt"; cleanup' EXIT
finding() { # $1: the file the finding names
  echo "{\"t\":\"2026-12-01T22:30:00Z\",\"kind\":\"finding\",\"rule\":\"custom_check\",\"severity\":\"WARNING\",\"symbol\":null,\"message\":\"look at $1\",\"evidence\":{\"file\":\"$1\"}}"
}
{
  finding config/alpaca_keys.json
  finding run/dashboard.token
  finding "../$(basename "$H")-outside.txt"
  finding "$H/config/alpaca_keys.json"
  finding strategies/momentum.lua
  echo '{"t":"2026-12-01T22:30:00Z","kind":"audit","message":"Sentinel audit complete"}'
} >"$H/logs/sentinel_activity.jsonl"
git_home
"$TRADEBOT" healer --home "$H" run --now >"$H/run.out" 2>&1 || true
cat "$H/run.out"
check "the model is asked about the strategy" grep -q '"finding":"Finding: .*strategies/momentum.lua' "$H/llm.requests"
check "and about nothing else (1 request, $(wc -l <"$H/llm.requests"))" [ "$(wc -l <"$H/llm.requests")" = 1 ]
for secret in PKLLMSCOPE0001 llm-scope-secret-0002 dashboard-token-llm-scope-0003 outside-the-home-0004; do
  check "the model never sees $secret" bash -c "! grep -qF '$secret' '$H/llm.requests'"
done
check "the engine log says what was not sent" \
  grep -q "LLM proposer: config/alpaca_keys.json is outside what a change may touch: not sent" "$H/logs/trading_bot.log"
finish
