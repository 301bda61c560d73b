#!/usr/bin/env bash
# `tradebot run` trades through the IB adapter against the IB Gateway emulator (loopback): the
# connection reaches ready and reconciles before the feed starts, orders carry our client ids
# as orderRef, every IB order id is used once (also across a Gateway restart in the middle of
# the session), fills are committed to SQLite, and the last order id is persisted for the next
# start.
source "$(dirname "$0")/lib.bash"

start_node_emu ibgw_emu.js --port 0 --tick-ms 20 --next-id 500

mkdir -p "$H/config"
cat >"$H/config/trading_config.json" <<JSON
{"broker": "ibkr",
 "replay": {"speed": 3000, "days": 1},
 "ibkr": {"host": "127.0.0.1", "port": $PORT, "client_id": 3, "alternate_client_id": 13,
          "restart_window_minutes": 0, "reconnect_min_seconds": 0.2, "reconnect_max_seconds": 1}}
JSON
start_engine
check "the broker reconciles before the feed starts" wait_for "log_has 'broker ready: starting the feed'" 20
check "the adapter logs its reconciliation" log_has "differences: broker ready"
# Commissions come 150 ms after their executions for a while: fills are stored first.
curl -s "http://127.0.0.1:$CTL/comm_delay?ms=150" >/dev/null
wait_for "curl -s http://127.0.0.1:$CTL/stats | grep -qE '\"place_order\":[1-9]'" 30
curl -s "http://127.0.0.1:$CTL/restart?ms=800" >/dev/null
curl -s "http://127.0.0.1:$CTL/comm_delay?ms=0" >/dev/null
check "the Gateway restart drops the connection and the adapter reconnects" \
  wait_for "log_has 'reconnect with backoff'" 10
check "the replay finishes" wait_for "log_has 'replay finished'" 90
sleep 1
curl -s "http://127.0.0.1:$CTL/stats" >"$H/stats.json"
check "orders reached the Gateway" grep -qE '"place_order":[1-9]' "$H/stats.json"
check "every placeOrder had the 110 fields of server version 151" grep -q '"bad_place":0' "$H/stats.json"
check "no IB order id was used twice" bash -c "! grep -qE '\"[0-9]+\":([2-9]|[1-9][0-9])' '$H/stats.json'"
check "no order ref (client order id) was sent twice" bash -c "! grep -qE '\"tb-[^\"]+\":([2-9]|[1-9][0-9])' '$H/stats.json'"
check "no duplicate-id (103) answer" grep -q '"dup_103":0' "$H/stats.json"
fills=$(sqlite3 "$H/ml_db/ml_data.db" "select count(*) from oms_fills" 2>/dev/null || echo 0)
check "fills from IB are committed to ml_db/ml_data.db ($fills)" [ "$fills" -gt 0 ]
want=$(sed -E 's/.*"commission_micros":([0-9]+).*/\1/' "$H/stats.json")
q() { sqlite3 "$H/ml_db/ml_data.db" "$1" 2>/dev/null || echo -1; }
got=$(q "select coalesce(sum(commission),0) from oms_fills")
check "the fills carry IB's commissions: $got micros, the Gateway charged $want" [ "$got" = "$want" ]
check "the positions' fees equal them too" [ "$(q 'select coalesce(sum(fees),0) from oms_positions')" = "$want" ]
check "the orders' commissions equal them too" [ "$(q 'select coalesce(sum(commission),0) from oms_orders')" = "$want" ]
last=$(sqlite3 "$H/ml_db/ml_data.db" "select value from engine_kv where key='ibkr.last_order_id'" 2>/dev/null || echo 0)
check "the last IB order id is persisted ($last)" [ "${last:-0}" -ge 500 ]
out=$(echo 'local n = tb.engine.status().net; return n.broker_state .. " " .. n.reconciles .. " " .. n.ibkr_fills' | repl) || true
net_ok() { grep -qE '^.?ready [2-9][0-9]* [1-9]' <<<"$out"; }
check "tb.engine.status().net shows the broker ready, reconciled twice, with fills ($out)" net_ok
stop_engine || true
finish
