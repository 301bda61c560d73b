#!/usr/bin/env bash
# kill -9 of `tradebot orchestrate` in the middle of a step: the step's process (its own process
# group, pid recorded in orch_runs) goes on, and the restarted orchestrator adopts it (waits for
# it and records its outcome) instead of starting the step a second time. A step that ended
# while no orchestrator ran is settled from the exit status it left, not run again.
source "$(dirname "$0")/lib.bash"
DB="$H/ml_db/ml_data.db"
olog_has() { grep -qF -- "$1" "$H/logs/orchestrator.log" 2>/dev/null; }
marks() { grep -c "^$1 $2" "$H/data/marks.txt" 2>/dev/null || true; }

mkdir -p "$H/scripts" "$H/data"
cat >"$H/scripts/orchestrator.lua" <<'LUA'
local M = { steps = {
  { name = "slow_a", at = "00:00 ET", lua = "slow", skip_non_trading = false, grace = 86400 },
  { name = "slow_b", at = "00:00 ET", lua = "slow", skip_non_trading = false, grace = 86400 },
} }
local function mark(what)
  local f = assert(io.open("data/marks.txt", "a"))
  f:write(os.getenv("TB_ORCH_STEP") .. " " .. what .. "\n")
  f:close()
end
-- Waits for a file the test creates: the step runs exactly as long as the test needs.
function M.slow()
  mark("start")
  local gate = "data/go_" .. os.getenv("TB_ORCH_STEP")
  while not io.open(gate) do os.execute("sleep 0.1") end
  print("step output after the wait")
  mark("end")
end
local argv = { ... }
if argv[1] == "--call" then M[argv[2]]() return end
return M
LUA

start_orch() {
  "$TRADEBOT" orchestrate --home "$H" >>"$H/orch.out" 2>&1 &
  ORCH_PID=$!
}
kill9_orch() { kill -9 "$ORCH_PID"; wait "$ORCH_PID" 2>/dev/null || true; }
step_pid() { sqlite3 "$DB" "select pid from orch_runs where step='$1' and status='running'"; }

# 1. Killed while the step runs: the step goes on and is adopted.
start_orch
check "slow_a starts" wait_for "[ \"\$(marks slow_a start)\" = 1 ]" 30
check "its pid is recorded in orch_runs" wait_for "[ -n \"\$(step_pid slow_a)\" ] && [ \"\$(step_pid slow_a)\" -gt 0 ]" 10
a_pid=$(step_pid slow_a)
kill9_orch
check "after kill -9 of the orchestrator the step's process still runs (pid $a_pid)" kill -0 "$a_pid"
start_orch
check "the restarted orchestrator adopts it" wait_for "olog_has 'step=slow_a adopted: pid $a_pid still runs'" 20
touch "$H/data/go_slow_a"
check "the adopted step's outcome is recorded" wait_for "olog_has 'step=slow_a status=ok'" 30
check "its output after the adoption is logged" olog_has "step=slow_a | step output after the wait"
check "slow_a ran once (one start, one end)" \
  [ "$(marks slow_a start)-$(marks slow_a end)" = "1-1" ]
check "one run of slow_a in orch_runs, ok and final" \
  [ "$(sqlite3 "$DB" "select count(*) || ' ' || group_concat(status || '/' || final) from orch_runs where step='slow_a' and status != 'missed'")" = "1 ok/1" ]

# 2. Killed, and the step ends before the orchestrator is back: settled from its status file.
check "slow_b starts next" wait_for "[ \"\$(marks slow_b start)\" = 1 ]" 30
check "its pid is recorded" wait_for "[ -n \"\$(step_pid slow_b)\" ]" 10
b_pid=$(step_pid slow_b)
kill9_orch
touch "$H/data/go_slow_b"
check "slow_b ends with no orchestrator running" wait_for "! kill -0 $b_pid 2>/dev/null" 30
start_orch
check "the restarted orchestrator settles it from its recorded status" \
  wait_for "olog_has 'step=slow_b ended while no orchestrator ran'" 20
check "as ok" wait_for "olog_has 'step=slow_b status=ok'" 10
sleep 1 # a wrong restart of the step would show within the scheduler's first ticks
check "slow_b ran once" [ "$(marks slow_b start)-$(marks slow_b end)" = "1-1" ]
check "one run of slow_b in orch_runs, ok and final" \
  [ "$(sqlite3 "$DB" "select count(*) || ' ' || group_concat(status || '/' || final) from orch_runs where step='slow_b' and status != 'missed'")" = "1 ok/1" ]
check "no step output or status file is left in run/orch" [ -z "$(ls -A "$H/run/orch")" ]
kill -TERM "$ORCH_PID"; wait "$ORCH_PID" || true
finish
