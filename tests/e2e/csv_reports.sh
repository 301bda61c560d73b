#!/usr/bin/env bash
# Bad rows in CSV bars are never skipped in silence: `backtest --data`, `run` on a data_dir and
# `data import` name each skipped row with file:line (a summary when there are many); a last
# row without a line end (a file read while it was written) is not taken on trust. A backtest
# whose strategy was disabled for errors exits non-zero.
source "$(dirname "$0")/lib.bash"

D="$H/bars"
mkdir -p "$D"
{
  echo 't,o,h,l,c,v'
  # Two sessions of good minutes, then the bad ones.
  for day in 02 03; do
    for m in $(seq 30 59); do echo "2026-03-${day}T14:${m}:00Z,100,101,99,100.5,1000"; done
  done
  echo "2026-03-03T15:00:00Z,abc,101,99,100.5,1000"
  for m in $(seq 1 30); do printf '2026-03-03T15:%02d:00Z,100,99,101,100,1000\n' "$m"; done
  printf '2026-03-03T15:31:00Z,100,101,99,100.5,30'
} >"$D/AAPL.csv"

out=$("$TRADEBOT" backtest --home "$H" --data "$D" --strategy "$TB_SOURCE_DIR/strategies/rsi_macd_reversal.lua" 2>&1 >/dev/null) && rc=0 || rc=$?
check "backtest --data exits 0 with skipped rows" [ "$rc" -eq 0 ]
check "it names the first bad row with file:line" grep -qF "AAPL.csv:62: field 'o'" <<<"$out"
check "it sums up every skipped row" grep -qF -- "--data: 92 rows, 60 bars, skipped 32 malformed" <<<"$out"
check "past the first few, it says how many more" grep -qE '\.\.\. and [0-9]+ more' <<<"$out"

head -3 "$D/AAPL.csv" >"$H/torn.csv"
printf '2026-03-03T15:31:00Z,100,101,99,100.5,30' >>"$H/torn.csv"
out=$("$TRADEBOT" data import --home "$H" "$H/torn.csv")
check "data import reports a last row without a line end and does not store it" \
  grep -qF "torn.csv:4: the last row has no line end" <<<"$out"
check "and stores only the whole rows" grep -qF "2 bars stored" <<<"$out"

printf 'return {name = "broken", on_bar = function(ctx, bar) error("boom") end}\n' >"$H/broken.lua"
out=$("$TRADEBOT" backtest --home "$H" --days 2 --strategy "$H/broken.lua" 2>&1 >/dev/null) && rc=0 || rc=$?
check "a backtest whose strategy was disabled for errors exits 1" [ "$rc" -eq 1 ]
check "and says which strategy and why" grep -qF "strategy broken was disabled during the run" <<<"$out"

mkdir -p "$H/config"
echo "{\"replay\": {\"speed\": 0, \"data_dir\": \"$D\"}, \"dashboard\": {\"enabled\": false}}" >"$H/config/trading_config.json"
start_engine
check "run on a data_dir logs the skipped rows with file:line" \
  wait_for "grep -qF \"AAPL.csv:62: field 'o'\" '$H/logs/trading_bot.log' && grep -qF 'skipped 32 malformed' '$H/logs/trading_bot.log'" 30
stop_engine || true
finish
