#!/usr/bin/env bash
# `tradebot run` with "feed": "alpaca" against the Alpaca emulator (loopback): the engine
# subscribes to the bars stream, a strategy sees the bars (its intent is in the decision log),
# /metrics and /api/status report the feed and its staleness, and a dropped stream is
# reconnected and backfilled over REST with no bar twice. The wall clock is shifted into a
# market minute (TRADEBOT_CLOCK_START) so this runs at any hour.
source "$(dirname "$0")/lib.bash"

start_alpaca_emu PKE2EDATAKEY e2e-data-secret --data-open 2026-11-30T14:30:00Z

mkdir -p "$H/config" "$H/strategies"
cp "$TB_SOURCE_DIR/tests/e2e/fixtures/feed_probe.lua" "$H/strategies/"
cat >"$H/config/trading_config.json" <<JSON
{"feed": "alpaca", "symbols": ["AAPL", "MSFT"],
 "dashboard": {"port": 0},
 "alpaca_data": {"data_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/v2"},
 "strategies": [{"file": "strategies/feed_probe.lua"}]}
JSON
export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET
start_engine
check "the engine subscribes to the bars stream" wait_for "log_has 'subscribed to minute bars of 2 symbols (feed iex)'" 20
URL=$(dashboard_url)
stale=$(metric tradebot_data_staleness_seconds)
check "staleness counts the market minutes without a bar ($stale s)" \
  bash -c "awk 'BEGIN{exit !($stale >= 1190 && $stale < 1300)}'"
check "the staleness series is labelled with the feed" \
  dash_grep /metrics 'tradebot_data_staleness_seconds{feed="alpaca"}'

emu data_advance '{"minutes":4}' >/dev/null # 09:30..09:33; 09:32 had no trade (no bar)
check "a strategy sees the bars (decision log)" \
  wait_for "grep -q 'feed_probe saw 3 bars' '$H/logs/enhanced_decision_log.jsonl'" 15
check "the trader processed 6 bars, none invented" wait_for "[ \"\$(metric tradebot_bars_total)\" = 6 ]" 10
stale=$(metric tradebot_data_staleness_seconds)
check "staleness falls back after a bar ($stale s)" bash -c "awk 'BEGIN{exit !($stale < 10)}'"
check "the feed is up" bash -c "[ \"\$(curl -s '$URL/metrics' | sed -nE 's/^tradebot_feed_up\{feed=\"alpaca\"\} //p')\" = 1 ]"
check "/api/status shows the feed real-time" feed_status_is "real-time"

emu data_drop '{}' >/dev/null
wait_for "log_has 'stream closed'" 10
emu data_advance '{"minutes":2}' >/dev/null # 09:34, 09:35 while the stream is down
check "the stream reconnects and backfills the gap over REST" \
  wait_for "log_has 'backfill after reconnect: '" 20
check "no bar twice and none lost: 10 bars" wait_for "[ \"\$(metric tradebot_bars_total)\" = 10 ]" 10
check "the keys never appear in the log" bash -c "! grep -q 'e2e-data-secret' '$H/logs/trading_bot.log'"
out=$(echo 'return tb.engine.status().feed' | repl) || true
check "the REPL names the feed ($out)" grep -q alpaca <<<"$out"
stop_engine || true
finish
