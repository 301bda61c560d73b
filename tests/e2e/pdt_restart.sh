#!/usr/bin/env bash
# data/pdt_state.json across stops and crashes: the engine keeps it in step with the database
# (each day trade is committed with its fill) and a start never reads its own file as an
# operator edit, even when a crash left it behind the database; a hand edit while stopped is one.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
# Slow enough that the whole test stays inside the first simulated session day.
echo '{"replay": {"speed": 300, "days": 3}, "dashboard": {"port": 0}}' >"$H/config/trading_config.json"
F="$H/data/pdt_state.json"
DB="$H/ml_db/ml_data.db"
field() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$F" "$1"; }
operator_lines() { grep -c '(operator)' "$H/logs/trading_bot.log" || true; }

start_engine
check "the engine wrote pdt_state.json" wait_for "[ -s '$F' ]" 30
stop_engine
day=$(field 'j["window"]["last"].replace("-", "")')
n0=$(field 'j["day_trade_count"]')

was=$(field 'j["updated"]')
start_engine
check "a start after a clean stop rewrites the file from the database" \
  wait_for "[ \"\$(field 'j[\"updated\"]')\" != '$was' ]" 20
kill -KILL "$ENGINE_PID"; wait "$ENGINE_PID" 2>/dev/null || true; ENGINE_PID=""
check "no operator edit after a clean stop" [ "$(operator_lines)" = 0 ]

# The crash came after a day trade was committed with its fill and before the file was written:
# the database has one more than the file.
python3 - "$DB" "$day" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO oms_daytrades (client_id, day, symbol, t_ns) VALUES ('tb-crash-AAA-1', ?, 'AAA', 1)", (int(sys.argv[2]),))
c.commit()
PY
want=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM oms_daytrades WHERE day = ?", (int(sys.argv[2]),)).fetchone()[0])' "$DB" "$day")
start_engine
check "after kill -9 the start takes the database's count ($want), not the file's" \
  wait_for "[ \$(field 'j[\"day_trade_count\"]') -ge $want ]" 20
check "no operator edit after kill -9 with the file behind the database" [ "$(operator_lines)" = 0 ]
stop_engine
check "a clean stop leaves the file in step" [ "$(field 'j["day_trade_count"]')" -ge "$want" ]

# A real hand edit while stopped (the runbook's step, done with an editor).
python3 - "$F" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["day_trade_count"] += 2
json.dump(j, open(sys.argv[1], "w"), indent=2)
PY
start_engine
check "a hand edit while stopped is logged as the operator's" wait_for "log_has '(operator)'" 20
stop_engine
check "exactly one operator line in all" [ "$(operator_lines)" = 1 ]
finish
