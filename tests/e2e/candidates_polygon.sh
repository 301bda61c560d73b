#!/usr/bin/env bash
# The pre-market candidate screen with candidates.source "polygon" against the Polygon emulator:
# today's price (day.o once open) and the previous close (prevDay.c) come from the snapshot, the
# history (imported from the emulator's own aggregates) from the bar store; the day's movers join
# the universe and are marked; the CSV is written (not with --no-write); a 403 NOT_AUTHORIZED
# falls back to the store-based screen, says so and is not retried.
source "$(dirname "$0")/lib.bash"

node "$TB_SOURCE_DIR/tests/emu/polygon_emu.js" --port 0 --key e2e-polygon-key --plan paid --page 1000 \
  --today 2026-11-30 >"$H/emu.out" 2>"$H/emu.err" &
EMU_PID=$!
trap 'kill $EMU_PID 2>/dev/null; cleanup' EXIT
wait_for "grep -q port '$H/emu.out'" 10 || { echo "emulator did not start"; exit 1; }
PORT=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$H/emu.out")
EMU="http://127.0.0.1:$PORT"
AUTH="Authorization: Bearer e2e-polygon-key"
export POLYGON_API_KEY=e2e-polygon-key TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # 09:50 ET
curl -s -X POST -d '{"minutes":20}' "$EMU/__emu/advance" >/dev/null

# History: the emulator's minute bars of the sessions before 2026-11-30, imported into the store.
mkdir -p "$H/config" "$H/data" "$H/scripts" "$H/hist"
for sym in AAPL MSFT NVDA; do
  echo "t,o,h,l,c,v,vw,n" >"$H/hist/$sym.csv"
  for d in 2026-11-16 2026-11-17 2026-11-18 2026-11-19 2026-11-20 2026-11-23 2026-11-24 \
           2026-11-25 2026-11-27; do
    curl -s -H "$AUTH" "$EMU/v2/aggs/ticker/$sym/range/1/minute/$d/$d?limit=50000" |
      jq -r '.results[] | [.t, .o, .h, .l, .c, .v, .vw, .n] | @csv' >>"$H/hist/$sym.csv"
  done
done
"$TRADEBOT" data import --home "$H" "$H/hist/AAPL.csv" "$H/hist/MSFT.csv" "$H/hist/NVDA.csv" \
  >"$H/import.out" 2>&1 || { cat "$H/import.out"; exit 1; }
cat >"$H/config/trading_config.json" <<JSON
{"polygon": {"base_url": "$EMU", "plan": "paid"}, "candidates": {"source": "polygon"}}
JSON
# The emulator's made-up prices move a lot: bounds wide enough to list every symbol.
cat >"$H/scripts/candidates.lua" <<'LUA'
return { top = 60, bounds = { min_price = 1, min_sessions = 1 }, components = { "gap" },
  score = function(c) return { gap = math.abs(c.gap_pct) } end }
LUA

out=$("$TRADEBOT" candidates --home "$H" 2>&1) || { echo "$out"; exit 1; }
echo "$out" | head -4
csv="$H/data/top_20_day_trading_candidates.csv"
check "the source is the polygon snapshot with the store's history" \
  grep -q 'candidates for 2026-11-30 (asked 2026-11-30) from the polygon snapshot + bar store' <<<"$out"
# Expected gap: today's first minute's open against the previous session's last close.
o=$(curl -s -H "$AUTH" "$EMU/v2/aggs/ticker/AAPL/range/1/minute/2026-11-30/2026-11-30" | jq '.results[0].o')
c=$(curl -s -H "$AUTH" "$EMU/v2/aggs/ticker/AAPL/range/1/minute/2026-11-27/2026-11-27" | jq '.results[-1].c')
want=$(jq -n "(($o / $c) - 1) * 100 * 1000 | round / 1000")
got=$(awk -F, '$4 == "AAPL" { print $7 + 0 }' "$csv")
check "AAPL's gap is day.o against prevDay.c ($got%, expected $want%)" \
  jq -en "(($got) - ($want)) | fabs < 0.0015"
check "and its price is day.o ($o)" \
  bash -c "awk -F, '\$4 == \"AAPL\" { exit !(\$6 + 0 == sprintf(\"%.2f\", $o) + 0) }' '$csv'"
check "the store's symbols were screened with the snapshot's prices" \
  grep -q 'snapshot: 3 priced, 0 without a snapshot price' <<<"$out"
top=$(curl -s -H "$AUTH" "$EMU/v2/snapshot/locale/us/markets/stocks/gainers" | jq -r '[.tickers[].ticker | select(. != "AAPL" and . != "MSFT" and . != "NVDA")][0]')
check "a gainer the store lacks ($top) is in the file" grep -q ",$top," "$csv"
check "and the table marks it as a mover" grep -qE " $top .* gainers *\$" <<<"$out"
check "the CSV is written for today" grep -q "wrote data/top_20_day_trading_candidates.csv" <<<"$out"
check "its rows are dated 2026-11-30" bash -c "sed -n 2p '$csv' | grep -q ',2026-11-30,1,'"
check "the log says which source was used" \
  grep -q 'source: polygon snapshot (open: day.o' "$H/logs/trading_bot.log"

before=$(md5sum "$csv")
out=$("$TRADEBOT" candidates --home "$H" --no-write 2>&1)
check "--no-write screens from the snapshot" grep -q 'from the polygon snapshot' <<<"$out"
check "and leaves the file alone" bash -c "! grep -q wrote <<<\"\$0\" && [ \"\$(md5sum '$csv')\" = '$before' ]" "$out"

n0=$(curl -s -X POST "$EMU/__emu/stats" | jq .requests)
curl -s -X POST -d '{"kind":"403","count":3}' "$EMU/__emu/fault" >/dev/null
rc=0
out=$("$TRADEBOT" candidates --home "$H" --no-write 2>&1) || rc=$?
echo "$out" | head -3
n1=$(curl -s -X POST "$EMU/__emu/stats" | jq .requests)
check "a 403 says so and falls back to the store (exit $rc)" \
  grep -q 'note: polygon snapshot unavailable (polygon: NOT_AUTHORIZED' <<<"$out"
check "the fallback screen ran from the bar store" \
  bash -c "[ $rc = 0 ] && grep -q 'from the bar store: 3 screened' <<<\"\$0\"" "$out"
check "NOT_AUTHORIZED is not retried ($((n1 - n0)) requests for 3 calls)" [ $((n1 - n0)) = 3 ]
check "the fallback is logged" grep -q 'polygon snapshot unavailable.*screened from the bar store' \
  "$H/logs/trading_bot.log"
out=$(POLYGON_API_KEY=wrong-key "$TRADEBOT" candidates --home "$H" --no-write 2>&1)
check "a bad key (401) falls back too and says why" \
  grep -q 'note: polygon snapshot unavailable (polygon: error: Unknown API Key' <<<"$out"
check "the key is never logged" bash -c "! grep -rq 'e2e-polygon-key' '$H/logs'"
finish
