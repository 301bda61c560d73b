#!/usr/bin/env bash
# A live session (Alpaca emulator feed + Alpaca emulator broker, loopback) is recorded in
# data/sessions/<id>.rec; `tradebot replay` reproduces its decisions exactly (exit 0); an edited
# strategy replayed with --strategies current shows the differences (exit 1); a torn last record
# still replays the intact part and says so; a Healer proposal on that home is proven on the
# recorded session, not on sample data. docs/replay.md.
source "$(dirname "$0")/lib.bash"

start_alpaca_emu PKE2ERECKEY e2e-rec-secret --data-open 2026-11-30T14:30:00Z

mkdir -p "$H/config" "$H/strategies"
cat >"$H/strategies/rec_probe.lua" <<'LUA'
-- Buys on the buy_at-th bar of a symbol; sells on the first bar that finds it filled.
return {
  params = { buy_at = 2, qty = 3 },
  tunable = { buy_at = { min = 1, max = 5, step = 1 } },
  on_bar = function(ctx, bar)
    local n = (ctx.state[bar.symbol] or 0) + 1
    ctx.state[bar.symbol] = n
    local held = ctx:position(bar.symbol).qty
    if n == ctx.params.buy_at then
      ctx:buy{ symbol = bar.symbol, qty = ctx.params.qty, reason = "probe buy " .. n }
    elseif held > 0 and not ctx.state["sold_" .. bar.symbol] then
      ctx.state["sold_" .. bar.symbol] = true
      ctx:sell{ symbol = bar.symbol, qty = held, reason = "probe sell " .. n }
    end
  end,
}
LUA
# Secrets where nobody expects them: the recording keeps none of them.
cat >"$H/config/trading_config.json" <<JSON
{"broker": "alpaca", "feed": "alpaca", "symbols": ["AAPL", "MSFT"],
 "_Alpaca_Secret": "e2e-inline-SECRET-1", "_apiKey": "e2e-inline-KEY-2",
 "_ops_note": "paper account, key PKE2ERECKEY",
 "healer": {"llm_url": "http://127.0.0.1:9/v1?api_key=e2e-url-KEY-3"},
 "dashboard": {"port": 0},
 "alpaca": {"trading_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/stream",
            "rate_per_minute": 60000, "reconcile_interval_s": 2},
 "alpaca_data": {"data_url": "http://127.0.0.1:$PORT", "stream_url": "ws://127.0.0.1:$PORT/v2"},
 "strategies": [{"file": "strategies/rec_probe.lua", "params": {"_account": "e2e-rec-secret"}}]}
JSON
export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET
start_engine
check "the engine subscribes to the bars stream" wait_for "log_has 'subscribed to minute bars of 2 symbols'" 20
check "the session is recorded under data/sessions" log_has "recording the session to $H/data/sessions/"
fills() { sqlite3 "$H/ml_db/ml_data.db" 'select count(*) from oms_fills' 2>/dev/null || echo 0; }
emu data_advance '{"minutes":3}' >/dev/null
check "the probe's buys are filled by the broker" wait_for '[ "$(fills)" -ge 2 ]' 30
emu data_advance '{"minutes":4}' >/dev/null
check "the probe's sells are filled by the broker" wait_for '[ "$(fills)" -ge 4 ]' 30
URL=$(dashboard_url)
check "/metrics counts the recording's bytes ($(metric tradebot_record_bytes_total))" \
  bash -c "awk 'BEGIN{exit !($(metric tradebot_record_bytes_total) > 1000)}'"
check "and no lost record, no failure" \
  bash -c "[ '$(metric tradebot_record_dropped_total)' = 0 ] && [ '$(metric tradebot_record_failed)' = 0 ]"
stop_engine || true
check "the engine closes the recording cleanly" log_has "recorded: bars="
rec1=$(ls "$H"/data/sessions/*.rec)
check "the recording is the owner's alone (mode $(stat -c %a "$rec1"), like the database)" \
  [ "$(stat -c %a "$rec1")" = 600 ]
for secret in e2e-inline-SECRET-1 e2e-inline-KEY-2 PKE2ERECKEY e2e-url-KEY-3 e2e-rec-secret; do
  check "the recording holds no $secret (config or strategy params)" \
    bash -c "! grep -aqF '$secret' '$rec1'"
done
check "but the configuration around them is kept" grep -aqF '"llm_url"' "$rec1"

list=$("$TRADEBOT" replay --home "$H" --list)
echo "$list"
id=$(awk 'NR==1{print $1}' <<<"$list")
check "replay --list names the session, complete, with its bars and broker updates" \
  grep -qE "^$id +bars=1[0-9] +decisions=[1-9][0-9]* +updates=[1-9][0-9]* +complete" <<<"$list"

rc=0; "$TRADEBOT" replay --home "$H" "$id" >"$H/replay.out" 2>&1 || rc=$?
cat "$H/replay.out"
check "the replay reproduces the recorded decisions exactly (exit 0)" [ "$rc" = 0 ]
check "it prints the replayed decisions" grep -q "rec_probe: sell 3 AAPL market submitted" "$H/replay.out"
check "and says identical" grep -q "4 recorded decisions, 4 replayed; identical" "$H/replay.out"
# A TMPDIR with a quote in it: the replay's scratch folder goes without a shell.
odd="$H/tmp'; touch '$H/canary_tmpdir'; '"
mkdir -p "$odd"
rc=0; TMPDIR="$odd" "$TRADEBOT" replay --home "$H" "$id" --quiet >/dev/null 2>&1 || rc=$?
check "a TMPDIR with a quote: the replay runs (exit $rc), runs nothing else, leaves no scratch folder" \
  bash -c "[ $rc = 0 ] && [ ! -e '$H/canary_tmpdir' ] && [ -z \"\$(ls -A \"\$1\")\" ]" _ "$odd"
# The recording holds the strategy's text: editing the file does not change a recorded replay.
sed -i 's/buy_at = 2/buy_at = 3/' "$H/strategies/rec_probe.lua"
rc=0; "$TRADEBOT" replay --home "$H" "$id" --quiet >/dev/null 2>&1 || rc=$?
check "an edited file does not change a replay of the recorded version (exit $rc)" [ "$rc" = 0 ]
rc=0; "$TRADEBOT" replay --home "$H" "$id" --strategies current >"$H/current.out" 2>&1 || rc=$?
cat "$H/current.out"
check "--strategies current with the edited param shows differences (exit 1)" [ "$rc" = 1 ]
check "each difference names bar, symbol, strategy, recorded and replayed decision" \
  grep -qE "^DIFF bar [0-9]+ 2026-11-30T14:3[0-9]:00.000Z AAPL rec_probe: recorded buy 3 AAPL market submitted \| replayed" "$H/current.out"
rc=0; "$TRADEBOT" replay --home "$H" "$id" --strategies current --json >"$H/current.json" 2>/dev/null || rc=$?
check "--json reports identical false and the differences" \
  python3 -c "import json,sys; j=json.load(open('$H/current.json')); sys.exit(0 if j['identical'] is False and j['differences']>0 and j['diffs'] else 1)"

rc=0; "$TRADEBOT" replay --home "$H" no-such-session >/dev/null 2>"$H/unknown.err" || rc=$?
check "an unknown session is an error naming it (exit 2)" bash -c "[ $rc = 2 ] && grep -q 'unknown session no-such-session' '$H/unknown.err'"

# A crash while writing leaves a torn last record: cut the clean END record short.
rec="$H/data/sessions/$id.rec"
cp "$rec" "$H/full.rec"
truncate -s -5 "$rec"
rc=0; "$TRADEBOT" replay --home "$H" "$id" >"$H/torn.out" 2>"$H/torn.err" || rc=$?
cat "$H/torn.err"
check "a torn tail still replays the intact part identically (exit $rc)" [ "$rc" = 0 ]
check "and reports the torn tail with file and offset" \
  grep -qE "$id.rec: torn last record at offset [0-9]+ \([0-9]+ bytes ignored\)" "$H/torn.err"
check "--list shows the torn tail" bash -c "'$TRADEBOT' replay --home '$H' --list | grep -q 'torn tail'"
# A flipped byte in the middle is corruption, not a torn tail: an error naming file and offset.
cp "$H/full.rec" "$rec"
size=$(stat -c %s "$rec")
printf '\xff\xff' | dd of="$rec" bs=1 seek=$((size / 2)) conv=notrunc status=none
rc=0; "$TRADEBOT" replay --home "$H" "$id" >/dev/null 2>"$H/corrupt.err" || rc=$?
check "a corrupt record is an error naming file and offset (exit 2)" \
  bash -c "[ $rc = 2 ] && grep -qE '$id.rec: corrupt .*offset [0-9]+' '$H/corrupt.err'"
cp "$H/full.rec" "$rec"

# The Healer proves a change on the recorded session, not on sample data.
sed -i 's/buy_at = 3/buy_at = 2/' "$H/strategies/rec_probe.lua"
mkdir -p "$H/scripts/healer"
cat >"$H/scripts/healer/zz_probe.lua" <<'LUA'
return function(findings)
  return { { finding = "custom_check", severity = "CRITICAL", kind = "param_change",
    target = "config/trading_config.json", change = { strategy = "rec_probe", params = { buy_at = 3 } },
    rationale = "enter a bar later", can_auto_apply = true } }
end
LUA
jq '.healer = {"replay_sessions": 5, "metrics": ["trades"]}' "$H/config/trading_config.json" >"$H/c.json"
mv "$H/c.json" "$H/config/trading_config.json"
"$TRADEBOT" healer --home "$H" list >/dev/null
printf 'logs/\ndata/\nml_db/\nrun/\n/*.out\n/*.err\n/*.json\n/*.rec\n' >"$H/.gitignore"
git -C "$H" init -q && git -C "$H" add -A
git -C "$H" -c user.name=op -c user.email=op@localhost commit -qm home
"$TRADEBOT" healer --home "$H" run --now >"$H/heal.out" 2>&1 || true
cat "$H/heal.out"
D=$(jq -r '[.directives[] | select(.rule_file=="scripts/healer/zz_probe.lua")] | last | .id' "$H/data/healer_active_directives.json")
dj() { jq -r --arg id "$D" ".directives[] | select(.id==\$id) | $1" "$H/data/healer_active_directives.json"; }
src=$(dj .replay.source)
check "the Healer's proof names the recorded session ($src)" grep -q "recorded live sessions (1): $id" <<<"$src"
# The emulator filled the four recorded orders at a flat $100: sample data never gives that.
check "its baseline is the recorded session: its 4 broker fills ($(dj .replay.baseline.fills)), pnl 0 ($(dj .replay.baseline.pnl))" \
  bash -c "[ '$(dj .replay.baseline.fills)' = 4 ] && [ '$(dj .replay.baseline.pnl)' = 0 ]"
check "the candidate was replayed too ($(dj .replay.candidate.trades) trades)" \
  bash -c "[ '$(dj .replay.candidate.trades)' != null ]"
check "the directive's log says what it was proven on" \
  grep -q "replay: proven on recorded live sessions (1): $id" "$H/$(dj .log)"
check "and the engine log too" log_has "directive $D: proven on recorded live sessions"
"$TRADEBOT" healer --home "$H" show "$D" >"$H/show.out" 2>&1 || true
check "healer show names the recorded session the figures come from" \
  bash -c "grep -q '^replay     2026-11-30 .. 2026-11-30' '$H/show.out' && grep -q 'on *recorded live sessions (1): $id' '$H/show.out'"

# A restart in the session: the second recording starts from what the engine restored (the
# strategy's counts and flags), so a replay of it alone decides as the engine did.
git -C "$H" checkout -q -- . 2>/dev/null || true
start_engine
check "the restarted engine records a second session" \
  wait_for "[ \$(ls '$H/data/sessions' | wc -l) = 2 ]" 20
emu data_advance '{"minutes":3}' >/dev/null
wait_for "[ \"\$(sqlite3 '$H/ml_db/ml_data.db' 'select count(*) from bars' 2>/dev/null)\" -ge 20 ]" 20 || true
id2=$("$TRADEBOT" replay --home "$H" --list | awk 'END{print $1}') # oldest first
check "the bars are in the recording as they arrive, while the engine runs" \
  wait_for "'$TRADEBOT' replay --home '$H' --list | grep -qE '^$id2 +bars=[1-9][0-9]* '" 20
kill -KILL "$ENGINE_PID"; wait "$ENGINE_PID" 2>/dev/null || true; ENGINE_PID=""
list=$("$TRADEBOT" replay --home "$H" --list); echo "$list"
check "after kill -9 the recording is readable, without its END record (open)" \
  grep -qE "^$id2 +bars=[1-9][0-9]* .* open$" <<<"$list"
rc=0; "$TRADEBOT" replay --home "$H" "$id2" >"$H/replay2.out" 2>&1 || rc=$?
cat "$H/replay2.out"
check "the session after the restart, killed -9, replays identically from the restored state (exit $rc)" [ "$rc" = 0 ]
check "it holds the restored state" bash -c "strings '$H/data/sessions/$id2.rec' | grep -q '\"states\":{\"rec_probe\":{\"AAPL\":'"
finish
