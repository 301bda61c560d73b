#!/usr/bin/env bash
# The engine starts on its embedded default, answers the REPL, reloads what changes and stops
# cleanly. Behaviour from the foundation issue's "Done when".
source "$(dirname "$0")/lib.bash"

# A home that cannot be created is a clear error at start, not hours later.
out=$("$TRADEBOT" run --home /etc/passwd/home 2>&1) && rc=0 || rc=$?
check "unusable home fails at start with a clear error" \
  bash -c "[ $rc -ne 0 ] && grep -q 'cannot create' <<<'$out'"

start_engine
check "default configuration is written on first run" test -f "$H/config/trading_config.json"
check "the example strategies are written on first run" test -f "$H/strategies/rsi_macd_reversal.lua"
check "tradebot health says healthy while the engine runs" bash -c "'$TRADEBOT' health --home '$H' | grep -qx healthy"
check "REPL socket is mode 0600" bash -c "[ \$(stat -c %a '$H/run/tradebot.sock') = 600 ]"
check "echo 'return 1+1' | tradebot repl prints 2" bash -c "[ \"\$(echo 'return 1+1' | '$TRADEBOT' repl --home '$H')\" = 2 ]"

out=$(echo 'return {b = 2, a = {1, "x"}}' | repl) || true
expected=$'{\n  a = {\n    [1] = 1,\n    [2] = "x"\n  },\n  b = 2\n}'
check "tables are pretty-printed with sorted keys" [ "$out" = "$expected" ]

out=$(printf 't = 0\nfor i = 1, 10 do\n  t = t + i\nend\nprint(t)\n' | repl) || true
check "multi-line chunks are collected until complete" [ "$out" = 55 ]

err=$(echo 'error("boom")' | repl 2>&1 >/dev/null) && rc=0 || rc=$?
check "a Lua error is reported and the exit status is 1" bash -c "[ $rc -eq 1 ] && grep -q boom <<<'$err'"

err=$(echo 'while true do end' | repl 2>&1) || true
check "a runaway REPL command is stopped by the budget" grep -qE "instruction budget exceeded|time limit exceeded" <<<"$err"
check "the engine still answers after errors" bash -c "[ \"\$(echo 'return tb.engine.running()' | '$TRADEBOT' repl --home '$H')\" = true ]"

# A client killed in the middle of a long command harms nothing.
(echo 'local x = 0 for i = 1, 5e7 do x = x + i end return x'; sleep 5) | timeout 0.3 "$TRADEBOT" repl --home "$H" >/dev/null 2>&1 || true
check "a client that disconnects mid-command harms nothing" \
  bash -c "[ \"\$(echo 'return 40+2' | '$TRADEBOT' repl --home '$H')\" = 42 ]"

# Several clients at once.
for i in 1 2 3 4 5; do
  (for j in $(seq 1 20); do echo "return $i * 1000 + $j"; done | repl >"$H/client$i.out" 2>&1) &
done
wait_clients() { for i in 1 2 3 4 5; do [ "$(wc -l <"$H/client$i.out")" -eq 20 ] || return 1; done; }
sleep 0.2; wait_for wait_clients 20 || true
check "several REPL clients at once each get all their answers" wait_clients
check "answers go to the client that asked" bash -c "tail -1 '$H/client3.out' | grep -qx 3020"

# Hot reload: add a strategy through the configuration, then edit it.
mkdir -p "$H/strategies"
cat >"$H/strategies/probe.lua" <<'LUA'
return { name = "probe", params = { level = 1 }, on_start = function(ctx) ctx.state.started = true end }
LUA
echo '{"strategies": [{"file": "strategies/probe.lua"}]}' >"$H/config/trading_config.json.new"
mv "$H/config/trading_config.json.new" "$H/config/trading_config.json"
check "a configuration change is reloaded without restart" wait_for "log_has 'configuration reloaded'" 5
check "the new strategy is loaded" wait_for "log_has 'strategy loaded: name=probe'" 5

t0=$(date +%s%N)
cat >"$H/strategies/probe.lua" <<'LUA'
return { name = "probe", params = { level = 2 }, on_start = function(ctx) end }
LUA
wait_for "log_has 'strategy reloaded: name=probe file=strategies/probe.lua version=2'" 5
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "an edited strategy shows the reload in the log within a second (${ms} ms)" [ "$ms" -lt 1000 ]

cat >"$H/strategies/probe.lua" <<'LUA'
return { name = "probe",
  on_start = function(ctx) if then end end }
LUA
check "a broken edit shows file, line and message" \
  wait_for "log_has 'strategy reload failed: strategies/probe.lua:2:'" 5
echo "for _, s in ipairs(tb.engine.strategies()) do if s.name == 'probe' then return s.version end end" >"$H/q.lua"
probe_version_is_2() { [ "$(repl <"$H/q.lua")" = 2 ]; }
check "the old version keeps running after a broken edit" probe_version_is_2

echo '{"broker": "nope"}' >"$H/config/trading_config.json.new"
mv "$H/config/trading_config.json.new" "$H/config/trading_config.json"
check "a bad configuration reload keeps the running configuration" \
  wait_for "log_has 'configuration reload failed (1 errors): keeping the running configuration'" 5
check "the error names file, key and expectation" \
  log_has 'config/trading_config.json: broker: expected one of paper|alpaca|ibkr, got "nope"'
check "tradebot check lists the configuration error" \
  bash -c "'$TRADEBOT' check --home '$H' 2>&1 | grep -q 'check: 1 error'"

sed -i 's/"nope"/"paper"/' "$H/config/trading_config.json"
wait_for "[ \$(grep -c 'configuration reloaded' '$H/logs/trading_bot.log') -ge 2 ]" 5 || true
kill -HUP "$ENGINE_PID"
check "SIGHUP reloads the configuration" \
  wait_for "[ \$(grep -c 'configuration reloaded' '$H/logs/trading_bot.log') -ge 3 ]" 5

stop_engine && rc=0 || rc=$?
check "SIGTERM stops the engine with status 0" [ "$rc" -eq 0 ]
check "the log says the engine stopped" log_has "engine stopped"
check "the REPL socket is removed at exit" test ! -e "$H/run/tradebot.sock"
check "tradebot health fails when no engine runs" bash -c "! '$TRADEBOT' health --home '$H' 2>/dev/null"
out=$(echo 'return 1' | "$TRADEBOT" repl --home "$H" 2>&1) || true
check "repl without an engine says what to do" grep -q "is \`tradebot run\` running" <<<"$out"
finish
