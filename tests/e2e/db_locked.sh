#!/usr/bin/env bash
# Another process holds the write lock on ml_db/ml_data.db (BEGIN IMMEDIATE in a `sqlite3`
# shell) for several seconds while the engine replays with the example strategies and ML on:
# the loop never stalls (its latency probe stays far below the connection's old 5 s lock wait),
# intents that cannot be journaled are refused and said so, fills wait in memory in order and
# are committed once the lock is gone, deferred rows (ML decisions and samples, strategy state)
# are written later, and positions in the database equal the engine's. Then a kill -9 while
# fills are queued loses nothing that the restart cannot rebuild.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
echo '{"replay": {"speed": 900, "days": 3}, "reload": {"enabled": false}, "dashboard": {"enabled": false}}' \
  >"$H/config/trading_config.json"
DB="$H/ml_db/ml_data.db"
lat() { echo "return tb.engine.status().loop_latency_us.$1" | repl; }
# Holds the write lock for $1 seconds in a real sqlite3 process.
hold_lock() {
  rm -f "$H/locked"
  (echo "BEGIN IMMEDIATE;"; echo ".shell touch '$H/locked'"; sleep "$1"; echo "COMMIT;") |
    sqlite3 -cmd ".timeout 5000" "$DB" >"$H/lock.out" 2>&1 &
  LOCK=$!
  wait_for "[ -e '$H/locked' ]" 10 || { echo "no lock:"; cat "$H/lock.out"; }
}

start_engine
wait_for "[ \$(sqlite3 '$DB' 'select count(*) from oms_fills' 2>/dev/null || echo 0) -ge 12 ]" 60 ||
  { echo "no fill before the lock"; }
max0=$(lat max)
p99_0=$(lat p99)
fills0=$(sqlite3 "$DB" "select count(*) from oms_fills")
hold_lock 6
sleep 2
t0=$(date +%s%N); max_during=$(lat max); t1=$(date +%s%N)
dbst() { echo 'local d = tb.engine.status().db return d.held_updates .. " " .. d.intents_refused .. " " .. d.rows_pending .. " " .. d.held_total' | repl | tr -d '"'; }
read -r held refused pending _ <<<"$(dbst)"
echo "while locked: $held broker updates held, $refused intents refused, $pending rows deferred"
check "while locked intents are refused and counted ($refused)" [ "$refused" -gt 0 ]
check "while locked ML rows wait in memory ($pending)" [ "$pending" -gt 0 ]
check "a fill from the broker meets the lock and is held, not applied" \
  wait_for "[ \$(dbst | cut -d' ' -f1) -gt 0 ]" 3
pos_held=$(echo 'local t = {} for _, p in ipairs(tb.engine.positions()) do t[#t+1] = p.symbol .. "=" .. p.qty end table.sort(t) return table.concat(t, ",")' | repl)
db_held=$(sqlite3 -cmd ".timeout 100" "$DB" "select group_concat(symbol || '=' || qty, ',') from (select symbol, qty from oms_positions where qty != 0 order by symbol)")
# While locked nothing can be committed, so nothing can be applied: no race here.
check "while a fill is held the engine's positions are the committed ones" [ "$pos_held" = "\"$db_held\"" ]
decisions_locked=$(sqlite3 -cmd ".timeout 100" "$DB" "select count(*) from ml_decisions" 2>/dev/null || echo 0)
wait $LOCK
sleep 1
max1=$(lat max)
echo "loop latency max before the lock ${max0} us, after ${max1} us; REPL answered in $(( (t1 - t0) / 1000000 )) ms while locked"
check "while locked the REPL answers at once ($(( (t1 - t0) / 1000000 )) ms)" [ $(( (t1 - t0) / 1000000 )) -lt 1000 ]
p99=$(lat p99)
# The histogram is cumulative and its buckets end at 50 and 100 ms. A machine short of CPU (the
# whole suite at once, other jobs) reaches them with no lock at all, so there the bar is "no
# worse than before the lock"; the old 5 s lock wait is far beyond either.
check "loop latency p99 at most 100 ms, or no worse than before the lock ($p99_0 -> $p99 us)" \
  awk -v m="$p99" -v b="$p99_0" 'BEGIN { exit !(m <= 100000 || m <= b) }'
check "the loop never stalled while the database was locked (max latency ${max1} us < 2 s)" \
  awk -v m="$max1" 'BEGIN { exit !(m < 2000000) }'
check "the lock is logged once, with the tables that wait" \
  bash -c "[ \$(grep -c 'database locked: ml_db/ml_data.db is held by another process' '$H/logs/trading_bot.log') = 1 ] &&
           grep -q 'database locked: ml_samples: rows wait in memory' '$H/logs/trading_bot.log'"
check "refused intents are logged" log_has "database locked: intents are refused (not journaled, not sent)"
check "and the release, with what was written late" wait_for "log_has 'database unlocked after'" 5
check "strategies saw the refusal (decision log: $(grep -o 'database locked: [^"]*' "$H/logs/enhanced_decision_log.jsonl" | sort -u | head -2 | tr '\n' ';'))" \
  grep -qE 'database locked: (intent not journaled, not sent|[0-9]+ broker updates wait to be committed; order not sent)' "$H/logs/enhanced_decision_log.jsonl"
check "ML decisions made while locked are in the table afterwards" \
  [ "$(sqlite3 "$DB" "select count(*) from ml_decisions")" -gt "$decisions_locked" ]
check "held fills were committed after the release ($(dbst))" bash -c "[ \"\$(echo 'local d = tb.engine.status().db return d.held_total > 0 and d.held_updates == 0' | TRADEBOT=$TRADEBOT $TRADEBOT repl --home $H)\" = true ]"
check "nothing waits any more" bash -c "[ \"\$(echo 'return tb.engine.status().db.rows_pending + tb.engine.status().db.held_updates' | TRADEBOT=$TRADEBOT $TRADEBOT repl --home $H)\" = 0 ]"
fills1=$(sqlite3 "$DB" "select count(*) from oms_fills")
check "fills kept coming after the lock ($fills0 -> $fills1)" [ "$fills1" -gt "$fills0" ]
check "positions in the database equal the persisted fills" [ "$(position_mismatches)" = 0 ]
# The engine keeps trading: a fill may land between reading one side and the other, so each
# comparison is retried for a few seconds; a real difference stays.
engine_pos() { echo 'local t = {} for _, p in ipairs(tb.engine.positions()) do t[#t+1] = p.symbol .. "=" .. p.qty end table.sort(t) return table.concat(t, ",")' | repl; }
db_pos() { sqlite3 "$DB" "select group_concat(symbol || '=' || qty, ',') from (select symbol, qty from oms_positions where qty != 0 order by symbol)"; }
same_pos() { [ "$(engine_pos)" = "\"$(db_pos)\"" ]; }
engine_cash() { echo 'return tb.engine.account().cash' | repl; }
db_cash() { sqlite3 "$DB" "select 100000000000 + coalesce(sum(case side when 'buy' then -qty*price else qty*price end - coalesce(commission,0)),0) from oms_fills" | awk '{ printf "\"%.2f\"", $1 / 1e6 }'; }
same_cash() { [ "$(engine_cash)" = "$(db_cash)" ]; }
check "the engine holds the positions the database holds ($(engine_pos))" wait_for same_pos 5
check "ML samples were written after the lock" \
  [ "$(sqlite3 "$DB" "select count(*) from ml_samples")" -gt 0 ]
dup=$(sqlite3 "$DB" "select count(*) from (select exec_id from oms_fills group by exec_id having count(*) > 1)")
check "no fill stored twice" [ "$dup" = 0 ]
check "the paper broker's cash is what the persisted fills say ($(engine_cash))" wait_for same_cash 5
check "strategy state is in engine_kv" \
  [ "$(sqlite3 "$DB" "select count(*) from engine_kv where key like 'strategy_state:%'")" -gt 0 ]

# kill -9 while the database is locked and fills wait in memory, then restart.
hold_lock 8
check "a fill meets the lock and is held" wait_for "[ \$(dbst | cut -d' ' -f1) -gt 0 ]" 7
kill9
wait $LOCK
check "after kill -9 while locked, positions equal the persisted fills" [ "$(position_mismatches)" = 0 ]
start_engine
check "the restart says what it restored" wait_for "log_has 'restored after restart: positions='" 10
sleep 2
check "after the restart positions still equal the fills" [ "$(position_mismatches)" = 0 ]
check "after the restart the paper cash is what the persisted fills say ($(engine_cash))" wait_for same_cash 5
stop_engine || true
dup=$(sqlite3 "$DB" "select count(*) from (select client_id from oms_orders group by client_id having count(*) > 1)")
check "no client order id was used twice" [ "$dup" = 0 ]
finish
