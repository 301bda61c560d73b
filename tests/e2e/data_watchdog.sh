#!/usr/bin/env bash
# The data stream's silence watchdog against the Alpaca emulator (loopback): during (emulated)
# market hours the bars stream stays connected, answers pings, and sends nothing; the engine
# notices within stale_after_s, says so in the log, drops and reconnects the socket (one
# reconnect, with backoff) and backfills the missing minutes over REST, each bar exactly once.
source "$(dirname "$0")/lib.bash"

EMU_OUT="$H/emu.out"
node "$TB_SOURCE_DIR/tests/emu/alpaca_emu.js" --port 0 --key PKE2EWDKEY --secret e2e-wd-secret \
  --data-open 2026-11-30T14:30:00Z >"$EMU_OUT" 2>"$H/emu.err" &
EMU_PID=$!
ADV_PID=""
trap '[ -n "$ADV_PID" ] && kill $ADV_PID 2>/dev/null; kill $EMU_PID 2>/dev/null; cleanup' EXIT
wait_for "grep -q port '$EMU_OUT'" 10 || { echo "emulator did not start"; exit 1; }
PORT=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$EMU_OUT")
E="http://127.0.0.1:$PORT/__emu"
emu() { curl -s -X POST -H 'Content-Type: application/json' -d "${2:-{\}}" "$E/$1"; }
stat_of() { emu data_stats | sed -nE "s/.*\"$1\":([0-9]+).*/\1/p"; }

mkdir -p "$H/config"
cat >"$H/config/trading_config.json" <<JSON
{"feed": "alpaca", "symbols": ["AAPL", "MSFT"],
 "dashboard": {"port": 0},
 "alpaca_data": {"data_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/v2",
                 "stale_after_s": 4}}
JSON
export APCA_API_KEY_ID=PKE2EWDKEY APCA_API_SECRET_KEY=e2e-wd-secret
export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET
start_engine
check "the engine subscribes to the bars stream" wait_for "log_has 'subscribed to minute bars of 2 symbols'" 20
emu data_advance '{"minutes":4}' >/dev/null # 09:30..09:33 (09:33 had no trade): 6 bars
wait_for "grep -q 'dashboard listening' '$H/logs/trading_bot.log'" 10
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | grep -v ":$PORT" | head -1)
metric() { curl -s "$url/metrics" | sed -nE "s/^$1(\{[^}]*\})? ([0-9.e+-]+)$/\2/p" | head -1; }
check "the bars arrive on the stream" wait_for "[ \"\$(metric tradebot_bars_total)\" = 6 ]" 10
check "no watchdog action while bars flow" bash -c "! grep -q 'alpaca data stream silent' '$H/logs/trading_bot.log'"

emu data_silent '{"on":true}' >/dev/null
emu data_advance '{"minutes":2}' >/dev/null # 09:34, 09:35: never sent on the silent socket
check "the silence is noticed and named in the log" \
  wait_for "log_has 'alpaca data stream silent: no bar for any of 2 symbols for'" 15
check "the stream reconnects" wait_for "[ \"\$(stat_of opens)\" = 2 ]" 20
check "the missing minutes are backfilled over REST" wait_for "log_has 'backfill after reconnect: '" 20
# Keep the market moving (a bar a second) so the reconnected stream is not silent itself.
(while :; do emu data_advance >/dev/null; sleep 1; done) &
ADV_PID=$!
check "the backfilled minutes reach the trader" wait_for "[ \"\$(metric tradebot_bars_total)\" -ge 10 ]" 10
sleep 6
kill $ADV_PID 2>/dev/null; wait $ADV_PID 2>/dev/null || true; ADV_PID=""
cursor=$(stat_of cursor)
expect=0
for ((i = 0; i < cursor; i++)); do [ "$i" != 3 ] && expect=$((expect + 2)); done
wait_for "[ \"\$(metric tradebot_bars_total)\" = $expect ]" 5 || true
got=$(metric tradebot_bars_total)
check "every minute exactly once, none invented ($got of $expect bars over $cursor minutes)" [ "$got" = "$expect" ]
n=$(grep -c 'alpaca data stream silent' "$H/logs/trading_bot.log" || true)
check "exactly one watchdog reconnect ($n)" [ "$n" = 1 ]
check "exactly one backfill" bash -c "[ \$(grep -c 'backfill after reconnect: ' '$H/logs/trading_bot.log') = 1 ]"
check "the emulator saw two stream connections" [ "$(stat_of opens)" = 2 ]
stale=$(metric tradebot_feed_stale_reconnects_total)
check "/metrics counts the stale reconnect ($stale)" [ "$stale" = 1 ]
check "/api/status shows the counter" bash -c "curl -s '$url/api/status' | grep -qE '\"stale_reconnects\": *1'"
stop_engine || true
finish
