#!/usr/bin/env bash
# One engine per home, checked first: a second `tradebot run` in a live engine's home exits
# non-zero with one line naming the first engine's pid, before it reads or writes the journal,
# the database or the log (it once ran crash recovery first: the live engine's accepted orders
# went 18 -> 2 and `engine stopped` appeared in its log). The lock dies with its process: after
# kill -9 the next engine starts.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
echo '{"replay": {"speed": 2000, "days": 5}, "reload": {"enabled": false}}' >"$H/config/trading_config.json"
DB="$H/ml_db/ml_data.db"
LOG="$H/logs/trading_bot.log"
orders() { sqlite3 "$DB" "select status || '=' || count(*) from oms_orders group by status order by status" | tr '\n' ' '; }
nfills() { sqlite3 "$DB" "select count(*) from oms_fills" 2>/dev/null || echo 0; }

start_engine
first=$ENGINE_PID
check "the first engine trades" wait_for "[ \"\$(nfills)\" -gt 20 ]" 120
check "run/engine.lock holds the first engine's pid" [ "$(tr -d '\n' <"$H/run/engine.lock")" = "$first" ]

# Freeze the first engine so that anything that changes now is the second one's doing.
kill -STOP "$first"
wait_for "grep -q '^State:.*T' /proc/$first/status" 10 # stopped, every thread
before_orders=$(orders)
before_fills=$(nfills)
before_log=$(stat -c %s "$LOG")-$(sha256sum <"$LOG")
before_kv=$(sqlite3 "$DB" "select group_concat(key || '=' || value, ';') from engine_kv")
rc=0
"$TRADEBOT" run --home "$H" >"$H/second.out" 2>&1 || rc=$?
after_orders=$(orders)
after_fills=$(nfills)
after_log=$(stat -c %s "$LOG")-$(sha256sum <"$LOG")
after_kv=$(sqlite3 "$DB" "select group_concat(key || '=' || value, ';') from engine_kv")
kill -CONT "$first"
echo "second engine: rc=$rc: $(cat "$H/second.out")"
check "the second engine exits non-zero" [ "$rc" -ne 0 ]
check "it says which engine holds the home (pid $first), in one line" \
  grep -qx "tradebot run: another engine (pid $first) is already running in .*; stop it first" "$H/second.out"
check "one line only" [ "$(wc -l <"$H/second.out")" = 1 ]
check "the journal's orders are unchanged by it ($before_orders)" [ "$after_orders" = "$before_orders" ]
check "the fills are unchanged by it" [ "$after_fills" = "$before_fills" ]
check "the engine's key-value state (replay cursor) is unchanged by it" [ "$after_kv" = "$before_kv" ]
check "the live engine's log is unchanged by it (size and hash)" [ "$after_log" = "$before_log" ]
check "the first engine goes on trading" wait_for "[ \"\$(nfills)\" -gt $before_fills ]" 60
check "and still answers" [ "$(echo 'return tb.engine.running()' | repl)" = true ]

# kill -9 leaves no stale lock: the next engine starts and takes the home.
kill -9 "$first"; wait "$first" 2>/dev/null || true; ENGINE_PID=""
rm -f "$H/run/tradebot.sock"
start_engine
check "after kill -9 of the first, a new engine starts" [ "$(echo 'return tb.engine.running()' | repl)" = true ]
check "and the lock names the new one" [ "$(tr -d '\n' <"$H/run/engine.lock")" = "$ENGINE_PID" ]
stop_engine || true
finish
