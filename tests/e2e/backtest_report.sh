#!/usr/bin/env bash
# `tradebot backtest --report`: one self-contained HTML page (no script, stylesheet or image
# fetched from anywhere) with the period, symbols, summary, charts, per-strategy and per-symbol
# tables, monthly and daily returns and every trade of trades.csv; the terminal names the period
# and each strategy and says how sharpe is annualised. The README's backtest line works from any
# folder in a fresh --home. The page is opened in headless Chromium when it is installed.
source "$(dirname "$0")/lib.bash"
SRC=${TB_SOURCE_DIR:?}
B="$SRC/tests/browser"
ART="$(dirname "$TRADEBOT")/test-artifacts"

# The README's line, run from a folder without strategies/, in a home that does not exist yet.
mkdir -p "$H/elsewhere"
readme=$(grep -o 'tradebot backtest --strategy [^#]*' "$SRC/README.md" | head -1)
check "the README has a backtest line ($readme)" [ -n "$readme" ]
(cd "$H/elsewhere" && "$TRADEBOT" ${readme#tradebot } --home "$H/fresh" --days 2 >"$H/readme.out" 2>&1)
check "the README's backtest line works in a fresh --home from any folder" \
  bash -c "grep -q '^trades ' '$H/readme.out' && [ -s '$H/fresh/data/backtest/trades.csv' ]"
cat "$H/readme.out" | head -3
(cd "$H/elsewhere" && "$TRADEBOT" backtest --home "$H/fresh" --strategy strategies/nope.lua --days 2 >"$H/nope.out" 2>&1) && nrc=0 || nrc=$?
check "a strategy found nowhere is refused naming where it looked and the shipped ones (rc $nrc)" \
  bash -c "[ $nrc -ne 0 ] && grep -q 'strategies/nope.lua: no such file (looked in $H/elsewhere and in the home $H/fresh)' '$H/nope.out' &&
           grep -q 'strategies/rsi_macd_reversal.lua' '$H/nope.out'"
echo '-- operator edit' >>"$H/fresh/strategies/rsi_macd_reversal.lua"
(cd "$H/elsewhere" && "$TRADEBOT" backtest --home "$H/fresh" --strategy strategies/rsi_macd_reversal.lua --days 2 >/dev/null 2>&1)
check "the home's own copy is used and never overwritten by the shipped one" \
  grep -q -- '-- operator edit' "$H/fresh/strategies/rsi_macd_reversal.lua"

# Two strategies over 3 sessions, with the report at a file of our choosing.
"$TRADEBOT" backtest --home "$H" --strategy "$SRC/strategies/rsi_macd_reversal.lua" \
  --strategy "$SRC/strategies/vwap_reversion.lua" --days 3 --report "$H/r.html" >"$H/bt.out" 2>&1
cat "$H/bt.out"
R="$H/r.html"
ntrades=$(($(wc -l <"$H/data/backtest/trades.csv") - 1))
check "the report is written where --report FILE says, and named on stdout" \
  bash -c "[ -s '$R' ] && grep -q '^report  *$R\$' '$H/bt.out'"
check "the report fetches nothing: no script, link, img or iframe with a URL, no @import" \
  bash -c "! grep -Eiq '<(script|link|img|iframe)[^>]*(src|href)=|@import|url\\(' '$R' && ! grep -Eiq 'https?://' '$R'"
for s in summary equity drawdown strategies symbols monthly daily trades; do
  check "the report has the $s section" grep -q "id=\"$s\"" "$R"
done
check "the report's trade count is trades.csv's ($ntrades)" \
  bash -c "[ \$(grep -c '<tr class=\"trade\">' '$R') -eq $ntrades ] && grep -q '<td id=\"trade-count\">$ntrades<' '$R'"
from=$(sed -n 2p "$H/data/backtest/equity.csv" | cut -c1-10)
to=$(tail -1 "$H/data/backtest/equity.csv" | cut -c1-10)
check "the report and the terminal name the period ($from .. $to, 3 sessions)" \
  bash -c "grep -q 'Period: <b>$from .. $to</b> (3 sessions)' '$R' && grep -q '^period  *$from .. $to (3 sessions)' '$H/bt.out'"
check "sharpe says how it is annualised, and that 3 sessions are too few" \
  bash -c "grep -q '^sharpe .*(daily returns, x sqrt(252))' '$H/bt.out' && grep -q 'too short for sharpe' '$H/bt.out' &&
           grep -q 'id=\"sharpe-note\">3 sessions: fewer than 20' '$R'"
check "one terminal line per strategy, whose trades add up to the total" \
  bash -c "a=\$(grep -o 'rsi_macd_reversal: [0-9]* trades' '$H/bt.out' | grep -o '[0-9]*') &&
           b=\$(grep -o 'vwap_reversion: [0-9]* trades' '$H/bt.out' | grep -o '[0-9]*') && [ \$((a + b)) -eq $ntrades ]"
# The per-strategy fees add up to the run's (every fill's commission is in a trade once the
# positions are flat: the backtest flattens at the close).
fees=$(awk '$1 == "fees" {print $2}' "$H/bt.out")
check "per-strategy fees add up to the run's fees ($fees)" \
  bash -c "grep -o '(fees [0-9.]*)' '$H/bt.out' | tr -d '()' |
           awk -v f='$fees' '{ s += \$2; n++ } END { d = s - f; exit !(n == 2 && d < 0.005 && d > -0.005) }'"
"$TRADEBOT" backtest --home "$H" --strategy "$SRC/strategies/rsi_macd_reversal.lua" --days 2 --json --report >"$H/bt.json" 2>"$H/bt.err"
check "--json keeps stdout JSON with the period and per-strategy figures; the default report is OUT/report.html" \
  bash -c "jq -e '.sessions == 2 and .sharpe_basis == \"daily returns, x sqrt(252)\" and (.per_strategy | has(\"rsi_macd_reversal\"))' '$H/bt.json' >/dev/null &&
           [ -s '$H/data/backtest/report.html' ] && grep -q 'report .*data/backtest/report.html' '$H/bt.err'"

if [ -x /usr/bin/chromium ] && command -v node >/dev/null; then
  npm_install "$B"
  node "$B/report.test.mjs" "$R" "$ntrades" "$ART" && ok "the report in headless Chromium" || fail "the report in headless Chromium"
else
  echo "skip the browser check (chromium or node missing: ./scripts/install.sh)"
fi
finish
