#!/usr/bin/env bash
# The engine trades: `tradebot run` on sample data sends orders through the paper broker, logs
# every decision with its reason and commits every fill to SQLite; `tradebot backtest` runs the
# same path at full speed, deterministically.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
echo '{"replay": {"speed": 0, "days": 2}}' >"$H/config/trading_config.json"
start_engine
check "the replay finishes" wait_for "log_has 'replay finished'" 60
check "sessions are reported with orders and fills" grep -qE "session 2026-01-05 ended: bars=[0-9]+ orders=[1-9][0-9]* fills=[1-9]" "$H/logs/trading_bot.log"
dec="$H/logs/enhanced_decision_log.jsonl"
check "every decision is one JSON line with a reason" \
  bash -c "[ \$(wc -l <'$dec') -gt 10 ] && ! grep -v '\"reason\":\"[^\"]' '$dec' | grep -q ."
fills=$(sqlite3 "$H/ml_db/ml_data.db" "select count(*) from oms_fills" 2>/dev/null || echo 0)
check "fills are committed to ml_db/ml_data.db ($fills)" [ "$fills" -gt 10 ]
out=$(echo 'return #tb.engine.strategies()' | repl) || true
check "the three example strategies run" [ "$out" = 3 ]
stop_engine || true

S="$TB_SOURCE_DIR/strategies"
"$TRADEBOT" backtest --home "$H" --strategy "$S/opening_range_breakout.lua" --days 5 --json >"$H/a.json"
"$TRADEBOT" backtest --home "$H" --strategy "$S/opening_range_breakout.lua" --days 5 --json >"$H/b.json"
check "two backtests with the same inputs give identical output" cmp -s "$H/a.json" "$H/b.json"
check "the report has trades, win rate, P&L, drawdown, Sharpe, exposure and fees" \
  bash -c "for k in trades win_rate pnl max_drawdown sharpe exposure fees; do grep -q \"\\\"\$k\\\"\" '$H/a.json' || exit 1; done"
check "the backtest traded" bash -c "! grep -q '\"trades\": 0,' '$H/a.json'"
check "equity and trades are written as CSV" \
  bash -c "head -1 '$H/data/backtest/equity.csv' | grep -q '^time,equity' && [ \$(wc -l <'$H/data/backtest/trades.csv') -gt 1 ]"
"$TRADEBOT" backtest --home "$H" --strategy "$S/vwap_reversion.lua" --from 2026-02-02 --to 2026-02-06 --json >/dev/null
check "--from and --to bound the equity curve" \
  bash -c "sed -n 2p '$H/data/backtest/equity.csv' | grep -q '^2026-02-02T' && tail -1 '$H/data/backtest/equity.csv' | grep -q '^2026-02-06T'"
out=$("$TRADEBOT" backtest --home "$H" --strategy /nonexistent.lua 2>&1) && rc=0 || rc=$?
check "a missing strategy file fails" [ "$rc" -ne 0 ]
check "a missing strategy file is named in the error" grep -q '/nonexistent.lua: no such file' <<<"$out"
finish
