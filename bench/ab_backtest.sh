#!/usr/bin/env bash
# ab_backtest.sh OLD NEW [RUNS] [ARGS...] - two builds of bench_backtest alternated in one run.
#
# On a shared machine a figure taken a minute later is another machine: run the old and the new
# binary one after the other RUNS times (default 7) and compare the best and the median of each.
# Throughput is bars per second of the thread's CPU time (the wall time holds waits for a core).
# Both must print the same orders, fills and trades hash (the same trades), or this fails.
# ARGS go to both (strategy, symbols, days). A run in which the sandbox stopped a call for time
# (the machine starved it past the 50 ms deadline: the strategy then sits out some bars and
# trades differently) is shown and left out of the figures.
set -euo pipefail
old=${1:?usage: ab_backtest.sh OLD NEW [RUNS] [ARGS...]}
new=${2:?usage: ab_backtest.sh OLD NEW [RUNS] [ARGS...]}
runs=${3:-7}
shift $(($# < 3 ? $# : 3))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "load: $(uptime | sed 's/.*load average/load average/')"
for ((i = 1; i <= runs; i++)); do
    for which in old new; do
        bin=$old
        [[ $which == new ]] && bin=$new
        "$bin" "$@" 2>"$out/err" >"$out/$which.$i"
        if grep -q "strategy bench stopped\|over its budget" "$out/err"; then
            echo "$which run $i: a call was stopped for time (machine starved it): left out"
            continue
        fi
        # Builds before d31cf5c print wall-clock bars/s only: compared with the other's CPU figure
        # that reads as a 3-4x gain on a loaded machine. Refuse instead.
        if ! grep -q '^throughput.*CPU time' "$out/$which.$i"; then
            echo "ab_backtest: $bin prints no CPU-time throughput (a build before d31cf5c?):" \
                "add d31cf5c's bench change to it" >&2
            exit 1
        fi
        awk -v w="$which" '
            /^throughput/ { for (k = 1; k <= NF; k++) if ($k == "bars/s") bps = $(k - 1) # the last: CPU
                            match($0, /orders [0-9]+, fills [0-9]+/); of = substr($0, RSTART, RLENGTH) }
            /^trades/ { th = $2 " " $4 }
            /^bar-to-order/ { p50 = $5; p99 = $8 }
            END { printf "%s %s %s %s | %s | %s\n", w, bps, p50, p99, of, th }' \
            "$out/$which.$i" >>"$out/rows"
    done
done
cat "$out/rows"
if [[ $(awk -F'|' '{print $2 $3}' "$out/rows" | sort -u | wc -l) -ne 1 ]]; then
    echo "ab_backtest: the two builds traded differently (orders, fills or trades hash)" >&2
    exit 1
fi
awk '{ n[$1]++; b[$1, n[$1]] = $2; p50[$1, n[$1]] = $3; p99[$1, n[$1]] = $4 }
    function med(a, w, k,    v, i, j, t) {
        for (i = 1; i <= k; i++) v[i] = a[w, i]
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2 }
    function best(a, w, k, hi,    i, m) { m = a[w, 1]; for (i = 2; i <= k; i++) if (hi ? a[w, i] > m : a[w, i] < m) m = a[w, i]; return m }
    END {
        for (w in n) printf "%s: bars/s (CPU) best %.0f median %.0f | bar-to-order p50 best %.2f median %.2f us, p99 best %.2f median %.2f us\n",
            w, best(b, w, n[w], 1), med(b, w, n[w]), best(p50, w, n[w], 0), med(p50, w, n[w]), best(p99, w, n[w], 0), med(p99, w, n[w])
        printf "new/old throughput: best %.2fx, median %.2fx\n", best(b, "new", n["new"], 1) / best(b, "old", n["old"], 1), med(b, "new", n["new"]) / med(b, "old", n["old"])
    }' "$out/rows"
