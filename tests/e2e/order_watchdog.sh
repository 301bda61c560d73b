#!/usr/bin/env bash
# The order watchdog against the Alpaca emulator (loopback): a limit order rests, the
# trade_updates stream goes silent (socket open, pings answered) and the emulator fills the order
# over REST. The engine learns the fill by polling the order by id within order_poll_after_s and
# a tick, the position is right, the silent stream is reconnected once, and when the stream later
# delivers the same fill it is not applied twice. Periodic reconciliation is off here so only the
# watchdog can find the fill.
source "$(dirname "$0")/lib.bash"

start_alpaca_emu PKE2EOWKEY e2e-ow-secret --fill manual --data-open 2026-11-30T14:30:00Z

first_bar_strategy rest_limit 'local limit = math.floor(bar.close * 95) / 100
      ctx:buy{ qty = 3, type = "limit", limit = limit, reason = "rest a limit 5% below the market" }'
cat >"$H/config/trading_config.json" <<JSON
{"broker": "alpaca", "feed": "alpaca", "symbols": ["AAPL"],
 "dashboard": {"port": 0}, "risk": {"survival": {"stale": "ignore"}},
 "alpaca": {"trading_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/stream",
            "rate_per_minute": 60000, "reconcile_interval_s": 0, "order_poll_after_s": 2},
 "alpaca_data": {"data_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/v2",
                 "stale_after_s": 0},
 "strategies": [{"file": "strategies/rest_limit.lua"}]}
JSON
export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET
start_engine
check "the broker is ready and the feed subscribed" \
  wait_for "log_has 'subscribed to minute bars of 1 symbols'" 20
emu price '{"symbol":"AAPL","price":500}' >/dev/null # the broker's market stays above the limit
emu data_advance '{"minutes":1}' >/dev/null
open_cid() { emu stats | sed -nE 's/.*"open":\["([^"]+)".*/\1/p'; }
check "the strategy's limit order rests at the broker" wait_for "[ -n \"\$(open_cid)\" ]" 10
CID=$(open_cid)
net() { echo "local n = tb.engine.status().net; return n.$1" | repl; }
wait_for "[ \"\$(net stream_events)\" -ge 1 ]" 5 || true # its "new" event
sleep 1

emu silent '{"on":true,"hold":true}' >/dev/null
t0=$(date +%s.%N)
emu fill "{\"client_order_id\":\"$CID\",\"qty\":3,\"price\":120}" >/dev/null
check "the fill is learned by polling the order by id" wait_for "log_has 'polled order $CID: filled'" 10
took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}')
check "within order_poll_after_s + a tick ($took s <= 3.5)" awk -v t="$took" 'BEGIN{exit !(t <= 3.5)}'
pos() { echo 'for _, p in ipairs(tb.engine.positions()) do if p.symbol == "AAPL" then return p.qty end end return 0' | repl; }
check "the position is right (AAPL $(pos))" [ "$(pos)" = 3 ]
fills() { sqlite3 "$H/ml_db/ml_data.db" "select count(*) from oms_fills"; }
check "one fill committed ($(fills))" [ "$(fills)" = 1 ]
check "the silent trade_updates stream is reconnected" \
  wait_for "log_has 'trade_updates stream silent: 1 order change(s) learned by polling'" 10
wait_for "[ \$(grep -c 'trade_updates stream listening' '$H/logs/trading_bot.log') -ge 2 ]" 15
ev=$(net stream_events)
released=$(emu silent '{"on":false}')
check "the stream later delivers the same fill ($released)" grep -q '"released":1' <<<"$released"
check "the engine receives it" wait_for "[ \"\$(net stream_events)\" -gt $ev ]" 10
sleep 1
check "it is not applied twice: still one fill ($(fills))" [ "$(fills)" = 1 ]
check "and the position is still 3 ($(pos))" [ "$(pos)" = 3 ]
n=$(grep -c 'trade_updates stream silent' "$H/logs/trading_bot.log" || true)
check "exactly one forced reconnect ($n)" [ "$n" = 1 ]
URL=$(dashboard_url)
check "/metrics counts the poll that learned the fill" \
  dash_grep /metrics '^tradebot_order_polls_learned_total{broker="alpaca"} 1$'
stop_engine || true
finish
