#!/usr/bin/env bash
# `tradebot backtest --data DIR` end to end (start-up, CSV or cache, replay, report), old and new
# binaries alternated in one run, and `--separate --jobs 1` against `--jobs N` (issue 21).
#
#   bench/backtest_data.sh OLD_TRADEBOT NEW_TRADEBOT [DATA_DIR] [ROUNDS] [JOBS]
#
# DATA_DIR defaults to the 390,000-bar set of bench/gen_csv390.py (generated into /tmp). Each
# round runs: old; new --no-cache (parses the CSV); new (reads the warm column cache). Figures
# are wall seconds, user+sys CPU seconds and max RSS (GNU time), medians over the rounds; the
# load average is printed before and after, since the machine may be shared. The sandbox's
# wall-clock deadline is raised in the bench home: a call stopped on a busy machine would change
# a run's trades (and its time).
set -euo pipefail
OLD=${1:?old tradebot}; NEW=${2:?new tradebot}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DATA=${3:-/tmp/tb-bench-csv390}
ROUNDS=${4:-5}
JOBS=${5:-2}
STRAT="$SRC/strategies/rsi_macd_reversal.lua"
[ -d "$DATA" ] || python3 "$SRC/bench/gen_csv390.py" "$DATA" >/dev/null
H=$(mktemp -d /tmp/tb-bench-home-XXXXXX)
trap 'rm -rf "$H"' EXIT
mkdir -p "$H/config"
echo '{"sandbox": {"time_limit_ms": 60000}}' >"$H/config/trading_config.json"

run() { # run LABEL BIN ARGS...: appends "wall cpu rss_kb" to $H/LABEL
  local label=$1 bin=$2; shift 2
  /usr/bin/time -f "%e %U %S %M" -o "$H/t" "$bin" backtest --home "$H" --strategy "$STRAT" \
    --data "$DATA" --out "$H/out-$label" "$@" >"$H/stdout-$label" 2>/dev/null || true
  awk '{printf "%.2f %.2f %d\n", $1, $2 + $3, $4}' "$H/t" >>"$H/$label"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$H/$1" | median; }

echo "load before: $(uptime | sed 's/.*load average: //')"
"$NEW" backtest --home "$H" --strategy "$STRAT" --data "$DATA" --out "$H/warm" >/dev/null 2>&1 || true
for _ in $(seq "$ROUNDS"); do
  run old "$OLD"
  run parsed "$NEW" --no-cache
  run cached "$NEW"
done
printf '%-22s %8s %8s %8s\n' "median of $ROUNDS" "wall s" "cpu s" "RSS MB"
for l in old parsed cached; do
  printf '%-22s %8s %8s %8.0f\n' "$l" "$(col $l 1)" "$(col $l 2)" "$(echo "$(col $l 3) / 1024" | bc -l)"
done
echo "old / new cached: wall $(echo "$(col old 1) / $(col cached 1)" | bc -l | cut -c1-4)x," \
  "cpu $(echo "$(col old 2) / $(col cached 2)" | bc -l | cut -c1-4)x"
sed -i "s#$H/out-[a-z]*#OUT#" "$H"/stdout-*
cmp -s "$H/stdout-parsed" "$H/stdout-cached" && echo "new parsed and cached print the same" ||
  echo "DIFFERENT: new parsed vs cached"
cmp -s "$H/stdout-old" "$H/stdout-cached" && echo "old and new print the same" ||
  echo "old and new differ (old reads files in readdir order, new in name order: symbol ids differ)"

for j in 1 "$JOBS" 1 "$JOBS"; do
  /usr/bin/time -f "%e" -o "$H/t" "$NEW" backtest --home "$H" --strategy "$STRAT" --strategy "$STRAT" \
    --separate --jobs "$j" --data "$DATA" --out "$H/sep$j" >"$H/sep$j.out" 2>/dev/null || true
  cat "$H/t" >>"$H/jobs$j"
done
sed -i "s#$H/sep[0-9]*#OUT#" "$H"/sep*.out
echo "--separate, 2 runs: --jobs 1 $(median <"$H/jobs1") s, --jobs $JOBS $(median <"$H/jobs$JOBS") s:" \
  "$(echo "$(median <"$H/jobs1") / $(median <"$H/jobs$JOBS")" | bc -l | cut -c1-4)x;" \
  "$(cmp -s "$H/sep1.out" "$H/sep$JOBS.out" && echo same output || echo DIFFERENT output)"
echo "load after: $(uptime | sed 's/.*load average: //')"
