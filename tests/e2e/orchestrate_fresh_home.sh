#!/usr/bin/env bash
# A default home's daily sequence completes (docs/operations.md, "The daily sequence"): every
# shipped step run on a fresh --home settles ok, or `skipped` with the reason when it does not
# apply to the home (healer_critical and healer without git, data_archiver without an rclone
# remote), so `orchestrate --status` exits 0 and says complete. Before, those steps failed and
# the sequence was never complete.
source "$(dirname "$0")/lib.bash"
# Tuesday 2026-12-08 21:00 UTC (16:00 ET): every shipped step is scheduled that day.
export TRADEBOT_CLOCK_START=1796763600
orch() { "$TRADEBOT" orchestrate --home "$H" "$@"; }
steps=$(orch --list --json | jq -r '.[].name')
check "the shipped sequence has the steps this test is about" \
  bash -c "grep -qx data_archiver <<<'$steps' && grep -qx healer_critical <<<'$steps' && grep -qx healer <<<'$steps'"
for s in $steps; do
  orch --step "$s" >"$H/step-$s.out" 2>&1 && rc=0 || rc=$?
  check "step $s settles without failing (exit 0): $(tail -1 "$H/step-$s.out")" [ "$rc" -eq 0 ]
done
check "data_archiver without a remote is skipped with the key to set" \
  grep -q "status=skipped .*message=orchestrator.archive_remote is not set" "$H/step-data_archiver.out"
check "healer_critical without git is skipped saying why" \
  grep -q "status=skipped .*message=.* is not a git repository with a commit" "$H/step-healer_critical.out"
orch --status >"$H/status.out" 2>&1 && rc=0 || rc=$?
check "--status: the default home's sequence for 2026-12-08 is complete (exit 0)" \
  bash -c "[ $rc -eq 0 ] && grep -q '^daily sequence 2026-12-08: complete$' '$H/status.out'"
check "--status shows each skipped step with its reason" \
  bash -c "grep -qE '^  data_archiver .* skipped .*archive_remote is not set' '$H/status.out' && grep -qE '^  healer_critical .* skipped .*not a git repository' '$H/status.out'"
check "no step is failed" bash -c "! grep -qE ' (failed|timeout|missed) ' '$H/status.out'"
orch --status --json >"$H/status.json" 2>&1 || true
check "--status --json: complete, skipped steps carry their message" \
  bash -c "jq -e '.complete == true and ([.steps[] | select(.status==\"skipped\") | .message | length > 0] | all) and ([.steps[] | select(.status==\"skipped\")] | length >= 2)' '$H/status.json' >/dev/null"
finish
