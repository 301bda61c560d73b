#!/usr/bin/env bash
# `tradebot data fetch` against the Polygon and Alpaca emulators (loopback): the bar store gets
# exactly the vendor's bars (every next_url / page_token page), a second run makes no request
# (the fetch ledger), grouped daily stores the whole market a day at a time, a day still in
# progress is fetched again, 401 is a configuration error without retries, and
# `tradebot candidates` screens what was fetched.
source "$(dirname "$0")/lib.bash"

node "$TB_SOURCE_DIR/tests/emu/polygon_emu.js" --port 0 --key e2e-polygon-key --page 100 \
  >"$H/pemu.out" 2>"$H/pemu.err" &
PEMU=$!
node "$TB_SOURCE_DIR/tests/emu/alpaca_emu.js" --port 0 --key PKE2EFETCH --secret e2e-fetch-secret \
  --data-open 2026-01-06T14:30:00Z --data-page 50 >"$H/aemu.out" 2>"$H/aemu.err" &
AEMU=$!
trap 'kill $PEMU $AEMU 2>/dev/null; cleanup' EXIT
wait_for "grep -q port '$H/pemu.out' && grep -q port '$H/aemu.out'" 10 || { echo "emulators did not start"; exit 1; }
PP=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$H/pemu.out")
AP=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$H/aemu.out")
mkdir -p "$H/config"
cat >"$H/config/trading_config.json" <<JSON
{"feed": "polygon", "symbols": ["AAPL", "MSFT"],
 "polygon": {"base_url": "http://127.0.0.1:$PP", "plan": "paid"},
 "alpaca_data": {"data_url": "http://127.0.0.1:$AP", "stream_url": "ws://127.0.0.1:$AP/v2"}}
JSON
export POLYGON_API_KEY=e2e-polygon-key APCA_API_KEY_ID=PKE2EFETCH APCA_API_SECRET_KEY=e2e-fetch-secret
DB="$H/ml_db/ml_data.db"
q() { sqlite3 "$DB" "$1"; }
preq() { curl -s -X POST "http://127.0.0.1:$PP/__emu/stats" | sed -E 's/.*"requests":([0-9]+).*/\1/'; }
fetch() { "$TRADEBOT" data fetch --home "$H" "$@" 2>"$H/fetch.err"; }

# Monday 2026-01-05 .. Friday 2026-01-09, the symbols of the configuration (the live feed's list).
out=$(fetch --from 2026-01-05 --to 2026-01-09) || { cat "$H/fetch.err"; exit 1; }
echo "$out"
lo=$(date -d 2026-01-05T14:30:00Z +%s)000 hi=$(date -d 2026-01-09T21:00:00Z +%s)000
emu_n=0
for s in AAPL MSFT; do
  n=$(curl -s -H "Authorization: Bearer $POLYGON_API_KEY" \
    "http://127.0.0.1:$PP/v2/aggs/ticker/$s/range/1/minute/$lo/$hi" | jq .queryCount)
  emu_n=$((emu_n + n))
done
check "every page is stored: $(q 'select count(*) from bars where timeframe=60') bars, the emulator has $emu_n" \
  [ "$(q 'select count(*) from bars where timeframe=60')" = "$emu_n" ]
check "the summary counts requests and pages (40 pages of 100)" grep -q "40 requests, 40 pages, $emu_n bars stored" <<<"$out"
page=$(curl -s -H "Authorization: Bearer $POLYGON_API_KEY" \
  "http://127.0.0.1:$PP/v2/aggs/ticker/MSFT/range/1/minute/2026-01-07/2026-01-07?cursor=100")
for k in 0 57 99; do
  want=$(jq -r ".results[$k] | \"\(.t * 1000000)|\(.o)|\(.h)|\(.l)|\(.c)|\(.v)|\(.vw)|\(.n)\"" <<<"$page")
  t=${want%%|*}
  got=$(q "select start_ns, open, high, low, close, volume, vwap, trades from bars where symbol='MSFT' and timeframe=60 and start_ns=$t")
  ok_vals=$(awk -F'|' -v a="$want" -v b="$got" 'BEGIN{split(a,x,"|"); split(b,y,"|"); r=1;
    for(i=1;i<=8;i++) if ((x[i]-y[i])^2 > 1e-18*(1+x[i]^2)) r=0; print r}')
  check "MSFT bar $k of the day's second page is stored as served ($got)" [ "$ok_vals" = 1 ]
done
check "a minute without trades stays a gap (none invented)" \
  [ "$(q "select count(*) from bars where symbol='AAPL' and timeframe=60 and start_ns=$(( ($(date -d 2026-01-05T14:43:00Z +%s)) * 1000000000 ))")" = 0 ]

before=$(preq)
out=$(fetch --from 2026-01-05 --to 2026-01-09)
check "a second fetch asks for nothing ($out)" grep -q "10 already stored, 0 requests" <<<"$out"
check "and the emulator saw no request" [ "$(preq)" = "$before" ]

out=$(fetch --grouped --from 2026-01-05 --to 2026-01-09)
check "grouped daily: one request a day, every ticker ($out)" grep -q "5 days, 0 already stored, 5 requests, 5 pages, 20 bars stored" <<<"$out"
check "the whole market's daily bars are stored" [ "$(q 'select count(distinct symbol) from bars where timeframe=86400')" = 4 ]
out=$(fetch --tf 1d --symbols AMD --from 2026-01-05 --to 2026-01-09)
check "a symbol's daily bars come from the grouped days already fetched ($out)" grep -q "5 already stored, 0 requests" <<<"$out"

# 13:00 ET on Wednesday 2026-01-14: the 13th is complete, the 14th is in progress.
out=$(TRADEBOT_CLOCK_START=$(date -d 2026-01-14T18:00:00Z +%s) fetch --symbols NVDA --from 2026-01-13 --to 2026-01-16)
check "days after today are not asked for, today's session is stored ($out)" grep -q "2 symbol-days, 0 already stored" <<<"$out"
out=$(TRADEBOT_CLOCK_START=$(date -d 2026-01-14T18:00:00Z +%s) fetch --symbols NVDA --from 2026-01-13 --to 2026-01-16)
check "but not marked complete: fetched again ($out)" grep -q "2 symbol-days, 1 already stored, 4 requests" <<<"$out"

before=$(preq)
rc=0; POLYGON_API_KEY=wrong-key fetch --symbols AAPL,MSFT --from 2026-01-12 --to 2026-01-12 >/dev/null || rc=$?
check "401 fails the fetch (exit $rc)" [ "$rc" = 1 ]
check "as a configuration error" grep -q "a configuration error, not retried: check the key" "$H/fetch.err"
check "with one request, no retry, and no second symbol" [ "$(preq)" = $((before + 1)) ]
check "the key never appears in the output" bash -c "! grep -q e2e-polygon-key '$H/fetch.err'"

curl -s -X POST -H 'Content-Type: application/json' -d '{"minutes":390}' "http://127.0.0.1:$AP/__emu/data_advance" >/dev/null
out=$(fetch --vendor alpaca --symbols NVDA,AMD --from 2026-01-06 --to 2026-01-06) || cat "$H/fetch.err"
n=0 tok="" pages=0
while :; do # the emulator's bars of the day, page by page
  body=$(curl -s -H "APCA-API-KEY-ID: PKE2EFETCH" -H "APCA-API-SECRET-KEY: e2e-fetch-secret" \
    "http://127.0.0.1:$AP/v2/stocks/bars?symbols=NVDA,AMD&timeframe=1Min&start=2026-01-06T14:30:00Z&end=2026-01-06T21:00:00Z${tok:+&page_token=$tok}")
  n=$((n + $(jq '[.bars[] | length] | add // 0' <<<"$body"))) pages=$((pages + 1))
  tok=$(jq -r '.next_page_token // empty' <<<"$body")
  [ -n "$tok" ] || break
done
got=$(q "select count(*) from bars where timeframe=60 and symbol in ('NVDA','AMD') and start_ns >= $(date -d 2026-01-06T00:00:00Z +%s)000000000 and start_ns < $(date -d 2026-01-07T00:00:00Z +%s)000000000")
check "alpaca: every page_token page of the day is stored ($got bars, the emulator has $n)" [ "$got" = "$n" ]
check "in pages of 50 ($out)" grep -q "2 symbol-days, 0 already stored, 16 requests, 16 pages, $n bars stored" <<<"$out"
check "the emulator's pages: $pages (one multi-symbol stream of 50 a page)" [ "$pages" -ge 15 ]
want=$(curl -s -H "APCA-API-KEY-ID: PKE2EFETCH" -H "APCA-API-SECRET-KEY: e2e-fetch-secret" \
  "http://127.0.0.1:$AP/v2/stocks/AMD/bars?timeframe=1Min&start=2026-01-06T16:00:00Z&end=2026-01-06T16:01:00Z" | jq -r '.bars[0] | "\(.o)|\(.c)|\(.v)"')
check "with the vendor's values (AMD 11:00 ET: $want)" \
  [ "$(q "select open || '|' || close || '|' || cast(volume as int) from bars where symbol='AMD' and timeframe=60 and start_ns=$(date -d 2026-01-06T16:00:00Z +%s)000000000")" = "$want" ]
out=$(fetch --vendor alpaca --symbols NVDA,AMD --from 2026-01-06 --to 2026-01-06)
check "and not asked for again ($out)" grep -q "2 already stored, 0 requests" <<<"$out"

out=$("$TRADEBOT" candidates --home "$H" --no-write --date 2026-01-09 2>&1) || true
check "candidates screens the fetched bars ($(head -1 <<<"$out"))" grep -q "from the bar store: 2 screened" <<<"$out"
finish
