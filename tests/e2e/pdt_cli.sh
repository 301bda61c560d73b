#!/usr/bin/env bash
# `tradebot pdt` before the engine ever ran (a new home): it exits 0 and shows the policy, the
# budget and the window of the configuration, also after `pdt --set` created the file.
source "$(dirname "$0")/lib.bash"

line='^day_trade_count 0 of 3 \(policy pdt_legacy, window [0-9]{4}-[0-9]{2}-[0-9]{2} to [0-9]{4}-[0-9]{2}-[0-9]{2}\)$'
out=$("$TRADEBOT" pdt --home "$H" 2>&1) && rc=0 || rc=$?
check "pdt in a new home exits 0" [ "$rc" -eq 0 ]
check "pdt in a new home shows the configured policy, budget and window" grep -qE "$line" <<<"$out"
check "pdt in a new home says no day trade is recorded yet" grep -q "no day trade recorded" <<<"$out"
check "pdt did not create the file" [ ! -e "$H/data/pdt_state.json" ]

mkdir -p "$H/config"
echo '{"risk": {"day_trades": {"policy": "budget", "max_day_trades": 5, "window_days": 10}}}' \
  >"$H/config/trading_config.json"
out=$("$TRADEBOT" pdt --home "$H" --json 2>&1) && rc=0 || rc=$?
check "pdt --json in a new home exits 0" [ "$rc" -eq 0 ]
check "pdt --json follows the configuration" \
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert (j["policy"], j["max_day_trades"], j["day_trade_count"], j["window"]["business_days"]) == ("budget", 5, 0, 10), j' "$out"

out=$("$TRADEBOT" pdt --home "$H" --set 2 2>&1) && rc=0 || rc=$?
check "pdt --set 2 in a new home exits 0" [ "$rc" -eq 0 ]
out=$("$TRADEBOT" pdt --home "$H" 2>&1) && rc=0 || rc=$?
check "pdt after --set exits 0" [ "$rc" -eq 0 ]
check "pdt after --set shows the count with the policy, budget and window (not '2 of 0 (policy ?')" \
  grep -qE '^day_trade_count 2 of 5 \(policy budget, window [0-9]{4}-[0-9]{2}-[0-9]{2} to [0-9-]{10}\)$' <<<"$out"
check "the window written with --set is the configured one" \
  python3 -c 'import json,sys,datetime as d
j=json.load(open(sys.argv[1])); w=j["window"]
f=d.date.fromisoformat(w["first"]); l=d.date.fromisoformat(w["last"])
assert w["business_days"] == 10 and 12 <= (l - f).days <= 18 and l.weekday() < 5, w' "$H/data/pdt_state.json"
check "the file is private to the operator's group" [ "$(stat -c %a "$H/data/pdt_state.json")" = 640 ]

echo '{"day_trade_count": 1' >"$H/data/pdt_state.json"
out=$("$TRADEBOT" pdt --home "$H" 2>&1) && rc=0 || rc=$?
check "a broken file is an error naming it" bash -c "[ $rc -eq 1 ] && grep -q 'pdt_state.json' <<<'$out'"
finish
