#!/usr/bin/env bash
# `tradebot run` with "feed": "massive" (Polygon's new name) against the Polygon emulator: the
# entitlement probe shows a free plan's DELAYED data as "delayed" and its bars reach the trader;
# an unentitled plan is a configuration error shown as "not authorized" and not retried.
source "$(dirname "$0")/lib.bash"

start_emu() { # emulator plan, config plan
  start_node_emu polygon_emu.js --port 0 --key e2e-polygon-key --plan "$1" \
    --today 2026-11-30
  emu advance '{"minutes":10}' >/dev/null
  mkdir -p "$H/config"
  cat >"$H/config/trading_config.json" <<JSON
{"feed": "massive", "symbols": ["AAPL"], "dashboard": {"port": 0},
 "polygon": {"base_url": "http://127.0.0.1:$PORT", "plan": "$2", "poll_seconds": 1}}
JSON
}
export POLYGON_API_KEY=e2e-polygon-key TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60))

start_emu free free
start_engine
check "the probe finds delayed data" wait_for "log_has 'entitlement: delayed data (status DELAYED)'" 20
URL=$(dashboard_url)
check "/api/status shows the feed delayed" feed_status_is "delayed"
check "the probe's closed bars reach the trader" \
  wait_for "dash_grep /metrics '^tradebot_bars_total 10'" 10
emu fault '{"kind":"429","retry_after":1}' >/dev/null
check "a 429 is retried with backoff, as the runbook's log line says" \
  wait_for "log_has 'auto-retry with exponential backoff'" 15
check "and counted on /metrics for the feed" \
  wait_for "dash_grep /metrics -E '^tradebot_rate_limit_retries_total\\{api=\"massive\",client=\"feed\"\\} [1-9]'" 5
check "the key is never logged" bash -c "! grep -q 'e2e-polygon-key' '$H/logs/trading_bot.log'"
stop_engine || true
kill $EMU_PID; wait $EMU_PID 2>/dev/null || true
rm -rf "$H/logs"

start_emu unentitled paid
start_engine
check "NOT_AUTHORIZED is logged as a configuration error" \
  wait_for "log_has 'not retried; the feed delivers nothing'" 20
sleep 2.5 # two poll periods
n=$(emu_stat requests)
check "and is not retried ($n request)" [ "$n" = 1 ]
URL=$(dashboard_url)
check "/api/status shows it not authorized" \
  feed_status_is "not authorized"
stop_engine || true
finish
