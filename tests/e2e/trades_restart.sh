#!/usr/bin/env bash
# The dashboard's trade list survives a restart of the engine: the engine trades a replay, stops,
# starts again, and /api/trades lists the same closed trades with the same P&L and fees (they
# are built from the persisted fills, oms_fills, not from memory), P&L per day and per strategy
# included. Their P&L adds up to the realised P&L of the persisted positions.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
echo '{"dashboard": {"port": 0}, "replay": {"speed": 20000, "days": 2}, "reload": {"enabled": false}}' \
  >"$H/config/trading_config.json"
DB="$H/ml_db/ml_data.db"
url() { grep -o 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | tail -1; }
# One line per trade, oldest first: what a trader reads in the table.
trades() {
  curl -sf "$(url)/api/trades?limit=5000" |
    jq -r '.trades | reverse | .[] | [.exit_time, .entry_time, .strategy, .symbol, .side, .qty, .entry_price, .exit_price, .pnl, .fees, .reason] | @tsv'
}
groups() { curl -sf "$(url)/api/trades" | jq -c '{by_day, by_strategy}'; }

start_engine
check "the replay finishes" wait_for "log_has 'replay finished'" 180
wait_for "log_has 'dashboard listening'" 10
trades >"$H/before.tsv"
groups >"$H/before_groups.json"
n=$(wc -l <"$H/before.tsv")
check "the engine closed trades ($n)" [ "$n" -ge 2 ]
# The trade list agrees with the persisted positions: its P&L is their realised P&L.
sum=$(jq -s 'map(.pnl) | add' < <(curl -sf "$(url)/api/trades?limit=5000" | jq -c '.trades[]'))
realised=$(sqlite3 "$DB" "select coalesce(sum(realized_pnl), 0) from oms_positions")
check "the trades' P&L ($sum) is the positions' realised P&L ($realised micro-dollars)" \
  awk -v a="$sum" -v b="$realised" 'BEGIN { d = a * 1e6 - b; if (d < 0) d = -d; exit !(d < 1000) }'
stop_engine || true

start_engine
check "the engine starts again" wait_for "log_has 'restored after restart'" 20
wait_for "[ \"\$(grep -c 'dashboard listening' '$H/logs/trading_bot.log')\" -ge 2 ]" 10
trades >"$H/after.tsv"
check "after the restart the same $n trades are listed with the same prices, P&L and fees" \
  bash -c "head -n '$n' '$H/after.tsv' | cmp -s - '$H/before.tsv' || { diff '$H/before.tsv' '$H/after.tsv' | head -5 >&2; exit 1; }"
if [ "$(wc -l <"$H/after.tsv")" -eq "$n" ]; then
  check "and the same P&L per day and per strategy" bash -c "[ '$(groups)' = '$(cat "$H/before_groups.json")' ]"
fi
stop_engine || true
finish
