#!/usr/bin/env bash
# Orders with an unknown outcome against the IB Gateway emulator (loopback), before and after
# kill -9: the Gateway acknowledges an order 4 s late while reconciliations run; an order
# acknowledged 5 s late with the engine killed before that; an order acknowledged and filled while
# the engine is down (only reqOpenOrders/reqExecutions after the restart show it). Each time the
# order is `unknown` or adopted (never "never reached IB", never placed twice) and its fill is
# applied. At the end: every execution is in the database, every orderRef was placed once, and the
# engine's position equals IB's.
source "$(dirname "$0")/lib.bash"

export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET
start_node_emu ibgw_emu.js --port 0 --tick-ms 20 --next-id 500 --data-open 2026-11-30T14:30:00Z

mkdir -p "$H/config" "$H/strategies"
cat >"$H/strategies/flip.lua" <<'LUA'
-- In when flat, out when long, one order at a time.
return {
  on_bar = function(ctx, bar)
    if #ctx:orders() > 0 then return end
    local p = ctx:position().qty
    if p == 0 then ctx:buy{ qty = 5, reason = "flat: enter" } else ctx:sell{ qty = p, reason = "long: exit" } end
  end,
}
LUA
cat >"$H/config/trading_config.json" <<JSON
{"feed": "ibkr", "broker": "ibkr", "symbols": ["AAPL"],
 "risk": {"survival": {"stale": "ignore"}},
 "ibkr": {"host": "127.0.0.1", "port": $PORT, "client_id": 3, "alternate_client_id": 13,
          "restart_window_minutes": 0, "reconnect_min_seconds": 0.2, "reconnect_max_seconds": 1,
          "reconcile_interval_s": 1, "unknown_lookup_max_s": 2},
 "strategies": [{"file": "strategies/flip.lua"}]}
JSON
LOG="$H/logs/trading_bot.log"
engine_up() {
  start_engine
  wait_for "[ \$(count_log 'ibkr feed: subscribed to real-time bars of 1 symbols') -ge $1 ]" 30 ||
    { echo "the feed did not subscribe"; tail -20 "$LOG"; exit 1; }
}
# One more minute of 5-second bars; returns once the Gateway saw one more placeOrder.
bar_and_order() {
  local n
  n=$(emu_stat place_order)
  emu "data_advance?minutes=1" >/dev/null
  wait_for "[ \$(emu_stat place_order) -gt $n ]" 20
}
settled() {
  check "$1: the engine holds what IB holds ($(engine_qty AAPL) / $(emu_qty AAPL))" \
    wait_for "[ \"\$(engine_qty AAPL)\" = \"\$(emu_qty AAPL)\" ] && [ \$(emu_stat late_acks) -ge $2 ]" 20
}

engine_up 1
emu "data_advance?minutes=1" >/dev/null # the first minute may be partial: it may trade or not
wait_for "[ \"\$(engine_qty AAPL)\" = \"\$(emu_qty AAPL)\" ] && [ -z \"\$(emu stats | grep -o '\"open\":\[{')\" ]" 10

# 1. Acknowledged 4 s late while reconciliations run every second.
emu "ack_delay?ms=4000&n=1" >/dev/null
check "late ack: the strategy's order reaches the Gateway" bar_and_order
check "late ack: the order is marked unknown, not rejected" \
  wait_for "[ \$(count_log 'submit outcome unknown') -ge 1 ]" 10
check "late ack: the order is adopted when IB shows it" \
  wait_for "[ \$(count_log 'found at IB after an unknown outcome') -ge 1 ]" 20
settled "late ack" 1

# 2. Acknowledged 8 s late; the engine is killed before that.
emu "ack_delay?ms=8000&n=1" >/dev/null
check "ack after kill -9: the order reaches the Gateway" bar_and_order
kill9
engine_up 2
check "ack after kill -9: the journaled order is unknown after the restart" \
  wait_for "[ \$(count_log 'submit outcome unknown') -ge 2 ]" 15
check "ack after kill -9: it is adopted when IB shows it" \
  wait_for "[ \$(count_log 'found at IB after an unknown outcome') -ge 2 ]" 20
settled "ack after kill -9" 2

# 3. Acknowledged and filled while the engine is down: only the restart's requests show it.
emu "ack_delay?ms=300&n=1" >/dev/null
check "filled while down: the order reaches the Gateway" bar_and_order
kill9
wait_for "[ \$(emu_stat late_acks) -ge 3 ] && [ -z \"\$(emu stats | grep -o '\"open\":\[{')\" ]" 10
engine_up 3
settled "filled while down" 3

# The restarted feed may hand the strategy a minute again: wait until nothing is in flight.
db_fills() { sqlite3 "$H/ml_db/ml_data.db" "select count(*) from oms_fills"; }
quiet() { [ "$(db_fills)" = "$(emu_stat fills)" ] && [ "$(engine_qty AAPL)" = "$(emu_qty AAPL)" ] && [ -z "$(emu stats | grep -o '"open":\[{')" ]; }
check "0 lost fills: every execution is in the database ($(db_fills) of $(emu_stat fills))" wait_for quiet 20
stats=$(emu stats)
check "0 duplicate orders: every orderRef placed once" \
  bash -c "! grep -oE '\"refs\":\{[^}]*\}' <<<'$stats' | grep -qE ':([2-9]|[1-9][0-9])'"
check "no order was taken for never having reached IB" bash -c "! grep -q 'never reached IB' '$LOG'"
check "no broker update was refused" bash -c "! grep -q 'broker update refused' '$LOG'"
check "the engine's position equals IB's ($(engine_qty AAPL) / $(emu_qty AAPL))" wait_for quiet 20
stop_engine || true
finish
