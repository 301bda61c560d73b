#!/usr/bin/env bash
# bench_live.sh - the live engine under a streaming feed: `tradebot run` with "feed": "alpaca"
# against the Alpaca emulator (tests/emu/alpaca_emu.js, 127.0.0.1 only), SYMBOLS symbols on one
# data stream, the three shipped strategies trading every symbol on the paper broker, as live
# mode runs (real websocket client, real trader, bar store, decision log, dashboard).
#
# The emulator's market advances one minute every INTERVAL_MS (every subscribed symbol gets its
# bar of that minute, all in one stream message, as Alpaca sends them); MINUTES minutes in all.
# Reported (docs/performance.md, "Live loop"):
#   - the live loop latency over the streaming window: the probe timer's lateness histogram
#     (tradebot_loop_latency_seconds{mode="live"}), the counts read before and after, so the
#     start-up is left out: share of probes within 1 ms, p50/p99 as bucket bounds, and max;
#   - bars per second through the trader, the feed's bars, and VmHWM/VmRSS of the engine
#     (/proc/PID/status) at the end.
#
# Usage: bench/bench_live.sh [SYMBOLS=500] [MINUTES=60] [INTERVAL_MS=1000]
#   TRADEBOT=path/to/tradebot (default: build/tradebot beside this script's checkout)
#   BENCH_JSON=1 prints one JSON line instead of the table (for scripts and the suite).
#   BENCH_RT=1 runs the engine's threads SCHED_FIFO (chrt; root): on a machine other work keeps
#     busy, the engine then gets a core whenever it has work, as on a quiet machine. Without it
#     the probe also measures the time the engine waited for a CPU.
#   PERF_OUT=FILE records the engine with `perf record -g` during the streaming window.
#   BENCH_STALLS=1 sets the engine's loop.stall_warn_ms to 1 and prints, after the table, how many
#     pieces of work held the loop over 1 ms, by kind (tradebot_loop_stalls_total, whole run):
#     what the late probes were waiting for (docs/architecture.md, "Loop latency").
set -euo pipefail

NSYM=${1:-500}
MINUTES=${2:-60}
INTERVAL_MS=${3:-1000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
TRADEBOT=${TRADEBOT:-$SRC/build/tradebot}
[ -x "$TRADEBOT" ] || { echo "bench_live: no tradebot binary at $TRADEBOT (build it first)" >&2; exit 2; }
command -v node >/dev/null || { echo "bench_live: node is needed for the emulator" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench_live: curl is needed" >&2; exit 2; }

H=$(mktemp -d /tmp/tb-bench-live-XXXXXX)
EMU_PID="" ENGINE_PID=""
finish() {
  [ -n "$ENGINE_PID" ] && { kill "$ENGINE_PID" 2>/dev/null || true; wait "$ENGINE_PID" 2>/dev/null || true; }
  [ -n "$EMU_PID" ] && { kill "$EMU_PID" 2>/dev/null || true; wait "$EMU_PID" 2>/dev/null || true; }
  [ "${KEEP:-}" ] || rm -rf "$H"
}
trap finish EXIT

# Waits up to $2 seconds (polling) for the command in $1; a loaded machine only makes it slower.
wait_for() {
  local cond=$1 limit=$2 i=0
  while ! eval "$cond"; do
    sleep 0.1; i=$((i + 1))
    [ $i -ge $((limit * 10)) ] && return 1
  done
  return 0
}
die() {
  echo "bench_live: $*" >&2
  [ -n "${url:-}" ] && curl -s --max-time 10 "$url/api/status" | head -c 3000 >&2 && echo >&2
  [ -n "${E:-}" ] && curl -s --max-time 10 -X POST "$E/data_stats" >&2 && echo >&2
  [ -f "$H/engine.out" ] && tail -20 "$H/engine.out" >&2
  exit 1
}

# SYMBOLS four-letter names (the emulator takes letters only): AAAA, AAAB, ...
symbols=$(awk -v n="$NSYM" 'BEGIN{a="ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (i = 0; i < n; i++) { s = ""; k = i; for (j = 0; j < 4; j++) { s = substr(a, k % 26 + 1, 1) s; k = int(k / 26) }
    printf "%s\"%s\"", (i ? "," : ""), s } }')

node "$SRC/tests/emu/alpaca_emu.js" --port 0 --key PKBENCHLIVEKEY --secret bench-live-secret \
  --data-open 2026-11-30T14:30:00Z >"$H/emu.out" 2>"$H/emu.err" &
EMU_PID=$!
wait_for "grep -q port '$H/emu.out'" 30 || die "the emulator did not start"
PORT=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$H/emu.out")
E="http://127.0.0.1:$PORT/__emu"

mkdir -p "$H/config"
loop_cfg=""
[ -n "${BENCH_STALLS:-}" ] && loop_cfg=' "loop": {"stall_warn_ms": 1},'
cat >"$H/config/trading_config.json" <<JSON
{"feed": "alpaca", "symbols": [$symbols],
 "logging": {"stderr": false},$loop_cfg
 "dashboard": {"port": 0},
 "alpaca_data": {"data_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/v2"},
 "strategies": [{"file": "strategies/rsi_macd_reversal.lua"},
                {"file": "strategies/vwap_reversion.lua"},
                {"file": "strategies/opening_range_breakout.lua"}]}
JSON
export APCA_API_KEY_ID=PKBENCHLIVEKEY APCA_API_SECRET_KEY=bench-live-secret
# The engine's clock in the session's last hour (Monday 2026-11-30 15:00 ET), so every minute
# the emulator plays (from 09:30) is in the past and in the session.
export TRADEBOT_CLOCK_START=$((1796049000 + 330 * 60))
"$TRADEBOT" run --home "$H" >"$H/engine.out" 2>&1 &
ENGINE_PID=$!
LOG="$H/logs/trading_bot.log"
wait_for "grep -q 'subscribed to minute bars of $NSYM symbols' '$LOG' 2>/dev/null" 60 ||
  die "the engine did not subscribe $NSYM symbols"
wait_for "grep -q 'dashboard listening' '$LOG'" 30 || die "no dashboard"
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$LOG" | grep -v ":$PORT" | head -n 1)

metrics() { curl -s --max-time 30 "$url/metrics"; }
# "le count" lines of the live loop histogram, then "count N" and "max_us X" from /api/status.
# (A build from before the mode label has one unlabelled series: taken as is, to compare.)
hist() {
  metrics | sed -nE 's/^tradebot_loop_latency_seconds_bucket\{(mode="live",)?le="([^"]+)"\} ([0-9]+)$/\2 \3/p'
}
bars_total() { metrics | sed -nE 's/^tradebot_bars_total ([0-9]+)$/\1/p'; }

if [ -n "${BENCH_RT:-}" ]; then
  chrt -f -a -p 10 "$ENGINE_PID" >/dev/null || die "chrt failed (BENCH_RT needs root)"
fi
# utime + stime of the engine, in clock ticks (fields 14 and 15 after the command's parentheses)
cpu_ticks() { sed -E 's/^.*\) //' "/proc/$ENGINE_PID/stat" | awk '{print $12 + $13}'; }
before=$(hist)
[ -n "$before" ] || die "no live loop histogram in /metrics"
cpu0=$(cpu_ticks)
PERF_PID=""
if [ -n "${PERF_OUT:-}" ]; then
  perf record ${PERF_OPTS:--g} -o "$PERF_OUT" -p "$ENGINE_PID" >/dev/null 2>&1 &
  PERF_PID=$!
  sleep 1
fi
t0=$(date +%s.%N)
for ((m = 0; m < MINUTES; m++)); do
  curl -s --max-time 30 -X POST -H 'Content-Type: application/json' -d '{"minutes":1}' \
    "$E/data_advance" >/dev/null || die "the emulator did not advance"
  sleep "$(awk -v ms="$INTERVAL_MS" 'BEGIN{printf "%.3f", ms / 1000}')"
done
# What the emulator sent (its market has minutes without trades: no bar, as on Alpaca).
want=$(curl -s --max-time 30 -X POST "$E/data_stats" | sed -nE 's/.*"bars_sent":([0-9]+).*/\1/p')
[ -n "$want" ] && [ "$want" -gt 0 ] || die "the emulator sent no bar"
wait_for "[ \"\$(bars_total)\" -ge $want ] 2>/dev/null" ${BARS_WAIT_S:-300} ||
  die "the trader saw $(bars_total) of $want bars"
t1=$(date +%s.%N)
[ -n "$PERF_PID" ] && { kill -INT "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" 2>/dev/null || true; }
after=$(hist)
cpu1=$(cpu_ticks)
cpu_us_bar=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" -v n="$want" 'BEGIN{printf "%.1f", (b - a) / hz * 1e6 / n}')
status=$(curl -s --max-time 30 "$url/api/status")
maxus=$(sed -nE 's/.*"loop_latency_us": *\{[^}]*"max": *([0-9.e+-]+).*/\1/p' <<<"$status")
stalls=""
if [ -n "${BENCH_STALLS:-}" ]; then
  stalls=$(metrics | sed -nE 's/^tradebot_loop_stalls_total\{kind="([a-z]+)"\} ([0-9]+)$/\1 \2/p' |
    awk '$2 > 0 {printf "%s%s %s", (n++ ? ", " : ""), $1, $2}')
fi
read -r hwm rss < <(awk '/^VmHWM/{h=$2} /^VmRSS/{r=$2} END{print h, r}' "/proc/$ENGINE_PID/status")
load=$(cut -d' ' -f1-3 /proc/loadavg)

# Probes in the window per bucket (after - before), in bound order, then the share within 1 ms
# and the quantiles (as the bucket bounds that hold them).
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')
join -j1 <(sort -k1,1 <<<"$before") <(sort -k1,1 <<<"$after") | sed 's/^+Inf /1e300 /' | sort -g -k1,1 |
  awk -v nsym="$NSYM" -v minutes="$MINUTES" -v iv="$INTERVAL_MS" -v secs="$secs" -v hwm="$hwm" \
    -v rss="$rss" -v maxus="${maxus:-0}" -v load="$load" -v bars="$want" -v json="${BENCH_JSON:-}" -v cpu="$cpu_us_bar" -v rt="${BENCH_RT:-}" '
  { le[++m] = $1 + 0; n[m] = $3 - $2 }
  END {
    total = n[m]
    if (total < 1) { print "bench_live: no probe in the window" > "/dev/stderr"; exit 1 }
    within = 0; p50 = p99 = ""
    for (i = 1; i <= m; i++) {
      b = le[i] > 1e299 ? "+Inf" : le[i]
      if (le[i] <= 0.001000001) within = n[i]
      if (p50 == "" && n[i] >= 0.5 * total) p50 = b
      if (p99 == "" && n[i] >= 0.99 * total) p99 = b
    }
    share = within / total
    if (json) {
      printf "{\"symbols\":%d,\"minutes\":%d,\"interval_ms\":%d,\"bars\":%d,\"seconds\":%.2f,", nsym, minutes, iv, bars, secs
      printf "\"probes\":%d,\"within_1ms\":%.5f,\"p50_le\":\"%s\",\"p99_le\":\"%s\",\"max_us\":%.0f,", total, share, p50, p99, maxus
      printf "\"cpu_us_per_bar\":%s,\"vmhwm_kb\":%d,\"vmrss_kb\":%d,\"load\":\"%s\",\"rt\":%s}\n", cpu, hwm, rss, load, (rt ? "true" : "false")
      exit 0
    }
    printf "live loop, %d symbols, 3 strategies, a minute of bars every %d ms, %d minutes (%d bars in %.1f s)\n", nsym, iv, minutes, bars, secs
    printf "  probes in the window   %d\n", total
    printf "  within 1 ms            %.3f %% (p99 under 1 ms: %s)\n", 100 * share, (share >= 0.99 ? "yes" : "NO")
    printf "  p50 <= %s s, p99 <= %s s (bucket bounds); max %.0f us (whole run)\n", p50, p99, maxus
    printf "  engine CPU per bar     %s us (user + system over the window, whole process)\n", cpu
    printf "  VmHWM %.1f MB, VmRSS %.1f MB\n", hwm / 1024, rss / 1024
    printf "  load average %s%s\n", load, (rt ? " (engine SCHED_FIFO)" : "")
  }'
if [ -n "${BENCH_STALLS:-}" ] && [ -z "${BENCH_JSON:-}" ]; then
  echo "  loop held over 1 ms    ${stalls:-never} (by kind, whole run)"
fi
