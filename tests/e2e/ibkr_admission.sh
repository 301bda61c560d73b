#!/usr/bin/env bash
# The IB broker's readiness decides what becomes an order (trade/admit.h), and status reports the
# broker that trades: against the IB Gateway emulator (loopback),
# - while IB connectivity is lost (1100) every intent is refused at once with gate broker:paused
#   (decision log, tradebot_gate_blocks_total) and no order is created; /api/status and
#   tradebot_broker_connected{broker="ibkr"} say not connected, and connected again after 1102;
# - symbols rejected for good (201 no trading permission, every symbol here, from the start, so
#   every order is an entry) have their entries held: a few rejections each (orders in flight
#   when the first came back), not one per signal, and the hold is logged;
# - a Gateway that settles on server version 136 is refused at the greeting: never ready, no
#   order sent, the reason in the log and in /api/status;
# - the IB send queue's figures are on /metrics and in tb.engine.status().net.
source "$(dirname "$0")/lib.bash"
trap 'kill ${EMU_PID:-} 2>/dev/null; cleanup' EXIT

configure() { # port
  mkdir -p "$H/config"
  cat >"$H/config/trading_config.json" <<JSON
{"broker": "ibkr", "dashboard": {"port": 0},
 "replay": {"speed": 600, "days": 1},
 "orders": {"reject_hold_minutes": 600},
 "ibkr": {"host": "127.0.0.1", "port": $1, "client_id": 3, "alternate_client_id": 13,
          "restart_window_minutes": 0, "reconnect_min_seconds": 0.2, "reconnect_max_seconds": 1}}
JSON
}
dash() { grep 'dashboard listening' "$H/logs/trading_bot.log" | grep -o 'http://127.0.0.1:[0-9]*' | tail -1; }
status() { curl -s "$(dash)/api/status"; }
broker_field() { status | python3 -c "import json,sys; print(json.load(sys.stdin)['broker'].get('$1'))"; }
metric() { curl -s "$(dash)/metrics" | grep -E "^$1" | awk '{print $2}' | head -1; }
orders() { sqlite3 "$H/ml_db/ml_data.db" "select count(*) from oms_orders" 2>/dev/null || echo 0; }
paused_blocks() { grep -c '"gate":"broker:paused"' "$H/logs/enhanced_decision_log.jsonl" 2>/dev/null || true; }
emu_stats() { curl -s "http://127.0.0.1:$CTL/stats"; }

export -f broker_field status dash metric paused_blocks
export H
start_node_emu ibgw_emu.js --port 0 --tick-ms 20 --next-id 500 --reject-symbol '*' \
  --reject-text 'No Trading Permissions'
configure "$PORT"
start_engine
check "the broker gets ready" wait_for "log_has 'broker ready: starting the feed'" 20
wait_for "log_has 'dashboard listening'" 10
wait_for "emu_stats | grep -qE '\"place_order\":[1-9]'" 30
check "/api/status reports the IB adapter, connected" \
  bash -c "[ \"\$(broker_field adapter) \$(broker_field connected)\" = 'ibkr True' ]"
check "tradebot_broker_connected{broker=\"ibkr\"} is 1" \
  bash -c "[ \"\$(metric 'tradebot_broker_connected\\{broker=\"ibkr\"\\}')\" = 1 ]"

curl -s "http://127.0.0.1:$CTL/lost" >/dev/null
wait_for "log_has 'trading paused'" 10
n1=$(orders)
check "intents are refused with broker:paused while IB is lost" wait_for "[ \$(paused_blocks) -ge 1 ]" 30
wait_for "[ \$(paused_blocks) -ge 20 ]" 30 || true
n2=$(orders)
b=$(paused_blocks)
check "no order is created while paused ($n1 before, $n2 after $b refused intents)" [ "$n1" -eq "$n2" ]
check "/api/status says not connected, paused" \
  bash -c "[ \"\$(broker_field connected) \$(broker_field not_ready)\" = 'False paused' ]"
check "tradebot_broker_connected{broker=\"ibkr\"} is 0 while paused" \
  bash -c "[ \"\$(metric 'tradebot_broker_connected\\{broker=\"ibkr\"\\}')\" = 0 ]"
check "the refusals are counted per gate on /metrics" \
  bash -c "[ \"\$(metric 'tradebot_gate_blocks_total\\{gate=\"broker:paused\"\\}')\" -ge 1 ]"
curl -s "http://127.0.0.1:$CTL/restored" >/dev/null
check "after 1102 the broker is connected again" \
  wait_for "[ \"\$(broker_field connected)\" = True ]" 10

check "the replay finishes" wait_for "log_has 'replay finished'" 120
emu_stats >"$H/stats.json"
worst=$(python3 -c "import json; r=json.load(open('$H/stats.json'))['rejects_by_symbol']; print(max(r.values() or [0]))")
check "entries of symbols rejected for good were rejected at most 3 times each (in flight), not once per signal ($worst)" \
  [ "$worst" -ge 1 -a "$worst" -le 3 ]
check "the hold is logged when it starts" log_has "reject hold on"
check "held entries are refused as reject_hold in the decision log" \
  grep -q '"gate":"reject_hold"' "$H/logs/enhanced_decision_log.jsonl"
check "/metrics has the IB send queue figures" \
  bash -c "curl -s \"\$(dash)/metrics\" | grep -qE '^tradebot_ibkr_messages_sent_total\\{broker=\"ibkr\"\\} [1-9]'"
out=$(echo 'local n = tb.engine.status().net; return n.ibkr_msgs_sent .. " " .. n.ibkr_queue_depth .. " " .. n.ibkr_msgs_delayed .. " " .. n.ibkr_msgs_discarded' | repl) || true
check "tb.engine.status().net has the send queue: sent, depth, pacing waits, dropped ($out)" \
  grep -qE '^.?[1-9][0-9]* [0-9]+ [0-9]+ [0-9]+' <<<"$out"
stop_engine || true
kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null || true

# An older Gateway: the engine offers only the server versions whose layouts it builds.
rm -rf "$H/logs" "$H/run"
start_node_emu ibgw_emu.js --port 0 --tick-ms 20 --next-id 900 --max-version 136
configure "$PORT"
start_engine
check "a Gateway at server version 136 is refused with a clear error" \
  wait_for "log_has 'the Gateway answered server version 136'" 20
wait_for "log_has 'dashboard listening'" 10
check "/api/status names the reason (server_version)" \
  bash -c "[ \"\$(broker_field not_ready)\" = server_version ]"
check "/api/status says why" bash -c "status | grep -q 'server version 136'"
emu_stats >"$H/stats136.json"
check "the engine never started the API session nor sent an order" \
  grep -qE '"start_api":0,.*"place_order":0' "$H/stats136.json"
stop_engine || true
finish
