#!/usr/bin/env bash
# The daily sequence: tradebot orchestrate (--list, --dry-run, --step, --status, the daemon and
# hot reload of scripts/orchestrator.lua), candidates, log rotation, the rclone archiver against
# a local remote, the database check, and the orchestrator inside the engine.
source "$(dirname "$0")/lib.bash"
orch() { "$TRADEBOT" orchestrate --home "$H" "$@"; }
olog_has() { grep -qF -- "$1" "$H/logs/orchestrator.log"; }
export -f olog_has
export H

out=$(orch --list)
check "a new home gets the shipped sequence" test -f "$H/scripts/orchestrator.lua"
check "--list shows the pre-market and after-close steps" \
  bash -c "grep -q '^macro_refresh .*30 minutes before open' <<<'$out' && grep -q '^data_archiver .*15 minutes after close' <<<'$out' && grep -q '^sentinel .*22:30 UTC' <<<'$out'"
out=$(orch --dry-run --days 7)
check "--dry-run lists each run with its UTC and New York time" \
  bash -c "grep -qE '^[0-9-]{10} [0-9:]{5}Z \([0-9:]{5} ET\)  macro_refresh' <<<'$out'"
out=$(orch --status --date 2026-11-26) && rc=0 || rc=$?
check "--status on a holiday: nothing scheduled, complete (exit 0)" \
  bash -c "[ $rc -eq 0 ] && grep -q 'not scheduled' <<<'$out'"
out=$(orch --status --date 2026-03-09 --json) && rc=0 || rc=$?
check "--status --json on a day that did not run: not complete (exit 1)" \
  bash -c "[ $rc -eq 1 ] && [ \"\$(jq -r .complete <<<'$out')\" = false ] && [ \"\$(jq -r '.steps[0].status' <<<'$out')\" = due ]"

# Candidates: the command and the file format.
"$TRADEBOT" candidates --home "$H" --date 2026-01-15 >"$H/cand.out"
f="$H/data/top_20_day_trading_candidates.csv"
check "candidates prints the table" grep -q '^   1 ' "$H/cand.out"
check "the candidates file has the header with score components" \
  bash -c "head -1 '$f' | grep -qx 'generated_at,date,rank,symbol,score,price,gap_pct,rel_volume,atr_pct,dollar_volume,score_gap,score_relvol,score_atr'"
check "20 candidates ranked 1..20 with descending scores for the asked day" \
  bash -c "[ \$(tail -n +2 '$f' | wc -l) -eq 20 ] && tail -n +2 '$f' | awk -F, 'NR != \$3 || \$2 != \"2026-01-15\" || (NR > 1 && \$5 > prev) { bad = 1 } { prev = \$5 } END { exit bad }'"
check "each row carries its generation timestamp" \
  bash -c "tail -n +2 '$f' | cut -d, -f1 | grep -qvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' && exit 1 || exit 0"

# One step now: macro refresh, the candidates' feature refresh, the database check.
orch --step macro_refresh >/dev/null 2>&1
check "--step macro_refresh writes data/macro.json with vix, time, source and survival" \
  bash -c "jq -e 'has(\"vix\") and has(\"time\") and .source == \"sample\" and (.survival | type) == \"boolean\"' '$H/data/macro.json' >/dev/null"
orch --step feature_refresh >/dev/null 2>&1 && rc=0 || rc=$?
check "feature_refresh computes the 20 candidates' features and checks them (data/candidate_features.json)" \
  bash -c "[ $rc -eq 0 ] && jq -e '.problems == 0 and (.candidates | length) == 20 and (.candidates[0].features | has(\"rsi_14\"))' '$H/data/candidate_features.json' >/dev/null"
orch --step db_integrity >/dev/null 2>&1 && rc=0 || rc=$?
check "db_integrity passes on a healthy database" bash -c "[ $rc -eq 0 ] && olog_has 'quick_check ok'"
(echo "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS hold (x);"; sleep 6) | sqlite3 "$H/ml_db/ml_data.db" &
holder=$!
sleep 0.5
out=$("$TRADEBOT" lua --home "$H" - <<<'local ok, r = tb.orch.db_check() print(ok, r)' 2>&1)
check "the database check reports a held lock" grep -q 'false.*LOCKED' <<<"$out"
kill $holder 2>/dev/null; wait $holder 2>/dev/null || true
head -c 8192 /dev/urandom >"$H/bad.db"
out=$("$TRADEBOT" lua --home "$H" - <<<'local ok, r = tb.ops.db_check("bad.db") print(ok, r)' 2>&1)
check "the database check reports a corrupt file" grep -qE 'false.*(not a database|CORRUPT|cannot open)' <<<"$out"

# Rotation and archiving (no engine running, so every file is ours to rotate).
cat >"$H/config/trading_config.json" <<JSON
{ "logging": { "max_bytes": 2000, "jsonl_max_bytes": 3000 },
  "orchestrator": { "archive_remote": "tbtest:$H/remote/archives" } }
JSON
head -c 5000 /dev/urandom | base64 >"$H/logs/trading_bot.log"
head -c 5000 /dev/urandom | base64 >"$H/logs/sentinel_activity.jsonl"
echo '{"small": true}' >"$H/logs/healer_history.jsonl"
cp "$H/logs/sentinel_activity.jsonl" "$H/sentinel.orig"
orch --step log_rotation >/dev/null 2>&1 && rc=0 || rc=$?
check "log_rotation succeeds" [ $rc -eq 0 ]
check "trading_bot.log over its limit went to data/archives as .gz" \
  bash -c "ls '$H'/data/archives/trading_bot.log.*.gz >/dev/null && [ ! -s '$H/logs/trading_bot.log' ]"
check "a JSONL trail over its limit is archived intact" \
  bash -c "zcat '$H'/data/archives/sentinel_activity.jsonl.*.gz | cmp - '$H/sentinel.orig'"
check "a trail under its limit stays" test -s "$H/logs/healer_history.jsonl"
check "the orchestrator log says what it did per file" olog_has "logs/healer_history.jsonl: 16 bytes, under the 3000 byte limit"

export RCLONE_CONFIG_TBTEST_TYPE=local
orch --step data_archiver >/dev/null 2>&1 && rc=0 || rc=$?
check "data_archiver copies to the rclone remote and verifies" \
  bash -c "[ $rc -eq 0 ] && diff -r '$H/data/archives' '$H/remote/archives' && olog_has 'Data Archiver sequence complete.'"
check "the archiver's rclone check ran" olog_has 'rclone check --one-way data/archives'
sed -i 's/"archive_remote": "[^"]*"/"archive_remote": ""/' "$H/config/trading_config.json"
out=$(orch --step data_archiver 2>&1) && rc=0 || rc=$?
check "without a remote the archiver is skipped (exit 0), saying which key to set" \
  bash -c "[ $rc -eq 0 ] && grep -q 'status=skipped.*orchestrator.archive_remote is not set' <<<'$out'"

# The daemon: steps due today run once, --status says complete, an edit is picked up live.
write_script() {
  cat >"$H/scripts/orchestrator.lua" <<LUA
local M = { steps = {
  { name = "hello", at = "00:00 ET", lua = "hello", skip_non_trading = false, grace = 86400 },
  { name = "candidates", at = "00:00 ET", command = { "candidates" }, skip_non_trading = false,
    grace = 86400 },
  $1
} }
function M.hello() print("hello from " .. os.getenv("TB_ORCH_STEP")) end
local argv = { ... }
if argv[1] == "--call" then M[argv[2]]() return end
return M
LUA
}
rm -f "$H/ml_db/ml_data.db"*
write_script ""
"$TRADEBOT" orchestrate --home "$H" >"$H/orch.out" 2>&1 &
ORCH_PID=$!
check "the daemon runs today's due steps" wait_for "olog_has 'step=candidates status=ok'" 20
check "step output is logged line by line with the step name" olog_has "step=hello | hello from hello"
check "each step logs status and duration" \
  bash -c "grep -qE 'step=hello status=ok duration=[0-9]+\.[0-9]s' '$H/logs/orchestrator.log'"
orch --status >"$H/status.out" && rc=0 || rc=$?
check "--status: today's sequence complete (exit 0), one line per step" \
  bash -c "[ $rc -eq 0 ] && grep -q complete '$H/status.out' && grep -qE '^  hello +[0-9:]+Z .* ok' '$H/status.out'"
write_script '{ name = "added", at = "00:00 ET", lua = "hello", skip_non_trading = false, grace = 86400 },'
check "an edit of scripts/orchestrator.lua is reloaded without restart" \
  wait_for "olog_has 'orchestrator schedule reloaded: steps=3'" 10
check "the added step runs at once (it is due)" wait_for "olog_has 'step=added status=ok'" 10
check "finished steps did not run again" bash -c "[ \$(grep -c 'step=hello status=ok' '$H/logs/orchestrator.log') -eq 1 ]"
out=$(orch 2>&1) && rc=0 || rc=$?
echo 'return { steps = { { name = "x", at = "whenever", lua = "x" } } }' >"$H/scripts/orchestrator.lua"
check "tradebot check names the bad step and time" \
  bash -c "'$TRADEBOT' check --home '$H' 2>&1 | grep -q 'scripts/orchestrator.lua: steps\[1\] x: time \"whenever\"'"
check "a broken edit is refused and the running schedule kept" \
  wait_for "olog_has 'orchestrator schedule reload failed'" 10
kill -TERM $ORCH_PID; wait $ORCH_PID || true
check "a second scheduler in the same home is refused" grep -q 'already runs the daily sequence' <<<"$out"

# Inside the engine: the sequence runs on the engine's loop; new candidates load without restart.
rm -f "$H/ml_db/ml_data.db"* "$H/data/top_20_day_trading_candidates.csv"
write_script ""
cat >"$H/config/trading_config.json" <<JSON
{ "orchestrator": { "enabled": true, "candidates_poll_ms": 100 }, "replay": { "speed": 1 } }
JSON
: >"$H/logs/orchestrator.log"
start_engine
check "the engine runs the sequence and logs to orchestrator.log" \
  wait_for "olog_has 'step=candidates status=ok'" 20
check "the engine loads the new candidates and says so" \
  wait_for "log_has 'candidates loaded: count=20 file_time='" 10
check "tb.engine.candidates() shows them" \
  bash -c "[ \"\$(echo 'return tb.engine.candidates().count' | '$TRADEBOT' repl --home '$H')\" = 20 ]"
write_script '{ name = "added", at = "00:00 ET", lua = "hello", skip_non_trading = false, grace = 86400 },'
check "the engine reloads an edited sequence and runs the new step" \
  wait_for "olog_has 'step=added status=ok'" 10
"$TRADEBOT" candidates --home "$H" --date 2026-01-20 >/dev/null
check "a rewritten candidates file is loaded again" wait_for "log_has 'date=2026-01-20'" 10
stop_engine
finish
