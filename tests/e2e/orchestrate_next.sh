#!/usr/bin/env bash
# A foreground `tradebot orchestrate` says what it will run next and when (it printed nothing
# for hours between steps).
source "$(dirname "$0")/lib.bash"

"$TRADEBOT" orchestrate --home "$H" >"$H/orch.out" 2>&1 &
OPID=$!
trap 'kill $OPID 2>/dev/null || true; cleanup' EXIT
check "it says how many steps it runs and from where" \
  wait_for "grep -qE '^tradebot orchestrate: [0-9]+ steps from .*scripts/orchestrator.lua' '$H/orch.out'" 30
check "it names the next step, its time in UTC and ET, and how long until then" \
  wait_for "grep -qE '^tradebot orchestrate: next step [a-z_]+ at 20[0-9-]+T[0-9:.]+Z \\([0-9]{2}:[0-9]{2} ET\\), in [0-9]+h[0-9]{2}m$' '$H/orch.out'" 30
step=$(grep -oE 'next step [a-z_]+' "$H/orch.out" | head -1 | cut -d' ' -f3)
check "that step is one of the script's" bash -c "'$TRADEBOT' orchestrate --home '$H' --list | grep -qw '$step'"
kill "$OPID"
wait "$OPID" 2>/dev/null || true
finish
