#!/usr/bin/env bash
# data/top_20_day_trading_candidates.csv as the engine and /api/candidates read it: an empty
# field keeps the columns after it in place, and rows the screen would never write (NaN score,
# price not above 0, not a ticker, fields missing) are refused with file:line, not loaded.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config" "$H/data"
echo '{"replay": {"speed": 3000, "days": 2}, "dashboard": {"port": 0}}' >"$H/config/trading_config.json"
start_engine
wait_for "grep -qE 'dashboard listening: http://127.0.0.1:[0-9]+/' '$H/logs/trading_bot.log'" 20
port=$(grep -oE 'dashboard listening: http://127.0.0.1:[0-9]+/' "$H/logs/trading_bot.log" | head -1 | grep -oE '[0-9]+/$' | tr -d /)

cat >"$H/data/top_20_day_trading_candidates.csv.tmp" <<'CSV'
generated_at,date,rank,symbol,score,price,gap_pct,rel_volume,atr_pct,dollar_volume
2026-03-09T12:59:00Z,2026-03-09,1,ACME,1.5,107.80,,2,5,300000
2026-03-09T12:59:00Z,2026-03-09,2,GAMA,nan,50.00,1,2,5,300000
2026-03-09T12:59:00Z,2026-03-09,3,DELT,1.2,-5.00,1,2,5,300000
2026-03-09T12:59:00Z,2026-03-09,4,BETA,1.1,20.00,1.5,2,5,300000
CSV
mv "$H/data/top_20_day_trading_candidates.csv.tmp" "$H/data/top_20_day_trading_candidates.csv"

api() { curl -sf "http://127.0.0.1:$port/api/candidates"; }
check "an empty field does not shift the columns after it" \
  wait_for "[ \"\$(api | jq -r '.candidates[0].price + \"|\" + .candidates[0].gap_pct + \"|\" + .candidates[0].dollar_volume')\" = '107.80||300000' ]" 20
check "the API lists the rows the engine refuses, with file:line" \
  bash -c "api() { curl -sf 'http://127.0.0.1:$port/api/candidates'; }; api | jq -e '.refused | length == 3 and (.[2] | test(\"csv:4: price -5.00 is below 0\")) and (.[0] | test(\"csv:2: gap_pct .. is not a number\"))' >/dev/null"
check "the engine loads the good rows and logs each refused one" \
  wait_for "grep -q 'candidates loaded: count=1 file_time=.* refused=3' '$H/logs/trading_bot.log' && grep -q \"candidate row refused: .*csv:3: score 'nan' is not a number\" '$H/logs/trading_bot.log'" 30
stop_engine || true
finish
