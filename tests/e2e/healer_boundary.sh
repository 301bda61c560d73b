#!/usr/bin/env bash
# The Healer's patch boundary (docs/operations.md 4.7), end to end with an LLM endpoint on
# 127.0.0.1 whose answers the test scripts: (a) a multi-file diff that adds a
# tests/lua/*_spec.lua and changes scripts/orchestrator.lua, (b) a diff turning config risk off,
# (c) a diff setting a param outside the bounds its strategy declares, and a rule-made directive
# `config_change risk.enabled=false`: all refused with a healer_boundary finding and a log line,
# nothing of theirs executed (the canary files their code would create do not exist, even after
# an operator's approval and the next runs), the home's main untouched and clean. Then (d) an
# in-bounds change is proposed, proven by replay on its branch (the home's committed specs run),
# shown in full by `healer show`, approved and promoted through the API with the token, rolled
# back through the API; every decision audited (control audit line and healer_audit row).
source "$(dirname "$0")/lib.bash"
command -v git >/dev/null || { echo "git is required (scripts/install.sh)"; exit 1; }
command -v node >/dev/null || { echo "node is required (scripts/install.sh)"; exit 1; }
S="$TB_SOURCE_DIR"

node "$S/tests/e2e/llm_stub.mjs" "$H/llm.port" "$H/llm.requests" "$H/llm.answer" &
LLM_PID=$!
trap 'kill $LLM_PID 2>/dev/null; cleanup' EXIT
wait_for "[ -s '$H/llm.port' ]" 10 || { echo "llm stub did not start"; exit 1; }
LLM_URL="http://127.0.0.1:$(cat "$H/llm.port")/v1/chat/completions"

mkdir -p "$H/config" "$H/strategies" "$H/tests/lua" "$H/scripts/healer"
# Momentum with a too strict entry (min_move_pct 9) and its tunable bounds (0.5 .. 9).
cp "$S/tests/e2e/fixtures/momentum.lua" "$H/strategies/"
cat >"$H/config/trading_config.json" <<J
{
  "replay": { "speed": 0, "days": 3, "symbols": 5 },
  "dashboard": { "port": 0 },
  "healer": { "replay_sessions": 3, "metrics": ["trades"], "llm_enabled": true,
              "llm_url": "$LLM_URL", "llm_model": "stub-model" },
  "strategies": [
    { "file": "strategies/momentum.lua" }
  ]
}
J
# The home's own spec (committed on main): validation runs it for a config-only change.
cat >"$H/tests/lua/home_spec.lua" <<LUA
describe("home", function()
  it("has its configuration", function()
    local f = io.open("config/trading_config.json")
    assert.is_truthy(f)
    f:close()
    io.open("$H/home_spec_ran", "w"):close()
  end)
end)
LUA
# An operator's rule that asks for risk to be switched off: refused whoever proposes it.
cat >"$H/scripts/healer/zz_risk_off.lua" <<'LUA'
return function(findings)
  return { { finding = "custom_check", severity = "WARNING", kind = "config_change",
    target = "config/trading_config.json", change = { path = "risk.enabled", value = false },
    rationale = "fewer blocked entries", can_auto_apply = true } }
end
LUA
"$TRADEBOT" healer --home "$H" list >/dev/null # writes the shipped scripts, committed below
start_engine # a new home gets the shipped strategies too: committed below
printf 'logs/\ndata/\nml_db/\nrun/\n*.out\nllm.*\nscratch/\nhome_spec_ran\n' >"$H/.gitignore"
git -C "$H" init -q
git -C "$H" add -A
git -C "$H" -c user.name=op -c user.email=op@localhost commit -qm "home"
MAIN0=$(git -C "$H" rev-parse HEAD)
main_untouched() {
  [ "$(git -C "$H" rev-parse HEAD)" = "$1" ] && [ -z "$(git -C "$H" status --porcelain)" ] && return 0
  git -C "$H" status --porcelain; return 1
}

check "the replay finishes" wait_for "log_has 'replay finished'" 60
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | head -1)
TOKEN=$(cat "$H/run/dashboard.token")
api() { curl -s -o "$H/run/api.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$url/api/healer/$1"; }
param_is() { [ "$(echo "return tb.engine.strategies()[1].params.$1 == $2" | repl)" = true ]; }

# One WARNING finding about the strategy file: the LLM proposer is asked about it at each run.
cat >"$H/logs/sentinel_activity.jsonl" <<'J'
{"t":"2026-12-01T22:30:00Z","kind":"finding","rule":"custom_check","severity":"WARNING","symbol":null,"message":"momentum looks mistuned","evidence":{"file":"strategies/momentum.lua","strategy":"momentum"}}
{"t":"2026-12-01T22:30:00Z","kind":"audit","message":"Sentinel audit complete"}
J

# answer 'SNIPPET': the LLM's next answer is the diff SNIPPET makes in a clone of the home.
answer() {
  rm -rf "$H/scratch"
  git clone -q "$H" "$H/scratch"
  (cd "$H/scratch" && eval "$1" && git add -A && { echo "Here is the fix."; echo '```diff'; git diff --cached; echo '```'; }) >"$H/llm.answer"
}
dir() { jq -r --arg id "$1" ".directives[] | select(.id==\$id) | $2" "$H/data/healer_active_directives.json"; }
newest_llm() { jq -r '[.directives[] | select(.proposer=="llm")] | last | .id' "$H/data/healer_active_directives.json"; }
refused_finding() { jq -s -e --arg id "$1" 'any(.[]; .kind=="finding" and .rule=="healer_boundary" and .evidence.directive==$id)' "$H/logs/sentinel_activity.jsonl" >/dev/null; }

# (a) a multi-file diff: a strategy tweak, a new spec and an orchestrator change, both with code.
answer "sed -i 's/^-- Momentum:/-- Momentum (tuned):/' strategies/momentum.lua
  printf 'io.open(\"$H/canary_spec\", \"w\"):close()\ndescribe(\"x\", function() it(\"y\", function() end) end)\n' >tests/lua/canary_spec.lua
  sed -i '1i local f = io.open(\"$H/canary_orch\", \"w\") if f then f:close() end if os.execute then os.execute(\"touch $H/canary_orch\") end' scripts/orchestrator.lua"
"$TRADEBOT" healer --home "$H" run --now >"$H/run_a.out" 2>&1
DA=$(newest_llm)
DR=$(jq -r '.directives[] | select(.proposer=="lua" and .kind=="config_change") | .id' "$H/data/healer_active_directives.json")
check "the multi-file diff is refused when proposed ($(dir "$DA" .error))" \
  bash -c "[ '$(dir "$DA" .status)' = Refused ] && grep -q 'touches scripts/orchestrator.lua, tests/lua/canary_spec.lua:' <<<'$(dir "$DA" .error)'"
check "the rule-made config_change risk.enabled=false is refused" \
  bash -c "[ '$(dir "$DR" .status)' = Refused ] && grep -q 'config_change risk.enabled' <<<'$(dir "$DR" .error)'"
check "each refusal is a healer_boundary finding in the Sentinel's activity log" bash -c "$(declare -f refused_finding); H='$H'; refused_finding '$DA' && refused_finding '$DR'"
check "and a line in the engine log" grep -q "healer change refused: id=$DA proposer=llm: touches scripts/orchestrator.lua, tests/lua/canary_spec.lua" "$H/logs/trading_bot.log"
check "nothing ran: proposed 0, executed 0" grep -q "healer: 0 proposed, 0 executed, 0 failed" "$H/run_a.out"
code=$(api "approve/$DA")
check "the dashboard cannot approve a refused directive (HTTP $code)" [ "$code" = 409 ]
"$TRADEBOT" healer --home "$H" run --now >"$H/run_a2.out" 2>&1
check "a second run neither re-proposes nor executes it" grep -q "healer: 0 proposed, 0 executed, 0 failed" "$H/run_a2.out"
check "a refused change is not asked about again and again" [ "$(jq -s '[.[] | select(.rule=="healer_boundary")] | length' "$H/logs/sentinel_activity.jsonl")" = 2 ]
"$TRADEBOT" orchestrate --home "$H" --step sentinel >"$H/orch.out" 2>&1 || true
check "no code of the patch ran (no canary from the spec or the orchestrator)" bash -c "[ ! -e '$H/canary_spec' ] && [ ! -e '$H/canary_orch' ]"
check "main is untouched and clean after (a)" main_untouched "$MAIN0"

# A branch made by hand (or a directives file edited to point at it) is not merged either.
git -C "$H" checkout -q -b healer/auto-fix-EVIL-20260101000000
sed -i '1i io.open("'"$H"'/canary_evil", "w"):close()' "$H/scripts/orchestrator.lua"
git -C "$H" -c user.name=x -c user.email=x@x commit -qam evil
git -C "$H" checkout -q -
jq '.directives += [{"id":"EVIL","status":"Executed","kind":"param_change","target":"config/trading_config.json","branch":"healer/auto-fix-EVIL-20260101000000","change":{}},{"id":"EVIL2","status":"Executed","kind":"param_change","target":"config/trading_config.json","branch":"main~0","change":{}}]' \
  "$H/data/healer_active_directives.json" >"$H/d.json" && mv "$H/d.json" "$H/data/healer_active_directives.json"
out=$("$TRADEBOT" healer --home "$H" approve EVIL 2>&1) && rc=0 || rc=$?
check "approving a directive whose branch touches scripts/ refuses the merge" bash -c "[ $rc -eq 1 ] && grep -q 'touches scripts/orchestrator.lua' <<<'$out'"
check "main is untouched after the refused merge" main_untouched "$MAIN0"
out=$("$TRADEBOT" healer --home "$H" approve EVIL2 2>&1) && rc=0 || rc=$?
check "a directive naming any other ref is not merged either" bash -c "[ $rc -eq 1 ] && grep -q 'is not a healer/auto-fix-\* branch' <<<'$out'"
git -C "$H" branch -q -D healer/auto-fix-EVIL-20260101000000

# (b) risk switched off through a config diff; (c) a param outside its bounds. Both are queued
# (their paths are allowed), approved by an operator, and refused on their branch by content.
refused_on_branch() { # $1: snippet, $2: what the refusal says
  answer "$1"
  "$TRADEBOT" healer --home "$H" run --now >"$H/run_p.out" 2>&1
  local id code
  id=$(newest_llm)
  check "the diff is queued for an operator ($id)" [ "$(dir "$id" .status)" = Queued ]
  code=$(api "approve/$id")
  check "the operator approves it with the token (HTTP $code)" [ "$code" = 200 ]
  "$TRADEBOT" healer --home "$H" run --no-propose >"$H/run_p2.out" 2>&1
  check "on its branch it is refused: $2 ($(dir "$id" .error))" \
    bash -c "[ '$(dir "$id" .status)' = Refused ] && grep -qF '$2' <<<'$(dir "$id" .error)'"
  check "the refusal is a healer_boundary finding" bash -c "$(declare -f refused_finding); H='$H'; refused_finding '$id'"
  check "its branch is gone" bash -c "[ -z \"\$(git -C '$H' branch --list '$(dir "$id" .deleted_branch)')\" ]"
  check "main is untouched and clean" main_untouched "$MAIN0"
}
refused_on_branch "sed -i 's/\"dashboard\": { \"port\": 0 },/\"dashboard\": { \"port\": 0 }, \"risk\": { \"enabled\": false },/' config/trading_config.json" \
  "the change alters risk in config/trading_config.json"
refused_on_branch "sed -i 's|{ \"file\": \"strategies/momentum.lua\" }|{ \"file\": \"strategies/momentum.lua\", \"params\": { \"min_move_pct\": 0.1 } }|' config/trading_config.json" \
  "strategies[0].params.min_move_pct = 0.1 is outside its bounds [0.5, 9]"

# (d) an in-bounds change: proposed, proven, shown, approved, promoted, rolled back.
answer "sed -i 's|{ \"file\": \"strategies/momentum.lua\" }|{ \"file\": \"strategies/momentum.lua\", \"params\": { \"min_move_pct\": 5 } }|' config/trading_config.json"
"$TRADEBOT" healer --home "$H" run --now >"$H/run_d.out" 2>&1
DD=$(newest_llm)
check "the in-bounds diff is queued ($DD)" [ "$(dir "$DD" .status)" = Queued ]
check "healer list shows a summary of its diff" grep -q "$DD .*1 file +1 -1" <("$TRADEBOT" healer --home "$H" list)
code=$(api "approve/$DD")
check "approved to run through the API (HTTP $code)" [ "$code" = 200 ]
rm -f "$H/home_spec_ran"
"$TRADEBOT" healer --home "$H" run --no-propose >"$H/run_d2.out" 2>&1
check "it is proven on its branch (Executed)" [ "$(dir "$DD" .status)" = Executed ]
check "a home that never recorded a live session proves it on sample data, and says so" \
  bash -c "grep -q 'sample data .*: the home has never recorded a live session' <<<'$(dir "$DD" .replay.source)' && grep -q 'replay: proven on sample data' '$H/$(dir "$DD" .log)'"
check "the replay trades where the baseline did not" \
  bash -c "[ $(dir "$DD" .replay.baseline.trades) -eq 0 ] && [ $(dir "$DD" .replay.candidate.trades) -gt 0 ]"
check "validation ran the home's committed spec from main" test -e "$H/home_spec_ran"
"$TRADEBOT" healer --home "$H" show "$DD" >"$H/show.out" 2>&1
check "healer show prints the full diff" grep -q '^+.*"min_move_pct": 5' "$H/show.out"
check "healer show prints the replay figures" grep -Eq '^  candidate +trades [1-9]' "$H/show.out"
FM=$(dir "$DD" .finding_message)
check "healer show prints the finding ($FM)" bash -c "[ -n '$FM' ] && [ '$FM' != null ] && grep -qF '$FM' '$H/show.out'"
check "the dashboard API carries the full diff" \
  bash -c "curl -s '$url/api/health' | jq -e --arg id $DD '.directives[] | select(.id==\$id) | .diff | test(\"min_move_pct\\\": 5\")' >/dev/null"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/api/healer/approve/$DD")
check "promotion without the token is refused (HTTP $code)" [ "$code" = 401 ]
check "and changed nothing" main_untouched "$MAIN0"
code=$(api "approve/$DD")
check "promotion with the token (HTTP $code)" [ "$code" = 200 ]
check "the change is merged into main" bash -c "[ \"\$(git -C '$H' rev-parse HEAD)\" != $MAIN0 ] && grep -q '\"min_move_pct\": 5' '$H/config/trading_config.json'"
check "the running engine uses the new param" wait_for 'param_is min_move_pct 5' 15
code=$(api "reject/$DD")
check "a promoted directive cannot be rejected (HTTP $code)" [ "$code" = 409 ]
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/api/healer/rollback/$DD")
check "rollback without the token is refused (HTTP $code)" [ "$code" = 401 ]
code=$(api "rollback/$DD")
check "rollback with the token (HTTP $code)" [ "$code" = 200 ]
check "it is RolledBack and the engine is back on 9" bash -c "[ '$(dir "$DD" .status)' = RolledBack ]" 
check "the running engine is back on the previous param" wait_for 'param_is min_move_pct 9' 15
check "each decision is in the control audit log (approve x2, reject refused, rollback)" \
  bash -c "[ \$(jq -s --arg id $DD '[.[] | select(.id==\$id and .by==\"dashboard\")] | length' '$H/logs/control_audit_log.jsonl') -eq 3 ]"
check "and a healer_audit row in the database" \
  bash -c "[ \"\$(sqlite3 '$H/ml_db/ml_data.db' \"select group_concat(action) from healer_audit where directive='$DD'\")\" = healer_directive_approved,healer_directive_approved,healer_promotion_rolled_back ]"
check "no canary ever appeared" bash -c "! ls '$H'/canary_* 2>/dev/null"
stop_engine || true
finish
