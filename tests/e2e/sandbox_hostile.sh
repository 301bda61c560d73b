#!/usr/bin/env bash
# Every strategy in tests/hostile/ in `tradebot backtest` and in a running engine through hot
# reload: stopped for the reason its file names, the engine's /api/status answers within 100 ms
# all along (measured with curl), the example strategies keep trading, and the log says why.
# The REPL: a runaway chunk that swallows its errors is stopped by the time limit, and by Ctrl-C
# (an interrupt frame) well before it.
source "$(dirname "$0")/lib.bash"
HOSTILE="$TB_SOURCE_DIR/tests/hostile"
expect_of() { sed -n 's/^-- expect: //p' "$1"; }
needs_of() { sed -n 's/^-- needs: //p' "$1"; }
# The alternatives of a case that a log can show (the "state: ok"-style ones are not messages).
pattern_of() { expect_of "$1" | tr '|' '\n' | { grep -v -e ': ok$' -e '^log: escaped$' || true; } | paste -sd'|'; }

# --- tradebot backtest: all cases in two runs beside an example strategy -----------------------
mapfile -t cases < <(ls "$HOSTILE"/*.lua | grep -v impersonate)
half=$(( (${#cases[@]} + 1) / 2 ))
bt_ok=1
for part in 0 1; do
  args=(--strategy "$TB_SOURCE_DIR/strategies/rsi_macd_reversal.lua")
  for f in "${cases[@]:$((part * half)):$half}"; do args+=(--strategy "$f"); done
  t0=$(date +%s%N)
  rc=0
  "$TRADEBOT" backtest --home "$H" --days 1 "${args[@]}" >"$H/bt$part.out" 2>"$H/bt$part.err" || rc=$?
  # The run completes with its report; a strategy disabled on the way makes the status 1.
  grep -q '^trades ' "$H/bt$part.out" || { echo "  backtest part $part: no report (status $rc)"; bt_ok=0; }
  [ $rc -eq 0 ] || grep -q 'was disabled during the run' "$H/bt$part.err" || bt_ok=0
  echo "backtest part $part: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  for f in "${cases[@]:$((part * half)):$half}"; do
    p=$(pattern_of "$f")
    # ctx.state is serialised only by the engine (saves, reloads): in a backtest these just run.
    if [ -z "$p" ] || [[ $(basename "$f") == state_* ]]; then continue; fi
    grep -F "$(basename "$f")" "$H/bt$part.err" | grep -E "$p" >/dev/null || { echo "  $(basename "$f"): no '$p' in the backtest's errors"; bt_ok=0; }
  done
done
check "backtest: every hostile strategy is stopped for its reason and the run completes" [ $bt_ok = 1 ]
check "backtest: the example strategy still trades beside them" \
  bash -c "grep -q rsi_macd_reversal '$H/data/backtest/trades.csv' || grep -qE '^orders +[1-9]' '$H/bt0.out'"
check "backtest: a strategy's own lines carry strategy:<name>, a component no part of the engine uses" \
  grep -qE 'ERROR \[strategy:[^]]*log_forgery(\.lua)?\] hostile' "$H/bt0.err" "$H/bt1.err"
check "backtest: a newline in a strategy's log line does not forge a line" \
  bash -c "grep -qF 'hostile\\n2026-01-02T00:00:00Z ERROR [engine] FORGED engine line\\x1b[2J' '$H/bt0.err' '$H/bt1.err' && ! grep -q '^2026-01-02T00:00:00Z ERROR \[engine\] FORGED' '$H/bt0.err' '$H/bt1.err'"

# --- tradebot run: one engine, the cases dropped in one after another ---------------------------
rm -rf "$H/data" "$H/logs"
mkdir -p "$H/config" "$H/strategies"
echo 'return { on_bar = function(ctx, bar) end }' >"$H/strategies/hostile.lua"
cat >"$H/config/trading_config.json" <<JSON
{"dashboard": {"port": 0}, "replay": {"speed": 300, "days": 20},
 "strategies": [{"file": "strategies/rsi_macd_reversal.lua"}, {"file": "strategies/opening_range_breakout.lua"},
                {"file": "strategies/vwap_reversion.lua"}, {"file": "strategies/hostile.lua", "name": "hostile"}]}
JSON
start_engine
wait_for "grep -q 'dashboard listening' '$H/logs/trading_bot.log'" 20
url=$(grep -o -m1 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | head -1)
wait_for "curl -s '$url/api/status' | grep -q '\"bars\": *[1-9]'" 30 || true

# The machine's own noise first: /api/status before any hostile strategy runs.
for i in $(seq 1 60); do curl -s -o /dev/null -m 2 -w '%{time_total}\n' "$url/api/status" || echo 9; sleep 0.02; done | sort -n >"$H/base.sorted"
base_max=$(tail -1 "$H/base.sorted")
echo "/api/status before the cases: p50 $(sed -n 30p "$H/base.sorted") s, max ${base_max} s"

# /api/status polled every 20 ms for the whole run; each answer's time_total kept.
( while :; do
    t=$(curl -s -o /dev/null -m 2 -w '%{time_total}' "$url/api/status") || t=9
    echo "$t $(date +%T.%N | cut -c1-12)"; sleep 0.02
  done ) >"$H/status.times" &
PROBE=$!
hostile_events() { curl -s "$url/api/strategies" | python3 -c "import json,sys; print(sum(s['events'] for s in json.load(sys.stdin) if s['name'] == 'hostile'))"; }
events() { curl -s "$url/api/strategies" | python3 -c "import json,sys; print(sum(s['events'] for s in json.load(sys.stdin) if s['name'] != 'hostile'))"; }
orders() { curl -s "$url/api/status" | python3 -c "import json,sys; print(json.load(sys.stdin)['trading']['orders'])"; }
ev0=$(events); or0=$(orders)

# Waits until $1 succeeds or $2 seconds of wall time pass (a slow machine makes each try slow).
wait_secs() { local end=$((SECONDS + $2)); until eval "$1"; do [ $SECONDS -ge $end ] && return 1; sleep 0.1; done; }
since() { tail -n +"$1" "$H/logs/trading_bot.log"; }
reloads() { grep -c 'strategy reloaded: name=hostile' "$H/logs/trading_bot.log" || true; }

run_ok=1
for f in "${cases[@]}"; do
  name=$(basename "$f")
  p=$(pattern_of "$f")
  if [ -z "$p" ]; then p="strategy reloaded: name=hostile"; fi
  r0=$(reloads)
  t0=$(date +%s%N)
  cp "$f" "$H/strategies/hostile.lua.new" && mv "$H/strategies/hostile.lua.new" "$H/strategies/hostile.lua"
  wait_secs "[ \$(reloads) -gt $r0 ]" 20 || { echo "  $name: not reloaded"; run_ok=0; continue; }
  # From the reload line on: only this case's lines.
  from=$(grep -n 'strategy reloaded: name=hostile' "$H/logs/trading_bot.log" | tail -1 | cut -d: -f1)
  if [[ $name == state_* ]]; then
    # The state is serialised when saved or carried over a reload: once the case has run a few
    # bars, an edit of the file makes the engine carry (and judge) it.
    e0=$(hostile_events)
    wait_secs "[ \$(hostile_events) -gt $((e0 + 2)) ]" 20 || true
    echo "-- edited" >>"$H/strategies/hostile.lua"
  fi
  if wait_secs "since $from | grep -E '$p' | grep hostile >/dev/null" 30; then
    echo "  $name: [$(date +%T)] $(( ($(date +%s%N) - t0) / 1000000 )) ms to '$(since "$from" | grep -E "$p" | head -1 | cut -c 40-200)'"
  else
    echo "  $name: no '$p' in the log within 30 s"; run_ok=0
  fi
  # A budget stop recurs until the strategy is disabled (max_overruns, 3; a stop on a starved
  # machine weighs a tenth, so there it may take longer than this test waits: said, not failed).
  if since "$from" | grep 'strategy hostile over its budget' >/dev/null &&
     ! wait_secs "since $from | grep 'strategy hostile disabled after' >/dev/null" 15; then
    if since "$from" | grep 'the machine was busy' >/dev/null; then
      echo "  $name: not disabled yet (its stops were on a starved machine)"
    else
      echo "  $name: not disabled after its overruns"; run_ok=0
    fi
  fi
  kill -0 "$ENGINE_PID" || { echo "  $name: the engine died"; run_ok=0; break; }
done
check "run: every hostile strategy dropped in is stopped and the log says why" [ $run_ok = 1 ]
check "run: a strategy over its budget is disabled naming strategy, limit and file:line" \
  log_has "strategy hostile disabled after 3 budget overruns"
check "run: the log names where a stop happened" \
  grep -qE "time limit exceeded \(50 ms\) at strategies/hostile.lua:[0-9]+: stopped" "$H/logs/trading_bot.log"

# A strategy disabled for its errors (20 in a row, the same on any machine) before the reload.
n0=$(grep -c 'strategy hostile disabled after 20 consecutive errors' "$H/logs/trading_bot.log" || true)
cp "$HOSTILE/gc_finalizer.lua" "$H/strategies/hostile.lua.new" && mv "$H/strategies/hostile.lua.new" "$H/strategies/hostile.lua"
wait_secs "[ \$(grep -c 'strategy hostile disabled after 20 consecutive errors' '$H/logs/trading_bot.log') -gt $n0 ]" 30 || true
# A second file may not take a running strategy's name.
cp "$HOSTILE/impersonate.lua" "$H/strategies/impostor.lua"
python3 - "$H/config/trading_config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["strategies"].append({"file": "strategies/impostor.lua", "name": "hostile"})
json.dump(c, open(p + ".new", "w"))
PY
mv "$H/config/trading_config.json.new" "$H/config/trading_config.json"
check "run: a taken name is refused with a clear line" \
  wait_for "log_has \"strategy load refused: strategies/impostor.lua: strategy name 'hostile' is already taken by strategies/hostile.lua\"" 15
check "run: a configuration reload does not revive a disabled strategy" \
  wait_for "log_has 'strategy hostile stays disabled: its file has not changed'" 15

ev1=$(events); or1=$(orders)
kill "$PROBE"; wait "$PROBE" 2>/dev/null || true
echo "example strategies: events $ev0 -> $ev1, orders $or0 -> $or1"
check "run: the example strategies kept trading throughout" bash -c "[ $ev1 -gt $ev0 ] && [ $or1 -gt $or0 ]"
sort -n "$H/status.times" | cut -d' ' -f1 >"$H/status.sorted"
echo "slowest /api/status answers (s, at):"; sort -rn "$H/status.times" | sed -n '1,5s/^/  /p'
n=$(wc -l <"$H/status.sorted")
max=$(tail -1 "$H/status.sorted")
p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$H/status.sorted")
echo "/api/status: $n answers, p99 ${p99}s, max ${max}s"
p50=$(sed -n "$(( (n + 1) / 2 ))p" "$H/status.sorted")
p90=$(sed -n "$(( (n * 90 + 99) / 100 ))p" "$H/status.sorted")
echo "/api/status during the cases: p50 ${p50} s, p90 ${p90} s ($(cut -d' ' -f1-3 /proc/loadavg) load on $(nproc) cores)"
# The loop is never held by a strategy for more than its time limit (50 ms) at a time, and a
# stopped strategy sits out 4x that before its next call. On a loaded shared machine (2 cores,
# load often above 10) the engine's own CPU slices stretch every figure, so: the typical answer
# within 100 ms, nine in ten within 200 ms, and none near a second (the engine held by a strategy).
# The engine's loop stall lines say whose time a long answer waited for: an answer of a second
# or more after the order_flood or yield_across_c stops was the loop thread waiting for a CPU
# ("0.06 s on a CPU, 0.99 s waiting for one: the machine was busy"), not the engine working.
stalls=$(grep -F 'WARN  [loop] loop stall: ' "$H/logs/trading_bot.log" | grep -vF 'REPL chunk' || true)
echo "loop stalls during the cases: $(grep -c . <<<"$stalls" || true)"; sed -n '1,8s/^.*loop stall: /  /p' <<<"$stalls"
held=$(awk '/: working[);]/ && match($0, /loop stall: [0-9.]+/) {
  split(substr($0, RSTART, RLENGTH), a, " "); if (a[3] >= 1.0) n++ } END { print n + 0 }' <<<"$stalls")
check "run: the engine's own work never held the loop a second (its loop stall lines)" [ "$held" -eq 0 ]
# An answer of a second or more is the machine's when the engine's stall lines say the loop's
# thread waited for a CPU, and never that the engine's work held it (above). Not excused: the
# thread asleep in a system call. The paper journal's fdatasync per commit (25-160 ms each while
# other tests write, strace) held the loop 1-9 s before the paper journal stopped syncing each
# commit (docs/orders.md); an fsync back on this path must fail here.
# The lines are rate-limited, so they cannot be matched one by one to the answers.
busy=$(grep -cE 'the machine was busy' <<<"$stalls" || true)
check "run: /api/status answers within 100 ms typically (p90 < 200 ms, max < 1 s unless the engine's log says the machine's CPUs held it back) throughout" \
  awk -v m="$max" -v p="$p90" -v q="$p50" -v b="$busy" 'BEGIN{exit !(q < 0.1 && p < 0.2 && (m < 1.0 || b > 0))}'
# The REPL (trusted, on the loop thread: it blocks the loop while it runs, up to its limit).
# A chunk that swallows its errors is stopped by Ctrl-C (an empty frame) at once...
python3 - "$H/run/tradebot.sock" "$url" >"$H/repl_int.out" <<'PY'
import socket, struct, sys, time, urllib.request
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
code = b"while true do pcall(function() while true do end end) end"
s.sendall(struct.pack(">I", len(code)) + code)
# Interrupt once the chunk runs (the loop stops answering): on a loaded machine the engine may
# not have read the chunk 0.3 s after it was sent.
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[2] + "/api/status", timeout=0.3).read()
        time.sleep(0.05)
    except Exception:
        break
t0 = time.time()
s.sendall(b"\0\0\0\0")
n = struct.unpack(">I", s.recv(4))[0]; body = b""
while len(body) < n: body += s.recv(n - len(body))
print("%.3f %s" % (time.time() - t0, body[1:].decode()))
PY
check "repl: Ctrl-C stops a runaway chunk within a second" \
  bash -c "read t rest <'$H/repl_int.out'; grep -q 'interrupted' '$H/repl_int.out' && awk -v t=\$t 'BEGIN{exit !(t < 1.0)}'"
# The same from `tradebot repl`: SIGINT in the client sends the interrupt while it waits.
( echo 'while true do pcall(function() while true do end end) end'; sleep 15 ) |
  "$TRADEBOT" repl --home "$H" >"$H/ctrlc.out" 2>&1 &
RP=$!
wait_secs "! curl -s -m 0.3 -o /dev/null '$url/api/status'" 10 || true # the loop is inside the chunk
t0=$(date +%s%N)
kill -INT "$RP"
wait_secs "grep -q 'interrupted' '$H/ctrlc.out'" 10 || true
echo "tradebot repl: Ctrl-C answered in $(( ($(date +%s%N) - t0) / 1000000 )) ms: $(grep interrupted "$H/ctrlc.out" | head -1)"
check "repl: Ctrl-C in tradebot repl stops the chunk and says so" grep -q 'repl: interrupted at' "$H/ctrlc.out"
kill "$RP" 2>/dev/null || true
# ... and by the time limit without it.
err=$(echo 'local n = 0 while true do pcall(function() while true do n = n + 1 end end) end' | timeout 60 "$TRADEBOT" repl --home "$H" 2>&1) || true
check "repl: a chunk that catches every error is stopped by the limit" grep -qE "instruction budget exceeded|time limit exceeded" <<<"$err"
check "repl: the engine answers afterwards" bash -c "[ \"\$(echo 'return 40+2' | '$TRADEBOT' repl --home '$H')\" = 42 ]"

check "the engine stops cleanly" stop_engine
finish
