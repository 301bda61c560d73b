#!/usr/bin/env bash
# docs/operations.md cannot rot: every command in its `sh` blocks runs, in the order of the
# guide, against a sample installation (an engine trading the sample data, candidates screened),
# from the home directory with `tradebot` on PATH. A command must exit 0, except one marked
# "# may fail: ..." (an expected non-zero, such as grep finding nothing), which must still run:
# "command not found" (126/127) fails it too. `text` blocks (Docker, brokers, cloud) are not run.
source "$(dirname "$0")/lib.bash"
GUIDE="${TB_SOURCE_DIR:?}/docs/operations.md"

mkdir -p "$H/bin" "$H/config"
ln -s "$TRADEBOT" "$H/bin/tradebot"
export PATH="$H/bin:$PATH" TRADEBOT_HOME="$H"
echo '{"replay": {"speed": 0, "days": 3}, "dashboard": {"port": 0}}' >"$H/config/trading_config.json"
start_engine
wait_for "log_has 'replay finished'" 120 || { echo "the sample installation did not come up"; exit 1; }
(cd "$H" && tradebot candidates >/dev/null 2>&1 && tradebot orchestrate --step macro_refresh >/dev/null 2>&1) ||
  { echo "cannot prepare the sample installation"; exit 1; }
wait_for "log_has 'candidates loaded'" 10 || true

# The commands: lines of ```sh blocks, without blank lines and comment lines.
mapfile -t cmds < <(awk '/^ *```sh *$/ {on = 1; next} /^ *```/ {on = 0} on && $0 !~ /^ *(#|$)/ {sub(/^ +/, ""); print}' "$GUIDE")
check "the guide has runnable commands (${#cmds[@]})" [ "${#cmds[@]}" -ge 25 ]
for c in "${cmds[@]}"; do
  out=$(cd "$H" && timeout 300 bash -c "$c" 2>&1) && rc=0 || rc=$?
  if [[ "$c" == *"# may fail"* ]]; then
    check "runs: $c" bash -c "[ $rc -ne 126 ] && [ $rc -ne 127 ] && [ $rc -ne 124 ]"
  else
    check "succeeds: $c" [ "$rc" -eq 0 ]
  fi
  [ "$rc" -ne 0 ] && [[ "$c" != *"# may fail"* ]] && echo "$out" | tail -5
done
finish
