#!/usr/bin/env bash
# Risk gates from the operator's side: `tradebot vix`, `tradebot macro --force` (picked up by a
# running engine without restart), editing data/pdt_state.json while running, and the kill
# switch from the REPL (cancels, blocks entries, survives a restart until cleared).
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config" "$H/data"
echo '{"replay": {"speed": 400, "days": 3}}' >"$H/config/trading_config.json"

out=$("$TRADEBOT" vix --home "$H")
check "tradebot vix prints the VIX from the sample data ($out)" grep -qE '^VIX [0-9]+\.[0-9]{2} \([0-9-]{10}, sample\)' <<<"$out"
out=$("$TRADEBOT" vix --home "$H" --json)
check "tradebot vix --json is JSON" bash -c "jq -e '.vix > 0 and .source == \"sample\"' <<<'$out' >/dev/null"
"$TRADEBOT" macro --home "$H" --force >/dev/null
check "tradebot macro --force writes data/macro.json" bash -c "jq -e '.vix > 0 and .survival == false' '$H/data/macro.json' >/dev/null"
check "no temporary file is left behind" bash -c "! ls '$H/data' | grep -q tmp"

start_engine
check "the engine loads the macro state" wait_for "log_has 'macro state loaded: vix='" 10
check "the engine writes data/pdt_state.json" wait_for "[ -s '$H/data/pdt_state.json' ]" 20

# Survival mode without restart: a CSV source with VIX 45, then macro --force.
printf 'DATE,OPEN,HIGH,LOW,CLOSE\n01/06/2026,30,46,29,44\n01/07/2026,44,47,43,45.00\n' >"$H/data/vix.csv"
jq '.risk = {"survival": {"source": "csv", "csv": "'"$H"'/data/vix.csv"}}' "$H/config/trading_config.json" >"$H/c.json"
cp "$H/c.json" "$H/config/trading_config.json"
"$TRADEBOT" macro --home "$H" --force >"$H/macro.out"
check "macro --force from the CSV says survival on" grep -q 'vix=45.00 date=2026-01-07 source=csv:.* survival=on' "$H/macro.out"
check "the running engine picks up the new macro.json" wait_for "log_has 'macro state loaded: vix=45.00'" 5
out=$(echo 'return tb.risk.status().macro.survival' | repl)
check "tb.risk.status() reports survival mode" [ "$out" = true ]
check "entries are blocked by survival mode" wait_for "grep -q '\"gate\":\"survival\"' '$H/logs/enhanced_decision_log.jsonl'" 30

# An operator edit of day_trade_count, while running.
wait_for "jq -e '.window.last' '$H/data/pdt_state.json' >/dev/null" 10 || true
jq '.day_trade_count = 2' "$H/data/pdt_state.json" >"$H/p.json" && mv "$H/p.json" "$H/data/pdt_state.json"
check "the edit is logged" wait_for "log_has 'pdt_state.json edited: day_trade_count'" 5
check "the edit is in force" wait_for "[ \"\$(echo 'return tb.risk.status().day_trades.count' | repl)\" -ge 2 ]" 5
echo '{"day_trade_count": -4}' >"$H/p.json" && mv "$H/p.json" "$H/data/pdt_state.json"
check "an invalid edit is refused and logged" wait_for "log_has 'day_trade_count must be an integer'" 5

# Kill switch from the REPL (survival off again first, so the kill switch is what blocks).
printf 'DATE,CLOSE\n2026-01-08,21.5\n' >"$H/data/vix.csv"
"$TRADEBOT" macro --home "$H" --force >/dev/null
check "survival mode ends with a lower VIX, without restart" wait_for "log_has 'macro state loaded: vix=21.50'" 5
out=$(echo 'return tb.risk.kill("e2e drill")' | repl)
check "tb.risk.kill returns the cancels it requested ($out)" grep -qE '^[0-9]+$' <<<"$out"
check "the kill is logged with who and why" log_has "kill switch engaged by repl at"
check "the kill switch persists in data/kill_switch.json" bash -c "jq -e '.engaged and .who == \"repl\" and .reason == \"e2e drill\"' '$H/data/kill_switch.json' >/dev/null"
check "entries are blocked by the kill switch" wait_for "grep -q '\"gate\":\"kill_switch\"' '$H/logs/enhanced_decision_log.jsonl'" 30
out=$(echo 'return tb.risk.status().gates.kill_switch' | repl)
check "the kill_switch gate counts its blocks ($out)" [ "$out" -ge 1 ]
out=$(echo 'return tb.risk.status().kill.engaged' | repl)
check "tb.risk.status() shows it engaged" [ "$out" = true ]
stop_engine || true
start_engine
out=$(echo 'local k = tb.risk.status().kill return tostring(k.engaged) .. " " .. k.who' | repl)
check "it survives a restart ($out)" [ "$out" = '"true repl"' ]
out=$(echo 'return tb.risk.clear()' | repl)
check "tb.risk.clear() clears it" [ "$out" = true ]
check "clearing removes the flag file" [ ! -e "$H/data/kill_switch.json" ]
check "the clear is logged" log_has "kill switch cleared by repl"
stop_engine || true
finish
