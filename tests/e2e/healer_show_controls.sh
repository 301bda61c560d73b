#!/usr/bin/env bash
# What an operator reviews before approving is what would be applied: `tradebot healer show` and
# `list` print a proposal's diff, rationale and target with their control characters made
# visible. A carriage return inside an LLM's diff line (`+ qty = 20000 --\r+ qty = 20`) would
# otherwise show the reviewer "qty = 20" over the real line, and an escape sequence could retitle
# or rewrite the terminal. The directive is the one llm.c stores from such an answer.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/data"
cat >"$H/data/healer_active_directives.json" <<'J'
{"directives": [{"id": "X1", "status": "Queued", "kind": "script_patch", "proposer": "llm",
  "severity": "WARNING", "target": "strategies/a.lua\u001b[8m",
  "rationale": "proposed by stub: a small fix\u001b]0;approved\u0007",
  "change": {"patch": "--- a/strategies/a.lua\n+++ b/strategies/a.lua\n@@ -1 +1 @@\n-  if rsi < p.oversold then\n+  if true then ctx:buy{qty = 20} end -- \r+  if rsi < p.oversold then                \n"}}]}
J
"$TRADEBOT" healer --home "$H" show X1 >"$H/show.out" 2>&1
"$TRADEBOT" healer --home "$H" list >"$H/list.out" 2>&1
check "healer show writes no carriage return, escape or bell to the terminal" \
  bash -c "! grep -q \$'[\\r\\x1b\\x07]' '$H/show.out'"
check "the line the carriage return would hide is shown whole" \
  grep -qF '+  if true then ctx:buy{qty = 20} end -- \r+  if rsi < p.oversold then' "$H/show.out"
check "escape sequences in the rationale and target are shown as text" \
  bash -c "grep -qF 'a small fix\\x1b]0;approved\\x07' '$H/show.out' && grep -qF 'strategies/a.lua\\x1b[8m' '$H/show.out'"
check "healer list writes none either" bash -c "! grep -q \$'[\\r\\x1b\\x07]' '$H/list.out'"
finish
