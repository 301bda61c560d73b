#!/usr/bin/env bash
# The runbook's hands-on steps have one command each: correcting the PDT count (2.3) and
# archiving the decision log (4.2), with the engine running and without.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
# Paced so the sessions are still being played when the operator edits the count (the engine
# applies an edit at its next bar).
echo '{"replay": {"speed": 3000, "days": 5}, "dashboard": {"port": 0}}' >"$H/config/trading_config.json"
# A decision log of some size (~40 MB that do not compress well): its gzip takes seconds, the
# window in which `logs archive` used to print a .gz path that did not exist yet.
mkdir -p "$H/logs"
head -c 30000000 /dev/urandom | base64 -w 96 | sed 's/.*/{"pad":"&"}/' >"$H/logs/enhanced_decision_log.jsonl"
start_engine
check "the engine wrote data/pdt_state.json" wait_for "[ -s '$H/data/pdt_state.json' ]" 30
out=$("$TRADEBOT" pdt --home "$H")
check "tradebot pdt shows the count, the policy and the window" grep -qE '^day_trade_count [0-9]+ of 3 \(policy pdt_legacy, window ' <<<"$out"

out=$("$TRADEBOT" pdt --home "$H" --set three 2>&1) && rc=0 || rc=$?
check "pdt --set refuses what is not a whole number from 0 to 1000" \
  bash -c "[ $rc -eq 2 ] && grep -q 'expected a whole number from 0 to 1000' <<<'$out'"
"$TRADEBOT" pdt --home "$H" --set 2 >/dev/null
check "pdt --set 2 is applied by the running engine and logged" \
  wait_for "log_has 'pdt_state.json edited: day_trade_count' && grep -q -- '-> 2 (operator)' '$H/logs/trading_bot.log'" 10

lines_before=$(wc -l <"$H/logs/enhanced_decision_log.jsonl")
out=$("$TRADEBOT" logs --home "$H" archive)
arch=$(grep -o '/[^ ]*enhanced_decision_log.jsonl\.[0-9TZ]*\.gz' <<<"$out")
check "logs archive with the engine running: the engine moves its own log" \
  bash -c "grep -q 'archived by the running engine' <<<'$out' && [ -n '$arch' ]"
# The runbook's next step is zcat of that path: it must exist when the command returns.
check "the archive holds every line the log had when asked, as soon as the command returns" \
  bash -c "[ -s '$arch' ] && [ \$(zcat '$arch' | wc -l) -ge $lines_before ]"
stop_engine || true
echo '{"x":1}' >>"$H/logs/enhanced_decision_log.jsonl"
out=$("$TRADEBOT" logs --home "$H" archive)
check "logs archive without an engine moves the file itself" \
  bash -c "grep -q '^archived ' <<<'$out' && [ ! -s '$H/logs/enhanced_decision_log.jsonl' ]"
finish
