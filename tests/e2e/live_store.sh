#!/usr/bin/env bash
# The live feed's bars reach the bar store (bar_store.live): `tradebot run` with "feed": "alpaca"
# against the Alpaca emulator writes every closed bar to ml_db/ml_data.db within a flush
# interval, a corrected bar ("u") replaces the stored one, a database locked by another process
# keeps the bars buffered without stalling the loop and writes them once released, a kill -9
# loses at most the last flush interval, and `tradebot candidates` reads what the feed wrote.
source "$(dirname "$0")/lib.bash"

start_alpaca_emu PKE2ESTORE e2e-store-secret --data-open 2026-11-30T14:30:00Z
mkdir -p "$H/config"
# No strategies and no ML: their own writes wait up to the connection's 5 s for a lock, which
# would stall the loop during the lock below for reasons that are not the bar store's.
cat >"$H/config/trading_config.json" <<JSON
{"feed": "alpaca", "symbols": ["AAPL", "MSFT"], "dashboard": {"port": 0},
 "bar_store": {"flush_ms": 200}, "strategies": [], "ml": {"enabled": false},
 "alpaca_data": {"data_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/v2"}}
JSON
export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET
DB="$H/ml_db/ml_data.db"
OPEN_NS=1796049000000000000
stored() { sqlite3 "$DB" "select count(*) from bars where timeframe=60 and start_ns >= $OPEN_NS" 2>/dev/null || echo -1; }
close_of() { sqlite3 "$DB" "select close from bars where symbol='$1' and timeframe=60 and start_ns=$((OPEN_NS + $2 * 60000000000))"; }

start_engine
wait_for "log_has 'subscribed to minute bars of 2 symbols'" 20 || { echo "no subscription"; exit 1; }
check "the engine says where live bars go" log_has "live bars are written to the bar store every 200 ms"
emu data_advance '{"minutes":4}' >/dev/null
check "the feed's bars are in the store within a flush interval" wait_for "[ \$(stored) -ge 6 ]" 10
n=$(stored)
check "each bar once, 09:33 a gap ($n stored for 2 symbols x 3 minutes with trades)" [ "$n" = 6 ]
emu data_correct '{"symbol":"AAPL","minute":1,"close":123.45}' >/dev/null
check "a corrected bar replaces the stored one" wait_for "[ \"\$(close_of AAPL 1)\" = 123.45 ]" 10
check "and adds no row" [ "$(stored)" = 6 ]

URL=$(dashboard_url)
status() { curl -s "$URL/api/status" | jq -c '.feed.store'; }
(echo "BEGIN IMMEDIATE;"; echo ".shell touch '$H/locked'"; sleep 3; echo "COMMIT;") |
  sqlite3 -cmd ".timeout 5000" "$DB" >"$H/lock.out" 2>&1 &
LOCK=$!
wait_for "[ -e '$H/locked' ]" 10 || { echo "no lock:"; cat "$H/lock.out"; }
emu data_advance '{"minutes":2}' >/dev/null
check "a locked database keeps the bars buffered and says so" \
  wait_for "log_has 'bar store: timer flush failed (' && log_has 'bars kept in memory, retrying every 200 ms'" 10
t0=$(date +%s%N)
st=$(status)
t1=$(date +%s%N)
check "while locked the loop answers at once ($(( (t1 - t0) / 1000000 )) ms: $st)" \
  bash -c "[ $(( (t1 - t0) / 1000000 )) -lt 1000 ] && jq -e '.pending > 0 and .failed_flushes > 0' <<<'$st' >/dev/null"
wait $LOCK
check "once released the buffered bars are written" wait_for "[ \$(stored) = 10 ]" 10
check "and the recovery is logged" log_has "buffered bars written after"
st=$(status)
check "status counts written/pending ($st)" bash -c "jq -e '.written >= 10 and .pending == 0 and .dropped == 0' <<<'$st' >/dev/null"
check "/metrics exports the store's counters" \
  dash_grep /metrics -E '^tradebot_bar_store_bars_written_total [0-9]+'

emu data_advance '{"minutes":1}' >/dev/null
sleep 0.7 # more than three flush intervals, without looking
kill -9 "$ENGINE_PID"; wait "$ENGINE_PID" 2>/dev/null || true; ENGINE_PID=""
check "after kill -9 the bars older than a flush interval are stored" [ "$(stored)" = 12 ]
check "the store is consistent after the kill" bash -c "[ \"\$(sqlite3 '$DB' 'pragma quick_check')\" = ok ]"

rm -f "$H/run/tradebot.sock"
start_engine
wait_for "log_has 'subscribed to minute bars of 2 symbols'" 20 || true
emu data_advance '{"minutes":1}' >/dev/null
sleep 0.1
stop_engine || true
check "a graceful stop writes the last bars (shutdown flush)" [ "$(stored)" = 14 ]
out=$("$TRADEBOT" candidates --home "$H" --no-write --date 2026-11-30 2>&1) || true
# One session of a few minutes: nothing passes the screen (no previous close), but it is read.
check "candidates reads the live bars ($(head -1 <<<"$out"))" grep -q "for 2026-11-30 .* from the bar store" <<<"$out"
finish
