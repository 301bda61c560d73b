#!/usr/bin/env bash
# Survival mode in backtests: each session gets the VIX the morning macro step would have seen
# (the previous close of the configured daily series), so a spike inside the tested span blocks
# entries on exactly the sessions it covers, and the report says how many.
source "$(dirname "$0")/lib.bash"
S="$TB_SOURCE_DIR/strategies/rsi_macd_reversal.lua"
mkdir -p "$H/config" "$H/data"
jqf() { jq -e "$1" "$2" >/dev/null; }
bt() { "$TRADEBOT" backtest --home "$H" --strategy "$S" "$@"; }

bt --days 20 --json >"$H/sample.json"
check "20 sessions, some of them after the sample's VIX spike, are in survival mode" \
  jqf '.survival.sessions == 20 and .survival.survival_sessions >= 1 and .survival.survival_sessions < 20 and .survival.per_session' "$H/sample.json"
bt --days 7 --json >"$H/short.json"
check "seven sessions (the sample has no spike under eight) have none" jqf '.survival.survival_sessions == 0' "$H/short.json"

# A CSV history: high before every session -> every entry blocked; low -> none.
csv() { # $1 close for every day
  { echo "DATE,OPEN,HIGH,LOW,CLOSE"
    for d in $(seq 0 40); do date -u -d "2025-12-20 + $d day" +"%m/%d/%Y,$1,$1,$1,$1"; done; } >"$H/data/vix.csv"
}
echo '{"risk": {"survival": {"source": "csv", "csv": "data/vix.csv"}}}' >"$H/config/trading_config.json"
csv 55
bt --days 5 --json >"$H/high.json"
check "VIX 55 in the history: every session in survival mode" jqf '.survival.survival_sessions == 5 and (.survival.source|startswith("csv:"))' "$H/high.json"
check "and no entry was made" jqf '.trades == 0' "$H/high.json"
csv 15
bt --days 5 --json >"$H/low.json"
check "VIX 15: none, and the strategy trades" jqf '.survival.survival_sessions == 0 and .trades > 0' "$H/low.json"
bt --days 5 >"$H/low.txt"
check "the table report has the survival line" grep -qE '^survival mode +0 of 5 sessions \(VIX >= 40; csv:data/vix.csv, each session.s previous close\)' "$H/low.txt"
{ echo "DATE,OPEN,HIGH,LOW,CLOSE"
  for d in $(seq 0 20); do date -u -d "2025-10-01 + $d day" +"%m/%d/%Y,15,15,15,15"; done; } >"$H/data/vix.csv"
bt --days 5 --json >"$H/old.json"
check "a history that ended months before the span gives no VIX: the stale fail-safe (survival) applies" \
  jqf '.survival.sessions_without_vix == 5 and .survival.survival_sessions == 5 and .trades == 0' "$H/old.json"
echo 'DATE,OPEN,HIGH,LOW,CLOSE
01/02/2026,1,1,1,oops' >"$H/data/vix.csv"
out=$(bt --days 5 2>&1) && rc=0 || rc=$?
check "a broken history stops the backtest with file and line" bash -c "[ $rc -ne 0 ] && grep -q 'vix.csv:2: not a VIX row' <<<'$out'"
finish
