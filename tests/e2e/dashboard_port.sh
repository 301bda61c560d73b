#!/usr/bin/env bash
# A taken dashboard port: the engine trades on, and its log names the setting that moves the
# dashboard (dashboard.port, or `tradebot run --port N`); --port then puts it elsewhere.
source "$(dirname "$0")/lib.bash"

# Someone else holds a port on loopback.
python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1)
print(s.getsockname()[1], flush=True); time.sleep(600)' >"$H/holder.out" &
HOLDER=$!
trap 'kill $HOLDER 2>/dev/null || true; cleanup' EXIT
wait_for "[ -s '$H/holder.out' ]" 20
taken=$(cat "$H/holder.out")

mkdir -p "$H/config"
echo "{\"replay\": {\"speed\": 3000, \"days\": 2}, \"dashboard\": {\"port\": $taken}}" >"$H/config/trading_config.json"
start_engine
check "a taken port is logged with the setting that moves the dashboard" \
  wait_for "grep -q 'dashboard not started: dashboard: cannot listen on 127.0.0.1:$taken.*dashboard.port in config/trading_config.json or .tradebot run --port N.' '$H/logs/trading_bot.log'" 20
check "the engine goes on without its dashboard" \
  wait_for "[ -s '$H/logs/enhanced_decision_log.jsonl' ]" 60
stop_engine

out=$("$TRADEBOT" run --home "$H" --port nope 2>&1) && rc=0 || rc=$?
check "run --port refuses what is not a port" [ "$rc" -eq 2 ]
check "and says what it expects" grep -q -- '--port needs a port number' <<<"$out"

"$TRADEBOT" run --home "$H" --port 0 >"$H/engine.out" 2>&1 &
ENGINE_PID=$!
check "run --port 0 listens on a free port instead" \
  wait_for "grep -qE 'dashboard listening: http://127.0.0.1:[0-9]+/' '$H/logs/trading_bot.log'" 20
port=$(grep -oE 'dashboard listening: http://127.0.0.1:[0-9]+/' "$H/logs/trading_bot.log" | tail -1 | grep -oE '[0-9]+/$' | tr -d /)
check "that port is not the taken one and answers" \
  bash -c "[ '$port' != '$taken' ] && curl -sf 'http://127.0.0.1:$port/api/status' >/dev/null"
# docs/dashboard.md's form: a bare expression piped into the REPL is evaluated (it used to
# wait for the rest of a chunk and end with "input ended inside an unfinished chunk").
check "a bare expression in the REPL answers the dashboard's address" \
  bash -c "echo 'tb.engine.status().dashboard' | '$TRADEBOT' repl --home '$H' | grep -qF 'http://127.0.0.1:$port/'"
stop_engine
finish
