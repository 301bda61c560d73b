#!/usr/bin/env bash
# An operator's decision made while the Healer runs a directive stands (docs/operations.md 4.7):
# `healer run` executes an approved directive for seconds (replays on its branch) without the
# directives file's lock; a reject given meanwhile must not be overwritten by the run's result
# (Executed, with a branch left for review that anyone could then promote). The run keeps the
# rejection, deletes the branch it made, and says so.
source "$(dirname "$0")/lib.bash"
command -v git >/dev/null || { echo "git is required (scripts/install.sh)"; exit 1; }
command -v busted >/dev/null || { echo "busted is required (scripts/install.sh)"; exit 1; }

mkdir -p "$H/config" "$H/strategies"
cp "$TB_SOURCE_DIR/tests/e2e/fixtures/momentum.lua" "$H/strategies/"
cat >"$H/config/trading_config.json" <<'J'
{
  "replay": { "speed": 0, "days": 10, "symbols": 10 },
  "healer": { "replay_sessions": 10, "metrics": ["trades"] },
  "strategies": [ { "file": "strategies/momentum.lua" } ]
}
J
# The home's own committed spec, which validation runs on the branch: it holds the run until
# the operator has decided, so the decision falls inside the run on any machine.
mkdir -p "$H/tests/lua"
cat >"$H/tests/lua/barrier_spec.lua" <<LUA
describe("barrier", function()
  it("waits for the operator's decision", function()
    for _ = 1, 2400 do
      local f = io.open("$H/decided")
      if f then f:close() return end
      os.execute("sleep 0.05")
    end
  end)
end)
LUA
"$TRADEBOT" healer --home "$H" list >/dev/null # writes the shipped scripts
git_home
MAIN0=$(git -C "$H" rev-parse HEAD)
D="$H/data/healer_active_directives.json"
cat >"$D" <<'J'
{"directives": [
 {"id": "R1", "status": "Queued", "kind": "param_change", "finding": "f", "severity": "WARNING",
  "target": "config/trading_config.json", "rationale": "looser entry", "can_auto_apply": false,
  "change": {"strategy": "momentum", "params": {"min_move_pct": 5}}, "timestamps": {}}]}
J
st() { jq -r --arg id "$1" '.directives[] | select(.id==$id) | .status' "$D"; }
"$TRADEBOT" healer --home "$H" approve R1 >/dev/null
check "the operator approves R1 to run" [ "$(st R1)" = PENDING_EXECUTION ]

"$TRADEBOT" healer --home "$H" run --no-propose >"$H/run.out" 2>&1 &
RUN=$!
trap 'kill $RUN 2>/dev/null || true; cleanup' EXIT
# The run has started R1 when its log names it; the replays on its branch take seconds.
check "the run starts R1" wait_for "grep -q '== directive R1' '$H/data/healer_logs/R1.log' 2>/dev/null" 60
out=$("$TRADEBOT" healer --home "$H" reject R1 2>&1) && rc=0 || rc=$?
alive=$(kill -0 "$RUN" 2>/dev/null && echo yes || echo no)
touch "$H/decided"
check "the operator rejects R1 while it runs (exit $rc, run still going: $alive)" \
  bash -c "[ $rc = 0 ] && [ $alive = yes ]"
wait "$RUN" || true
cat "$H/run.out"
check "the rejection stands after the run ($(st R1))" [ "$(st R1)" = Rejected ]
check "no branch is left for review" bash -c "[ -z \"\$(git -C '$H' branch --list 'healer/auto-fix-*')\" ]"
out=$("$TRADEBOT" healer --home "$H" approve R1 2>&1) && rc=0 || rc=$?
check "and it cannot be promoted (exit $rc)" bash -c "[ $rc != 0 ] && grep -q 'Rejected: nothing to approve' <<<'$out'"
check "the run says the operator's decision was kept" \
  grep -q "directive R1 was Rejected while it ran: its result is dropped" "$H/logs/trading_bot.log"
check "main is untouched" bash -c "[ \"\$(git -C '$H' rev-parse HEAD)\" = '$MAIN0' ]"
finish
