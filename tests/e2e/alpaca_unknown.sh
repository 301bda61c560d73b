#!/usr/bin/env bash
# Orders with an unknown outcome against the Alpaca emulator (loopback), before and after kill -9:
# a 504 (three in a row) with the order created 4 s later; a request that hangs and is dropped
# while the reconciliation lists lag, then kill -9 while the order is unknown; a crash with the
# POST in flight (no answer ever); a 504 again after the restarts. Each time the order stays
# `unknown` (never rejected on a 404, never sent twice), blocks its strategy's next order on the
# symbol with the reason in the decision log, and is adopted with its fill when it appears. At the
# end: every fill the emulator made is in the database, no order was created twice, and the
# engine's position equals the broker's.
source "$(dirname "$0")/lib.bash"

start_alpaca_emu PKE2EUNKEY e2e-unk-secret --data-open 2026-11-30T14:30:00Z --data-skip 999

mkdir -p "$H/config" "$H/strategies"
cat >"$H/strategies/flip.lua" <<'LUA'
-- In when flat, out when long: one order a bar, so a second order on top of an unknown one shows.
return {
  on_bar = function(ctx, bar)
    local p = ctx:position().qty
    if p == 0 then
      ctx:buy{ qty = 5, reason = "flat: enter" }
    else
      ctx:sell{ qty = p, reason = "long: exit" }
    end
  end,
}
LUA
cat >"$H/config/trading_config.json" <<JSON
{"broker": "alpaca", "feed": "alpaca", "symbols": ["AAPL"],
 "risk": {"survival": {"stale": "ignore"}},
 "alpaca": {"trading_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/stream",
            "rate_per_minute": 60000, "reconcile_interval_s": 2, "order_poll_after_s": 0,
            "unknown_lookup_max_s": 2},
 "alpaca_data": {"data_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/v2",
                 "stale_after_s": 0},
 "strategies": [{"file": "strategies/flip.lua"}]}
JSON
export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET
LOG="$H/logs/trading_bot.log"
DB="$H/ml_db/ml_data.db"
requests() { emu stats | grep -oE '"post_requests":\{[^}]*\}' | grep -oE '"tb-[^"]+"' | wc -l; }
engine_up() {
  start_engine
  wait_for "[ \$(count_log 'subscribed to minute bars of 1 symbols') -ge $1 ]" 30 ||
    { echo "the feed did not subscribe"; tail -20 "$LOG"; exit 1; }
}
bar() { emu data_advance '{"minutes":1}' >/dev/null; }
# Waits until the nth adoption and the engine and the broker hold qty.
settled() {
  check "$2: the order is adopted when it appears" \
    wait_for "[ \$(count_log 'found at the broker after an unknown outcome') -ge $1 ]" 30
  check "$2: engine and broker both hold $3 ($(engine_qty AAPL) / $(emu_qty AAPL))" \
    wait_for "[ \"\$(engine_qty AAPL)\" = $3 ] && [ \"\$(emu_qty AAPL)\" = $3 ]" 15
  emu clear >/dev/null # faults the engine did not meet (no resends) must not hit the next step
}

engine_up 1
emu price '{"symbol":"AAPL","price":100}' >/dev/null

# 1. 504 three times (a blind resend would meet them too), the order created 4 s later.
emu fault '{"kind":"post_504","count":3,"create_after_ms":4000}' >/dev/null
bar
check "504: the order is marked unknown, not rejected" wait_for "[ \$(count_log 'marked unknown') -ge 1 ]" 15
bar # the strategy asks again while the first order is unknown
check "the second order is refused with the reason in the decision log" \
  wait_for "grep -q 'has an unknown outcome' '$H/logs/enhanced_decision_log.jsonl'" 15
settled 1 "504" 5
check "no order was taken for never having reached the broker" bash -c "! grep -q 'never reached' '$LOG'"

# 2. The request hangs and the connection drops; the lists lag 60 s; kill -9 while unknown.
emu list_lag '{"ms":60000}' >/dev/null
emu fault '{"kind":"post_hang","count":2,"hang_ms":300,"create_after_ms":5000}' >/dev/null
bar
check "dropped request: the order is marked unknown" wait_for "[ \$(count_log 'marked unknown') -ge 2 ]" 15
kill9
engine_up 2
settled 2 "dropped request, kill -9 while unknown" 0

# 3. kill -9 with the POST in flight (it is never answered); created 3 s later.
n=$(requests)
emu fault '{"kind":"post_hang","count":2,"create_after_ms":3000}' >/dev/null
bar
check "the POST reached the emulator" wait_for "[ \$(requests) -gt $n ]" 15
kill9
engine_up 3
check "crash in flight: the journaled order is unknown after the restart" \
  wait_for "grep -q 'no acknowledgement from the broker' '$LOG'" 15
settled 3 "crash in flight" 5

# 4. 504 again, after the restarts.
emu fault '{"kind":"post_504","count":3,"create_after_ms":3000}' >/dev/null
bar
settled 4 "504 after kill -9" 0
emu list_lag '{"ms":0}' >/dev/null

# A restarted feed may hand the strategy a minute again: wait until nothing is in flight.
broker_fills() { emu stats | sed -nE 's/.*"fills":([0-9]+).*/\1/p'; }
db_fills() { sqlite3 "$DB" "select count(*) from oms_fills"; }
quiet() { [ "$(db_fills)" = "$(broker_fills)" ] && [ "$(engine_qty AAPL)" = "$(emu_qty AAPL)" ] && ! emu stats | grep -q '"open":\["'; }
check "0 lost fills: the database holds every fill the broker made ($(db_fills) of $(broker_fills))" \
  wait_for quiet 20
stats=$(emu stats)
check "0 duplicate orders: no client order id created twice at the broker" \
  bash -c "! grep -oE '\"posts\":\{[^}]*\}' <<<'$stats' | grep -qE ':([2-9]|[1-9][0-9])'"
check "every order the engine journaled is known at the broker" \
  [ "$(sqlite3 "$DB" "select count(*) from oms_orders where status in ('new','unknown')")" = 0 ]
check "the engine's position equals the broker's ($(engine_qty AAPL) / $(emu_qty AAPL))" wait_for quiet 20
check "no broker update was refused" bash -c "! grep -q 'broker update refused' '$LOG'"
stop_engine || true
finish
