#!/usr/bin/env bash
# kill -9 at arbitrary moments while the engine trades, then start it again: no fill and no
# position is lost, positions always equal the sum of the persisted fills, the paper cash equals
# what the fills say, and the replay resumes after the last bar that acted instead of replaying
# it (so nothing is submitted twice).
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
echo '{"replay": {"speed": 4000, "days": 3}, "reload": {"enabled": false}}' >"$H/config/trading_config.json"
DB="$H/ml_db/ml_data.db"

for delay in 1.3 0.7 2.1; do
  start_engine
  sleep "$delay"
  kill9
  check "after kill -9 (${delay}s) positions equal the persisted fills" [ "$(position_mismatches)" = 0 ]
done
# With the paper exchange a commit is in the WAL before it is acted on, not synced per commit
# (a power cut would rewind the exchange's book with it): the kills above are what it must survive.
check "the paper journal says how far a commit survives" \
  log_has 'journal: commits survive a crash, not a power cut (paper exchange'
fills_before=$(sqlite3 "$DB" "select count(*) from oms_fills")

start_engine
check "the restart says what it restored" wait_for "log_has 'restored after restart: positions='" 10
check "the replay resumes and finishes" wait_for "log_has 'replay finished'" 120
check "positions still equal the fills after the last restart" [ "$(position_mismatches)" = 0 ]
fills_after=$(sqlite3 "$DB" "select count(*) from oms_fills")
check "no fill was lost ($fills_before before the last start, $fills_after at the end)" [ "$fills_after" -ge "$fills_before" ]

engine_pos=$(echo 'local t = {} for _, p in ipairs(tb.engine.positions()) do t[#t+1] = p.symbol .. "=" .. p.qty end table.sort(t) return table.concat(t, ",")' | repl)
db_pos=$(sqlite3 "$DB" "select group_concat(symbol || '=' || qty, ',') from (select symbol, qty from oms_positions where qty != 0 order by symbol)")
check "the running engine holds the positions the database holds" [ "$engine_pos" = "\"$db_pos\"" ]

engine_cash=$(echo 'return tb.engine.account().cash' | repl)
db_cash=$(sqlite3 "$DB" "select 100000000000 + coalesce(sum(case side when 'buy' then -qty*price else qty*price end - coalesce(commission,0)),0) from oms_fills")
check "the paper cash is what the fills say" \
  [ "$engine_cash" = "\"$(awk -v m="$db_cash" 'BEGIN { printf "%.2f", m / 1e6 }')\"" ]
stop_engine || true; echo "engine_cash=$engine_cash db_cash=$db_cash"
dup=$(sqlite3 "$DB" "select count(*) from (select client_id from oms_orders group by client_id having count(*) > 1)")
check "no client order id was used twice" [ "$dup" = 0 ]
finish
