#!/usr/bin/env bash
# A Sentinel pause_symbol directive, enforced: while the engine holds a position in a symbol, the
# directive arrives; from then on no intent adds exposure in that symbol (blocked by the gate
# "sentinel_pause", with a reason in the decision log), the exit that flattens it still passes,
# and the other symbols trade on.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config" "$H/data" "$H/strategies"
# Holds every symbol all day and tries to add a share each bar; flat 30 minutes before the close.
cat >"$H/strategies/holder.lua" <<'LUA'
return {
  name = "holder",
  params = {},
  on_bar = function(ctx, bar)
    local pos = ctx:position()
    if (ctx:minutes_to_close() or 1e9) <= 30 then
      if pos.qty > 0 then ctx:close{ reason = "session end" } end
      return
    end
    if #ctx:orders() > 0 then return end
    ctx:buy{ qty = pos.qty > 0 and 1 or 10, reason = pos.qty > 0 and "add a share" or "enter" }
  end,
}
LUA
# A session in about 26 s: the pause lands mid-session while the position is held.
cat >"$H/config/trading_config.json" <<'J'
{ "replay": { "speed": 900, "days": 1 }, "dashboard": { "port": 0 },
  "strategies": [ { "file": "strategies/holder.lua", "symbols": ["SPY", "ACME"] } ] }
J
start_engine
qty() { echo "for _, p in ipairs(tb.engine.positions()) do if p.symbol == '$1' then return p.qty end end return 0" | repl; }
check "the engine holds SPY" wait_for '[ "$(qty SPY)" -gt 0 ]' 30
printf '{"generated_at":"x","date":"x","directives":[{"id":"P-9","type":"pause_symbol","symbol":"SPY"}]}' \
  >"$H/data/sentinel_feedback.json.tmp"
mv "$H/data/sentinel_feedback.json.tmp" "$H/data/sentinel_feedback.json"
check "the directive is applied" wait_for "log_has 'directive applied: id=P-9 type=pause_symbol symbol=SPY'" 10
check "the replay finishes" wait_for "log_has 'replay finished'" 60
dec="$H/logs/enhanced_decision_log.jsonl"
# From the first block on, SPY's intents are blocks, except the exit.
spy_after() { jq -c 'select(.symbol=="SPY")' "$dec" | jq -s '(map(.gate=="sentinel_pause") | index(true)) as $i | if $i then .[$i:] else [] end'; }
blocked=$(spy_after | jq '[.[] | select(.gate=="sentinel_pause")] | length')
check "adding to SPY is blocked by sentinel_pause once the pause is in ($blocked blocks)" [ "$blocked" -gt 10 ]
passed=$(spy_after | jq '[.[] | select(.side=="buy" and .verdict=="submitted")] | length')
check "no buy on SPY passed after the first block ($passed)" [ "$passed" -eq 0 ]
check "each block says the symbol is paused by a Sentinel directive" \
  bash -c "jq -s -e 'all(.[] | select(.gate==\"sentinel_pause\"); .verdict==\"blocked\" and .side==\"buy\" and (.why|test(\"SPY is paused by a Sentinel directive\")))' '$dec' >/dev/null"
check "the exit that flattens SPY passed the pause" \
  bash -c "jq -s -e 'any(.[]; .symbol==\"SPY\" and .side==\"sell\" and .verdict==\"submitted\" and .reason==\"session end\")' '$dec' >/dev/null"
check "SPY ends flat" [ "$(qty SPY)" = 0 ]
check "ACME kept adding after the pause (not paused)" \
  bash -c "jq -s -e '(map(.gate==\"sentinel_pause\") | index(true)) as \$i | .[\$i:] | any(.[]; .symbol==\"ACME\" and .side==\"buy\" and .verdict==\"submitted\")' '$dec' >/dev/null"
finish
