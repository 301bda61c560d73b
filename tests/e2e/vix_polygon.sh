#!/usr/bin/env bash
# Runbook 4.5 with the market-data vendor as the VIX source: `tradebot vix` reads Polygon's
# (Massive's) I:VIX; a plan without indices (NOT_AUTHORIZED) falls back to the configured CSV
# and says so, as the reference asks; `tradebot macro --force` writes the result.
source "$(dirname "$0")/lib.bash"

start_emu() {
  start_node_emu polygon_emu.js --port 0 --key e2e-polygon-key --plan "$1" \
   
}
trap 'kill $EMU_PID 2>/dev/null; cleanup' EXIT
export POLYGON_API_KEY=e2e-polygon-key
mkdir -p "$H/config" "$H/data"
printf 'DATE,OPEN,HIGH,LOW,CLOSE\n11/25/2026,18.1,19.0,17.9,18.50\n11/26/2026,18.6,19.2,18.0,18.90\n' >"$H/data/vix.csv"

start_emu paid
cat >"$H/config/trading_config.json" <<JSON
{"polygon": {"base_url": "http://127.0.0.1:$PORT", "plan": "paid"},
 "risk": {"survival": {"source": "polygon", "csv": "data/vix.csv"}}}
JSON
out=$("$TRADEBOT" vix --home "$H" 2>&1)
check "tradebot vix reads I:VIX from the vendor ($out)" grep -q 'VIX 17.42 (.*polygon:I:VIX)' <<<"$out"
"$TRADEBOT" macro --home "$H" --force >/dev/null 2>&1
check "macro --force writes the vendor's VIX into data/macro.json" \
  bash -c "jq -e '.vix == 17.42 and .source == \"polygon:I:VIX\" and .survival == false' '$H/data/macro.json' >/dev/null"
kill $EMU_PID; wait $EMU_PID 2>/dev/null

start_emu free   # the free plan has no indices
sed -i "s/127.0.0.1:[0-9]*/127.0.0.1:$PORT/" "$H/config/trading_config.json"
out=$("$TRADEBOT" vix --home "$H" 2>&1)
check "a plan without indices falls back to the configured CSV and says so" \
  bash -c "grep -q 'falling back to the configured csv' <<<'$out' && grep -q 'VIX 18.90 (2026-11-26, csv:data/vix.csv (polygon unavailable))' <<<'$out'"
# A broken config stops vix, macro and the sentinel with exit 1 and one line naming the file.
cp "$H/config/trading_config.json" "$H/config.good"
printf '{"risk": {"survival": {"source": 5' >"$H/config/trading_config.json"
for cmd in vix macro sentinel; do
  rc=0; out=$("$TRADEBOT" $cmd --home "$H" 2>&1) || rc=$?
  check "a broken config stops $cmd with exit 1 and names the file ($out)" \
    bash -c "[ $rc -eq 1 ] && grep -q '^tradebot $cmd: .*config/trading_config.json: line' <<<'$out'"
done
mv "$H/config.good" "$H/config/trading_config.json"
finish
