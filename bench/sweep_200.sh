#!/usr/bin/env bash
# The sweep of docs/sweeps.md: 200 parameter sets of opening_range_breakout over 20 sample days,
# run locally on every core and as a 4-task Slurm job array plus the merge on a single-node Slurm
# started for the run (tests/e2e/sweep_slurm.sh with SWEEP_BENCH=1: the same checks, the merged
# ranking and report equal the local ones byte for byte). Prints both timings and the load.
# usage: bench/sweep_200.sh [build/tradebot]   (as root, or with password-less sudo)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export TRADEBOT=${1:-$here/build/tradebot} TB_SOURCE_DIR=$here SWEEP_BENCH=1
exec bash "$here/tests/e2e/sweep_slurm.sh"
