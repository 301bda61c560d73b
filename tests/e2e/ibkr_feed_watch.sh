#!/usr/bin/env bash
# The ibkr feed's wall-clock duties against the IB Gateway emulator (loopback), on the feed's own
# data-only connection (paper broker):
# - started mid-session: the minutes of the session before the first real-time minute are
#   backfilled from the open, and arrive first, in order, once;
# - a thin symbol (no +55 s bar) gets its minute on the timer (feed_minute_grace_s), and a +55 s
#   bar sent after that flush is counted late and dropped;
# - real-time bars that stop while the socket stays up (data_silent): the watchdog names the
#   silence, cancels and re-requests the subscriptions once, the gap is backfilled, every minute
#   exactly once, and /metrics counts the stale reconnect;
# - a resubscription (1101) after which no real-time bar comes: the backfill starts on its timer.
# The wall clock is shifted into a market minute (TRADEBOT_CLOCK_START) so this runs at any hour.
source "$(dirname "$0")/lib.bash"

export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET
OPEN=1796049000                                      # 09:30 ET, the emulator's first minute

start_node_emu ibgw_emu.js --port 0 --tick-ms 20 \
  --data-open 2026-11-30T14:30:00Z
expected() { emu "expected?symbols=AAPL,MSFT" | sed -nE 's/.*"bars":([0-9]+).*/\1/p'; }
bars_are_expected() { [ "$(metric tradebot_bars_total)" = "$(expected)" ]; }

first_bar_strategy first_bar 'ctx:buy{ qty = 1, reason = "first bar " .. bar.symbol .. " at " .. bar.t }'
cat >"$H/config/trading_config.json" <<JSON
{"feed": "ibkr", "broker": "paper", "symbols": ["AAPL", "MSFT"],
 "dashboard": {"port": 0}, "risk": {"survival": {"stale": "ignore"}},
 "ibkr": {"host": "127.0.0.1", "port": $PORT, "client_id": 3, "feed_client_id": 40,
          "reconnect_min_seconds": 0.2, "reconnect_max_seconds": 1,
          "feed_stale_after_s": 10, "feed_minute_grace_s": 1, "feed_backfill_after_s": 3},
 "strategies": [{"file": "strategies/first_bar.lua"}]}
JSON

# The session has been open for 5 minutes (09:30..09:34) when the engine starts.
emu "thin?symbol=MSFT" >/dev/null
emu "data_advance?minutes=5" >/dev/null
start_engine
check "the feed subscribes on its own connection" \
  wait_for "log_has 'ibkr feed: subscribed to real-time bars of 2 symbols (5 s TRADES, regular hours, own connection)'" 20
wait_for "[ \"\$(emu_stat rt_active)\" = 2 ]" 10
URL=$(dashboard_url)

emu "data_advance?minutes=1" >/dev/null # 09:35: MSFT's first real-time minute; AAPL has no trade
check "started mid-session, the session is backfilled from the open" \
  wait_for "log_has 'ibkr feed: backfill MSFT from $OPEN to $((OPEN + 360)) (6 minutes)'" 8
check "a symbol without a minute since the subscription is backfilled on the timer" \
  wait_for "grep -qE 'ibkr feed: no minute of AAPL for [0-9]+ s since the subscription: backfilling' '$H/logs/trading_bot.log'" 10
check "every minute of the session arrives once, in order ($(expected) bars)" wait_for bars_are_expected 10
check "the strategy's first bar is the open's" \
  grep -q "first bar [A-Z]* at $OPEN\"" "$H/logs/enhanced_decision_log.jsonl"
check "the session's earlier minutes came from history (REQ_HISTORICAL_DATA)" \
  [ "$(emu_stat hist_reqs)" -ge 2 ]

emu "data_advance?minutes=1" >/dev/null # 09:36: MSFT has no +55 s bar
check "a thin minute is closed by the timer ($(expected) bars)" wait_for bars_are_expected 5
check "the status counts minutes flushed by the timer" [ "$(feed_stat minutes_flushed)" -ge 2 ]

emu "late_last?symbol=AAPL&ms=2500" >/dev/null
emu "data_advance?minutes=1" >/dev/null # 09:37: AAPL's +55 s bar comes 2.5 s late
check "a minute whose last bar is late is delivered on the timer ($(expected) bars)" \
  wait_for bars_are_expected 5
check "the +55 s bar after the flush is counted late" wait_for "[ \"\$(feed_stat late_5s_bars)\" -ge 1 ]" 8
check "and not delivered again ($(expected) bars)" bars_are_expected
emu "late_last?symbol=AAPL&ms=0" >/dev/null

emu data_silent >/dev/null
emu "data_advance?minutes=3" >/dev/null # 09:38..09:40: nothing on the silent subscriptions
check "the silence is noticed and named in the log" \
  wait_for "log_has 'ibkr feed: real-time bars silent: no 5 s bar for any of 2 symbols for'" 15
check "the subscriptions are cancelled (CANCEL_REAL_TIME_BARS) and requested again" \
  wait_for "[ \"\$(emu_stat rt_cancels)\" = 2 ] && [ \"\$(emu_stat rt_active)\" = 2 ]" 5
emu "data_advance?minutes=1" >/dev/null # 09:41: the first minute after the resubscription
check "the silent minutes are backfilled, each exactly once ($(expected) bars)" wait_for bars_are_expected 10
check "one watchdog resubscription" [ "$(count_log 'ibkr feed: real-time bars silent')" = 1 ]
check "/metrics counts it (tradebot_feed_stale_reconnects_total)" \
  [ "$(metric tradebot_feed_stale_reconnects_total)" = 1 ]

emu restored_lost >/dev/null # 1101: subscriptions lost, socket kept
check "1101 resubscribes" wait_for "[ \$(count_log 'ibkr feed: resubscribed to real-time bars') -ge 2 ]" 10
wait_for "[ \"\$(emu_stat rt_active)\" = 2 ]" 10
emu data_silent >/dev/null
emu "data_advance?minutes=2" >/dev/null # 09:42, 09:43: no real-time bar after the resubscription
check "without a minute after the resubscription the backfill starts on its timer" \
  wait_for "log_has 'ibkr feed: no minute of AAPL for 3 s since the subscription: backfilling'" 10
check "the minutes since arrive once ($(expected) bars)" wait_for bars_are_expected 10

check "the data-only connection requested no orders, positions or executions" \
  [ "$(emu_stat req_open)$(emu_stat req_pos)$(emu_stat req_exec)" = 000 ]
check "the historical pacer never made the Gateway answer 162" [ "$(emu_stat hist_162_pacing)" = 0 ]
check "no feed request error was logged twice (ibkr_conn leaves them to the feed)" \
  bash -c "! grep -qE 'error id=[78]000' '$H/logs/trading_bot.log'"
stop_engine || true
finish
