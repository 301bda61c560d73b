#!/usr/bin/env bash
# `backtest --data` from the CSV column cache gives byte for byte the output of parsing the CSV
# (bad rows still named with file:line); a damaged cache is rebuilt and a changed CSV is read
# again, also when its size and mtime were kept. `--separate --jobs N` gives the same output for
# any N, each run equal to that strategy backtested alone; a failing run is named and the exit
# status is non-zero.
source "$(dirname "$0")/lib.bash"
SRC=${TB_SOURCE_DIR:?}
RSI="$SRC/strategies/rsi_macd_reversal.lua"
VWAP="$SRC/strategies/vwap_reversion.lua"
D="$H/bars"

# A stopped call (the sandbox's wall-clock deadline on a busy machine) changes a run's trades;
# this test compares runs, so the deadline is out of its way.
mkdir -p "$H/config"
echo '{"sandbox": {"time_limit_ms": 60000}, "dashboard": {"enabled": false}}' >"$H/config/trading_config.json"
"$TRADEBOT" data generate --home "$H" --days 3 --symbols 6 --out "$D" >/dev/null
{
  echo 't,o,h,l,c,v'
  for m in $(seq 30 59); do echo "2026-01-05T14:${m}:00Z,100,101,99,100.5,1000"; done
  echo "2026-01-05T15:00:00Z,abc,101,99,100.5,1000"
  echo "2026-01-05T15:01:00Z,100,101,99,100.5,1000"
} >"$D/BADROW.csv"
ncsv=$(ls "$D"/*.csv | wc -l)
# A CSV changed in the last 2 s is not cached yet (an edit in the same clock tick could hide).
old_enough() { local f; for f in "${1:-$D}"/*.csv; do [ $(($(date +%s) - $(stat -c %Z "$f"))) -ge 3 ] || return 1; done; }
wait_for old_enough 30

bt() { # bt NAME ARGS...: stdout, stderr and the written files under $H/r/NAME
  local name=$1; shift
  mkdir -p "$H/r/$name"
  "$TRADEBOT" backtest --home "$H" --out "$H/out" "$@" >"$H/r/$name/stdout" 2>"$H/r/$name/stderr" && rc=0 || rc=$?
  cp "$H/out"/*.csv "$H/r/$name/" 2>/dev/null || true
  echo "$rc" >"$H/r/$name/rc"
}
same() { # same A B: stdout and every written file byte-identical
  cmp -s "$H/r/$1/stdout" "$H/r/$2/stdout" && cmp -s "$H/r/$1/trades.csv" "$H/r/$2/trades.csv" &&
    cmp -s "$H/r/$1/equity.csv" "$H/r/$2/equity.csv"
}

bt parsed --strategy "$RSI" --data "$D" --no-cache
check "--no-cache writes no cache" [ ! -e "$D/.tradebot-cache" ]
bt built --strategy "$RSI" --data "$D"
check "the first run writes a cache per CSV ($ncsv)" [ "$(ls "$D/.tradebot-cache"/*.csv.tbc | wc -l)" -eq "$ncsv" ]
bt cached --strategy "$RSI" --data "$D"
check "the run trades (a comparison of empty runs proves nothing)" grep -qE '^trades +[1-9]' "$H/r/parsed/stdout"
check "building the cache gives the parsed output byte for byte" same parsed built
check "reading the cache gives the parsed output byte for byte" same parsed cached
check "a bad row is named with file:line from the cache as from the CSV" \
  grep -qF "BADROW.csv:32: field 'o'" "$H/r/cached/stderr"
check "the cached run's stderr is the parsed run's" cmp -s "$H/r/parsed/stderr" "$H/r/cached/stderr"

C="$D/.tradebot-cache/SPY.csv.tbc"
cp "$C" "$H/good.tbc"
printf 'XXXXXXXX' | dd of="$C" bs=1 seek=4000 conv=notrunc 2>/dev/null
bt damaged --strategy "$RSI" --data "$D"
check "a damaged cache is not used: same output" same parsed damaged
check "and it is rebuilt" cmp -s "$C" "$H/good.tbc"
truncate -s 100 "$C"
bt truncated --strategy "$RSI" --data "$D"
check "a truncated cache is not used: same output" same parsed truncated

# Spoil one price mid-file (a digit becomes 'x') without changing the file's size or mtime.
f="$D/SPY.csv"
mt=$(stat -c %y "$f")
python3 - "$f" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split('\n')
f = lines[199].split(',')
f[1] = 'x' + f[1][1:]
lines[199] = ','.join(f)
open(p, 'w').write('\n'.join(lines))
PY
touch -d "$mt" "$f"
check "the edit kept size and mtime" [ "$(stat -c %y "$f")" = "$mt" ]
wait_for old_enough 30
bt edited --strategy "$RSI" --data "$D" --no-cache
bt edited_cached --strategy "$RSI" --data "$D"
check "a CSV edited in place is read again, not taken from its stale cache" \
  grep -qF "SPY.csv:200: field 'o'" "$H/r/edited_cached/stderr"
same_err() { cmp -s "$H/r/$1/stderr" "$H/r/$2/stderr"; }
check "and gives the parsed output and report" bash -c "$(declare -f same same_err); H='$H'; same edited edited_cached && same_err edited edited_cached"

# A data folder the cache cannot go into: the home's cache/csv/ holds it.
RO="$H/robars"
mkdir -p "$RO"
cp -p "$D"/*.csv "$RO/"
echo 'a file where the cache folder would go' >"$RO/.tradebot-cache"
wait_for "old_enough '$RO'" 30
bt ro1 --strategy "$RSI" --data "$RO"
bt ro2 --strategy "$RSI" --data "$RO"
check "an unwritable data folder caches in the home's cache/csv/" \
  [ "$(ls "$H/cache/csv"/*-SPY.csv.tbc 2>/dev/null | wc -l)" -eq 1 ]
check "with the same output" same edited ro2

# --separate over worker processes: the same output for 1 and 2 workers, each run as alone.
sep() { # sep NAME JOBS: two strategies, separately
  local name=$1 jobs=$2
  mkdir -p "$H/r/$name"
  "$TRADEBOT" backtest --home "$H" --out "$H/sep-$name" --data "$D" --strategy "$RSI" --strategy "$VWAP" \
    --separate --jobs "$jobs" >"$H/r/$name/stdout" 2>"$H/r/$name/stderr" && rc=0 || rc=$?
  sed -i "s#$H/sep-$name#OUT#" "$H/r/$name/stdout"
  echo "$rc" >"$H/r/$name/rc"
}
sep j1 1
sep j2 2
check "--separate --jobs 1 and --jobs 2 print the same, byte for byte" cmp -s "$H/r/j1/stdout" "$H/r/j2/stdout"
check "and write the same files" bash -c "for s in rsi_macd_reversal vwap_reversion; do for f in trades.csv equity.csv; do
  cmp -s '$H/sep-j1/'\$s/\$f '$H/sep-j2/'\$s/\$f || exit 1; done; done"
check "progress names each run on stderr" grep -qF '[2/2]' "$H/r/j2/stderr"
"$TRADEBOT" backtest --home "$H" --out "$H/sep-j1/vwap_reversion" --data "$D" --strategy "$VWAP" >"$H/alone.out" 2>/dev/null
check "a separate run prints what that strategy backtested alone prints" \
  bash -c "sed -n '/^run  *vwap_reversion/,\$p' '$H/r/j1/stdout' | tail -n +2 | sed 's#OUT#$H/sep-j1#' | cmp -s - '$H/alone.out'"
"$TRADEBOT" backtest --home "$H" --data "$D" --strategy "$RSI" --strategy "$VWAP" --separate --jobs 2 --json >"$H/sep.json" 2>/dev/null
check "--json gives one array entry per run, in order" \
  python3 -c "import json,sys; a=json.load(open('$H/sep.json')); sys.exit(not ([r['name'] for r in a]==['rsi_macd_reversal','vwap_reversion'] and all(r['exit']==0 and r['result']['trades']>=0 for r in a)))"

printf 'return {name = "broken", on_bar = function(ctx, bar) error("boom") end}\n' >"$H/broken.lua"
"$TRADEBOT" backtest --home "$H" --data "$D" --strategy "$RSI" --strategy "$H/broken.lua" --separate --jobs 2 \
  >"$H/fail.out" 2>"$H/fail.err" && rc=0 || rc=$?
check "a failing run makes the exit status non-zero ($rc)" [ "$rc" -ne 0 ]
check "and is named on stderr" bash -c "grep -qF 'broken FAILED (exit 1)' '$H/fail.err' && grep -qF '1 of 2 runs failed, the first broken' '$H/fail.err'"
check "the other run still reports" grep -qE '^trades +[1-9]' "$H/fail.out"
finish
