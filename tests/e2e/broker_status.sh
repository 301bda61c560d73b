#!/usr/bin/env bash
# /api/status and /metrics report the broker that trades, not the in-process paper broker
# (which is still built but idle with a real broker): paper, then Alpaca against its emulator
# (loopback) not running yet, then running. IBKR: tests/e2e/ibkr_admission.sh.
source "$(dirname "$0")/lib.bash"
trap 'kill ${EMU_PID:-} 2>/dev/null; cleanup' EXIT

dash() { grep 'dashboard listening' "$H/logs/trading_bot.log" | grep -o 'http://127.0.0.1:[0-9]*' | tail -1; }
broker_field() { curl -s "$(dash)/api/status" | python3 -c "import json,sys; print(json.load(sys.stdin)['broker'].get('$1'))"; }
connected_metric() { curl -s "$(dash)/metrics" | grep -E "^tradebot_broker_connected\{broker=\"$1\"\}" | awk '{print $2}'; }
export -f dash broker_field connected_metric
export H

mkdir -p "$H/config"
echo '{"dashboard": {"port": 0}, "replay": {"speed": 60, "days": 1}}' >"$H/config/trading_config.json"
start_engine
wait_for "log_has 'dashboard listening'" 10
check "paper: /api/status reports the paper broker, connected" \
  bash -c "[ \"\$(broker_field adapter) \$(broker_field connected)\" = 'paper True' ]"
check "paper: tradebot_broker_connected{broker=\"paper\"} is 1" bash -c "[ \"\$(connected_metric paper)\" = 1 ]"
stop_engine || true

P=$(free_port)
rm -rf "$H/logs" "$H/run"
cat >"$H/config/trading_config.json" <<JSON
{"broker": "alpaca", "dashboard": {"port": 0}, "replay": {"speed": 60, "days": 1},
 "alpaca": {"trading_url": "http://127.0.0.1:$P", "stream_url": "ws://127.0.0.1:$P/stream",
            "rate_per_minute": 60000, "reconcile_interval_s": 2}}
JSON
export APCA_API_KEY_ID=PKE2ETESTKEY APCA_API_SECRET_KEY=e2e-secret-value
start_engine
wait_for "log_has 'dashboard listening'" 10
check "alpaca, broker not reachable: /api/status reports alpaca, not connected" \
  bash -c "[ \"\$(broker_field adapter) \$(broker_field connected)\" = 'alpaca False' ]"
check "alpaca, broker not reachable: tradebot_broker_connected{broker=\"alpaca\"} is 0" \
  bash -c "[ \"\$(connected_metric alpaca)\" = 0 ]"
node "$TB_SOURCE_DIR/tests/emu/alpaca_emu.js" --port "$P" --key PKE2ETESTKEY --secret e2e-secret-value \
  >"$H/emu.out" 2>"$H/emu.err" &
EMU_PID=$!
check "alpaca, broker up: /api/status says connected" \
  wait_for "[ \"\$(broker_field connected)\" = True ]" 30
check "alpaca, broker up: tradebot_broker_connected{broker=\"alpaca\"} is 1" \
  bash -c "[ \"\$(connected_metric alpaca)\" = 1 ]"
periodic_metric() { curl -s "$(dash)/metrics" | sed -nE 's/^tradebot_periodic_reconciles_total\{broker="alpaca"\} ([0-9]+)$/\1/p'; }
check "alpaca: tradebot_periodic_reconciles_total{broker=\"alpaca\"} counts the 2 s rounds" \
  wait_for '[ "$(periodic_metric)" -ge 1 ] 2>/dev/null' 20
stop_engine || true
finish
