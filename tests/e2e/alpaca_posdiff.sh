#!/usr/bin/env bash
# A position difference that persists after reconciliation (issue 19), against the Alpaca
# emulator (loopback): shares moved behind the engine's back (POST /__emu/position_set) show as a
# difference; after two reconciliations with the same gap it is persistent: /api/status lists it,
# /metrics tradebot_position_differences is 1, and the strategy's next entry on that symbol is
# refused (decision log gate position_difference, no order at the broker). When the broker's
# position agrees again it is resolved: the list empties and entries go out again. The Sentinel's
# audit reports it as an ERROR finding while it persists. The least age
# (position_difference_min_s, 90 s by default: it forgives a lagging list, as in
# tests/e2e/alpaca_unknown.sh) is 0 here to keep the test short; tests/unit/test_posdiff.c has it.
source "$(dirname "$0")/lib.bash"

start_alpaca_emu PKE2EPDKEY e2e-pd-secret --data-open 2026-11-30T14:30:00Z --data-skip 999

mkdir -p "$H/config" "$H/strategies"
cat >"$H/strategies/add.lua" <<'LUA'
-- One share more every bar: every order is an entry (it adds to the position).
return { on_bar = function(ctx, bar) ctx:buy{ qty = 1, reason = "add one" } end }
LUA
cat >"$H/config/trading_config.json" <<JSON
{"broker": "alpaca", "feed": "alpaca", "symbols": ["AAPL"], "dashboard": {"port": 0},
 "risk": {"survival": {"stale": "ignore"}},
 "alpaca": {"trading_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/stream",
            "rate_per_minute": 60000, "reconcile_interval_s": 1, "order_poll_after_s": 0,
            "position_difference_rounds": 2, "position_difference_min_s": 0},
 "alpaca_data": {"data_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/v2",
                 "stale_after_s": 0},
 "strategies": [{"file": "strategies/add.lua"}]}
JSON
export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET
LOG="$H/logs/trading_bot.log"
DL="$H/logs/enhanced_decision_log.jsonl"
emu_orders() { emu stats | sed -nE 's/.*"orders":([0-9]+).*/\1/p'; }
dash() { grep 'dashboard listening' "$LOG" | grep -o 'http://127.0.0.1:[0-9]*' | tail -1; }
diffs() { curl -s "$(dash)/api/status" | python3 -c "import json,sys
print(' '.join('%s:%s:%s:%s' % (d['symbol'], d['engine_qty'], d['broker_qty'], bool(d['since']))
               for d in json.load(sys.stdin)['position_differences']))"; }
gauge() { curl -s "$(dash)/metrics" | sed -nE 's/^tradebot_position_differences\{broker="alpaca"\} ([0-9]+).*/\1/p'; }
refused() { grep -c '"gate":"position_difference"' "$DL" 2>/dev/null || true; }
bar() { emu data_advance '{"minutes":1}' >/dev/null; }

start_engine
wait_for "[ \$(count_log 'subscribed to minute bars of 1 symbols') -ge 1 ]" 30 ||
  { echo "the feed did not subscribe"; tail -20 "$LOG"; exit 1; }
wait_for "log_has 'dashboard listening'" 10
emu price '{"symbol":"AAPL","price":100}' >/dev/null

bar
check "an entry goes out: engine and broker hold 1" \
  wait_for "[ \"\$(engine_qty AAPL)\" = 1 ] && [ \"\$(emu_qty AAPL)\" = 1 ]" 20
check "no difference listed while they agree" wait_for "[ -z \"\$(diffs)\" ] && [ \"\$(gauge)\" = 0 ]" 1

emu position_set '{"symbol":"AAPL","qty":4}' >/dev/null # 3 shares bought on the broker's own page
check "the difference persists after reconciliation: the engine log says so" \
  wait_for "[ \$(count_log 'position difference persists: AAPL local=1 broker=4') -ge 1 ]" 20
check "/api/status lists it: AAPL engine 1, broker 4, since" \
  wait_for "[ \"\$(diffs)\" = AAPL:1:4:True ]" 10
check "/metrics tradebot_position_differences{broker=\"alpaca\"} is 1" \
  wait_for "[ \"\$(gauge)\" = 1 ]" 10
check "the Sentinel's audit reports it: an ERROR naming AAPL, engine 1, broker 4" \
  bash -c "'$TRADEBOT' sentinel --home '$H' --json >'$H/sentinel.json' 2>&1 &&
    jq -e '[.. | objects | select(.rule==\"position_difference\" and .severity==\"ERROR\" and .symbol==\"AAPL\")
      | .message] | any(test(\"position difference: AAPL engine 1, broker 4\"))' '$H/sentinel.json' >/dev/null"
orders=$(emu_orders)
bar
check "the next entry on AAPL is refused with gate position_difference" \
  wait_for "[ \$(refused) -ge 1 ]" 20
check "the refusal says why" bash -c "grep '\"gate\":\"position_difference\"' '$DL' | grep -q 'engine holds 1, the broker 4'"
check "no order reached the broker while it persists" [ "$(emu_orders) $(engine_qty AAPL)" = "$orders 1" ]

emu position_set '{"symbol":"AAPL","qty":1}' >/dev/null # the operator undid it
check "resolved: the engine log says entries are allowed again" \
  wait_for "[ \$(count_log 'position difference resolved: AAPL local=1 broker=1: entries allowed again') -ge 1 ]" 20
check "/api/status lists no difference, the gauge is 0" \
  wait_for "[ -z \"\$(diffs)\" ] && [ \"\$(gauge)\" = 0 ]" 10
n=$(refused)
bar
check "entries go out again: engine and broker hold 2" \
  wait_for "[ \"\$(engine_qty AAPL)\" = 2 ] && [ \"\$(emu_qty AAPL)\" = 2 ]" 20
check "no further refusal" [ "$(refused)" = "$n" ]
stop_engine || true
finish
