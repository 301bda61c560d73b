#!/usr/bin/env bash
# `tradebot run` with "feed": "ibkr" against the IB Gateway emulator (loopback): 5-second
# real-time bars become closed minutes a strategy trades on; the Gateway's daily restart in the
# middle of the session drops the subscriptions, the feed subscribes again on its own and
# backfills the minutes it missed over REQ_HISTORICAL_DATA exactly once, without the emulator
# ever answering 162 (historical pacing); 1101 and a farm-broken -> farm-OK blip with no bar in
# between resubscribe too. Run twice: with the paper broker (the feed's own connection, client id
# ibkr.client_id + 100) and with the ibkr broker (one socket, shared). The wall clock is shifted
# into a market minute (TRADEBOT_CLOCK_START) so this runs at any hour.
source "$(dirname "$0")/lib.bash"

export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET

start_emu() {
  start_node_emu ibgw_emu.js --port 0 --tick-ms 20 --next-id 500 \
    --data-open 2026-11-30T14:30:00Z
}
expected() { emu "expected?symbols=AAPL,MSFT" | sed -nE 's/.*"bars":([0-9]+).*/\1/p'; }
bars_are_expected() { [ "$(metric tradebot_bars_total)" = "$(expected)" ]; }

scenario() {
  local broker=$1
  rm -rf "$H/logs" "$H/ml_db" "$H/run"
  start_emu
  mkdir -p "$H/config" "$H/strategies"
  cp "$TB_SOURCE_DIR/tests/e2e/fixtures/feed_probe.lua" "$H/strategies/"
  cat >"$H/config/trading_config.json" <<JSON
{"feed": "ibkr", "broker": "$broker", "symbols": ["AAPL", "MSFT"],
 "dashboard": {"port": 0}, "risk": {"survival": {"stale": "ignore"}},
 "ibkr": {"host": "127.0.0.1", "port": $PORT, "client_id": 3, "alternate_client_id": 13,
          "restart_window_minutes": 0, "reconnect_min_seconds": 0.2, "reconnect_max_seconds": 1},
 "strategies": [{"file": "strategies/feed_probe.lua"}]}
JSON
  echo "--- broker $broker"
  start_engine
  if [ "$broker" = paper ]; then
    check "[$broker] the feed opens its own connection as client_id + 100" \
      wait_for "log_has 'ibkr feed: own connection to 127.0.0.1:$PORT client_id=103'" 10
  else
    check "[$broker] the feed shares the broker's connection" \
      wait_for "log_has \"ibkr feed: sharing the broker's connection\"" 20
  fi
  check "[$broker] real-time bars of both symbols are subscribed" \
    wait_for "log_has 'ibkr feed: subscribed to real-time bars of 2 symbols'" 20
  wait_for "[ \"\$(emu_stat rt_active)\" = 2 ]" 10
  if [ "$broker" = ibkr ]; then
    check "[$broker] one socket for the account: the emulator sees one client" \
      bash -c "curl -s http://127.0.0.1:$CTL/stats | grep -q '\"clients\":\\[3\\]'"
  fi
  URL=$(dashboard_url)

  emu "data_advance?minutes=4" >/dev/null # 09:30..09:33 in 5-second bars
  check "[$broker] a strategy trades on the minutes built from 5-second bars" \
    wait_for "grep -q 'feed_probe saw 3 bars' '$H/logs/enhanced_decision_log.jsonl'" 15
  check "[$broker] every minute of the series arrives once ($(expected) bars)" wait_for bars_are_expected 10
  if [ "$broker" = ibkr ]; then
    check "[$broker] the strategy's order reached the Gateway" wait_for "[ \"\$(emu_stat place_order)\" -ge 1 ]" 15
  fi

  emu "restart?ms=800" >/dev/null
  wait_for "[ \"\$(emu_stat rt_active)\" = 0 ]" 5
  emu "data_advance?minutes=3" >/dev/null # 09:34..09:36 while the Gateway is down: lost
  check "[$broker] after the restart the feed subscribes again by itself" \
    wait_for "log_has 'ibkr feed: resubscribed to real-time bars of 2 symbols'" 20
  wait_for "[ \"\$(emu_stat rt_active)\" = 2 ]" 10
  emu "data_advance?minutes=1" >/dev/null # the first minute after it closes: backfill
  # the first backfill was the session before the first real-time minute (started mid-session)
  check "[$broker] the missed minutes are backfilled over REQ_HISTORICAL_DATA" \
    wait_for "[ \$(count_log 'ibkr feed: backfilled MSFT') -ge 2 ]" 15
  check "[$broker] each missed minute arrives exactly once ($(expected) bars)" wait_for bars_are_expected 10
  local corrected
  corrected=$(curl -s "$URL/api/status" | grep -o '"backfill_corrected": *[0-9]*' | grep -o '[0-9]*$' || echo x)
  check "[$broker] the bars fetched again equal the delivered ones (no corrections: $corrected)" \
    [ "$corrected" = 0 ]

  emu restored_lost >/dev/null # 1101: subscriptions lost, socket kept
  check "[$broker] 1101 resubscribes" \
    wait_for "[ \$(count_log 'ibkr feed: resubscribed to real-time bars') -ge 2 ]" 10
  wait_for "[ \"\$(emu_stat rt_active)\" = 2 ]" 10
  emu "data_advance?minutes=1" >/dev/null
  check "[$broker] bars flow again after 1101" wait_for bars_are_expected 10
  emu restored >/dev/null # 1102: data kept, nothing to do
  emu farm_broken >/dev/null
  emu farm_ok >/dev/null
  check "[$broker] a farm-OK after broken with no bar since resubscribes" \
    wait_for "log_has 'farm OK after broken, no bar since'" 10
  wait_for "[ \"\$(emu_stat rt_active)\" = 2 ]" 10
  emu "data_advance?minutes=2" >/dev/null
  check "[$broker] bars flow again after the farm blip ($(expected) bars)" wait_for bars_are_expected 10
  check "[$broker] 1102 did not resubscribe (restart, 1101, farm: 3 times)" \
    [ "$(count_log 'ibkr feed: resubscribed to real-time bars')" = 3 ]
  check "[$broker] the historical pacer never made the Gateway answer 162" [ "$(emu_stat hist_162_pacing)" = 0 ]
  check "[$broker] each farm notice is logged once" \
    [ "$(count_log '2103 Market data farm connection is broken')$(count_log '2104 Market data farm connection is OK')" = 11 ]
  check "[$broker] every historical request had the 23 fields of version 151" [ "$(emu_stat hist_bad)" = 0 ]
  check "[$broker] every real-time request had the 19 fields of version 151" [ "$(emu_stat rt_bad)" = 0 ]
  check "[$broker] /api/status shows the ibkr feed real-time" \
    feed_status_is "real-time"
  stop_engine || true
  kill $EMU_PID 2>/dev/null
  wait $EMU_PID 2>/dev/null || true
  EMU_PID=""
}

scenario paper
scenario ibkr
finish
