#!/usr/bin/env bash
# bench/bench_live.sh must keep running (it is the live-loop and RSS benchmark of
# docs/performance.md): a short run, 300 symbols over the Alpaca emulator with the three shipped
# strategies for 3 minutes of bars. Asserted: it completes, every bar the emulator sent reached
# the trader, the live loop histogram has samples in the window, and
# the memory figure is there. No timing bound: the suite runs on loaded machines. 300 symbols:
# more than the 256 the feed once took (it silently subscribed the first 256).
source "$(dirname "$0")/lib.bash"

out=$(BENCH_JSON=1 bash "$TB_SOURCE_DIR/bench/bench_live.sh" 300 3 300 2>"$H/bench.err") || {
  cat "$H/bench.err"
  fail "bench_live.sh completes"
  finish
  exit 1
}
echo "$out"
field() { sed -nE "s/.*\"$1\":\"?([^,\"}]*).*/\\1/p" <<<"$out"; }
ok "bench_live.sh completes"
check "it streamed 300 symbols" [ "$(field symbols)" = 300 ]
check "the trader saw the bars the emulator sent ($(field bars))" [ "$(field bars)" -ge 600 ]
check "the live loop histogram has probes in the window ($(field probes))" [ "$(field probes)" -gt 0 ]
check "the share within 1 ms is a fraction ($(field within_1ms))" \
  awk -v x="$(field within_1ms)" 'BEGIN{exit !(x >= 0 && x <= 1)}'
check "p99 is a bucket bound ($(field p99_le))" [ -n "$(field p99_le)" ]
check "CPU per bar is reported ($(field cpu_us_per_bar) us)" \
  awk -v x="$(field cpu_us_per_bar)" 'BEGIN{exit !(x > 0)}'
check "VmHWM is reported ($(field vmhwm_kb) kB)" [ "$(field vmhwm_kb)" -gt 1000 ]
finish
