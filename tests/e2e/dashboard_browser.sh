#!/usr/bin/env bash
# The dashboard in headless Chromium (Debian's, driven by playwright-core from npm) against an
# engine replaying sample data: Connected, a moving equity curve, a decision with its reason, the
# kill switch only with the token, Health & Audit; candlesticks on the Symbol page with markers at
# the persisted fills and lines at working orders. Screenshots go to build/test-artifacts/.
source "$(dirname "$0")/lib.bash"
B="$TB_SOURCE_DIR/tests/browser"
ART="$(dirname "$TRADEBOT")/test-artifacts"
command -v /usr/bin/chromium >/dev/null || { echo "chromium missing: ./scripts/install.sh"; exit 1; }

npm_install "$B"

mkdir -p "$H/config" "$H/logs" "$H/data"
echo '{"dashboard": {"port": 0}, "replay": {"speed": 600, "days": 5}}' >"$H/config/trading_config.json"
cat >"$H/logs/sentinel_activity.jsonl" <<'J'
{"timestamp":"2026-11-27T02:00:00Z","severity":"warning","finding":"Strategic Stagnation: no trades in 3 sessions"}
J
cat >"$H/data/healer_active_directives.json" <<'J'
{"directives": [{"id":"d-1","symbol":"AAPL","severity":"WARNING","kind":"param_change","target":"config/trading_config.json","rationale":"widen the RSI entry band","can_auto_apply":false,"status":"Queued"},
 {"id":"d-2","symbol":"MSFT","severity":"ERROR","kind":"script_patch","target":"strategies/x.lua","rationale":"retry after a timeout","status":"Failed","error":"the patch does not apply","failure_log":"patch did not apply"},
 {"id":"d-3","symbol":null,"severity":"WARNING","kind":"script_patch","target":"strategies/x.lua","rationale":"an LLM idea","can_auto_apply":false,"status":"Queued","change":{"patch":"--- a/strategies/x.lua\n+++ b/strategies/x.lua\n@@ -1 +1 @@\n-a\n+b\n"}},
 {"id":"d-4","symbol":null,"severity":"WARNING","kind":"param_change","target":"config/trading_config.json","rationale":"loosen entry","status":"Executed","branch":"healer/auto-fix-momentum-20261201223000","replay":{"baseline":{"trades":0,"pnl":0},"candidate":{"trades":4,"pnl":12.5}},"diff":"--- a/config/trading_config.json\n+++ b/config/trading_config.json\n@@ -1 +1 @@\n-    { \"file\": \"strategies/momentum.lua\" }\n+    { \"file\": \"strategies/momentum.lua\", \"params\": { \"min_move_pct\": 5 } }\n"},
 {"id":"d-5","symbol":null,"severity":"WARNING","kind":"param_change","target":"config/trading_config.json","rationale":"earlier fix","status":"Promoted","merge_commit":"abc123","timestamps":{"Promoted":"2026-11-30T22:40:00Z"}},
 {"id":"d-6","symbol":null,"severity":"WARNING","kind":"script_patch","target":"scripts/orchestrator.lua","rationale":"an LLM idea","status":"Refused","error":"touches scripts/orchestrator.lua: a Healer change may touch only strategies/*.lua and the params/symbol_params of config/trading_config.json"}]}
J
start_engine
wait_for "grep -q 'dashboard listening' '$H/logs/trading_bot.log'" 10
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | head -1)
check "the engine serves the dashboard ($url)" curl -sf -o /dev/null "$url/"
has_decisions() { [ "$(curl -s "$url/api/decisions?limit=1")" != "[]" ]; }
wait_for has_decisions 60

# Screenshots of every page against the references in tests/browser/screens/ (fixed sample data:
# the pages' /api answers come from screens/fixtures.json). UPDATE_SCREENS=1 records both again
# from this engine, once it has trades of two strategies and a symbol with fills and a working
# order; review the new pictures before committing them. Differences: $ART/screens/.
rm -rf "$ART/screens"
if [ -n "${UPDATE_SCREENS:-}" ]; then
  rich() { [ "$(curl -s "$url/api/trades" | jq '.strategies | length')" -ge 2 ]; }
  wait_for rich 90
  node "$B/screens.test.mjs" "$url" "$ART" --record
fi
node "$B/screens.test.mjs" "$url" "$ART" && ok "screenshots of every page match their references" ||
  fail "screenshots of every page match their references (actual, reference and diff in $ART/screens/)"

rm -f "$ART/symbol_markers.json"
node "$B/dashboard.test.mjs" "$url" "$H/run/dashboard.token" "$ART" ${README_PNG:+"$README_PNG"} && ok "browser tests" || fail "browser tests"
# The Symbol page's fill markers are fills the engine persisted: same symbol, side, price, time.
M="$ART/symbol_markers.json"
unfound() {
  local sym; sym=$(jq -r .symbol "$M")
  jq -r '.markers[] | [.side, (.price * 1000000 | round), .time] | @tsv' "$M" | while IFS=$'\t' read -r side micro t; do
    [ "$(sqlite3 "$H/ml_db/ml_data.db" "select count(*) from oms_fills where symbol='$sym' and side='$side' and price=$micro and strftime('%Y-%m-%dT%H:%M:%fZ', t_ns / 1e9, 'unixepoch') = '$t'")" -ge 1 ] || echo "$side $micro $t"
  done
}
n_markers=$(jq '.markers | length' "$M" 2>/dev/null || echo 0)
missing=$([ "$n_markers" -gt 0 ] && unfound || true)
check "the $n_markers fill markers on the Symbol page are fills in oms_fills (side, price, time)${missing:+; not found: $missing}" \
  bash -c "[ '$n_markers' -gt 0 ] && [ -z '$missing' ]"
# The browser engaged the kill switch: no new exposure reaches the broker (exits that reduce a
# position still may: docs/risk.md), entries are blocked, nothing stays open.
field() { curl -s "$url/api/status" | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2; }
gross() { curl -s "$url/api/positions" | jq '[.[] | .qty | if . < 0 then -. else . end] | add // 0'; }
g1=$(gross) b1=$(field bars); sleep 2; g2=$(gross) b2=$(field bars)
check "with the kill switch engaged bars flow ($b1 -> $b2) and exposure does not grow ($g1 -> $g2 shares)" \
  bash -c "[ '$b2' -gt '$b1' ] && [ '$g2' -le '$g1' ]"
# Working orders that add exposure (a buy while flat or long, a sell while flat or short); exits
# the kill switch admitted after it engaged may still be working (docs/risk.md).
adding() {
  local o p
  o=$(curl -s "$url/api/orders") p=$(curl -s "$url/api/positions")
  jq -n --argjson o "$o" --argjson p "$p" '[ $o[] as $x
    | ([ $p[] | select(.symbol == $x.symbol) | .qty ] | .[0] // 0) as $q
    | select(($x.side == "buy" and $q >= 0) or ($x.side == "sell" and $q <= 0)) ] | length'
}
check "the kill switch cancelled every open order that adds exposure" [ "$(adding)" = 0 ]
check "blocked intents are in the decision log with the gate" \
  grep -q '"verdict":"blocked".*"gate":"kill_switch"\|"gate":"kill_switch".*"verdict":"blocked"' "$H/logs/enhanced_decision_log.jsonl"
check "approving wrote the directive back" grep -q '"approved_by": "dashboard"' "$H/data/healer_active_directives.json"
check "rejecting d-3 wrote it back" bash -c "jq -e '.directives[] | select(.id==\"d-3\") | .status==\"Rejected\" and .rejected_by==\"dashboard\"' '$H/data/healer_active_directives.json' >/dev/null"
check "the rollback without the token changed nothing" bash -c "jq -e '.directives[] | select(.id==\"d-5\") | .status==\"Promoted\"' '$H/data/healer_active_directives.json' >/dev/null"
check "approve and reject are in the control audit log, by the dashboard" \
  bash -c "grep -q '\"action\":\"healer_directive_approved\".*\"by\":\"dashboard\"' '$H/logs/control_audit_log.jsonl' && grep -q '\"action\":\"healer_directive_rejected\".*\"id\":\"d-3\"' '$H/logs/control_audit_log.jsonl'"
check "and rows in healer_audit" [ "$(sqlite3 "$H/ml_db/ml_data.db" "select group_concat(action || ':' || directive) from healer_audit")" = "healer_directive_approved:d-1,healer_directive_rejected:d-3" ]
check "the kill switch is in the control audit log" grep -q kill_switch_engaged "$H/logs/control_audit_log.jsonl"
stop_engine || true
finish
