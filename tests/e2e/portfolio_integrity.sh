#!/usr/bin/env bash
# Issue 17: the three example strategies (long-only) never leave a short position anywhere, in
# `tradebot backtest` over 20 sample days and in `tradebot run` of the embedded default played
# at full speed: checked in the backtest report, in SQLite (every fill, replayed in order, per
# symbol and per strategy), on /api/positions and on /metrics. A strategy that sells more than
# it owns is refused with its reason in logs/enhanced_decision_log.jsonl.
# The run plays 5 days in the suite (about 40 s; the old code went to -80 in them);
# PORTFOLIO_RUN_DAYS=20 plays the default's 20 (about 3 minutes).
source "$(dirname "$0")/lib.bash"
S="$TB_SOURCE_DIR/strategies"

"$TRADEBOT" backtest --home "$H" --strategy "$S/rsi_macd_reversal.lua" \
  --strategy "$S/opening_range_breakout.lua" --strategy "$S/vwap_reversion.lua" \
  --days 20 --json >"$H/bt.json"
field() { python3 -c "import json,sys; j=json.load(open('$H/bt.json')); print(eval(sys.argv[1]))" "$1"; }
check "the backtest traded ($(field "j['fills']") fills)" [ "$(field "j['fills']")" -gt 100 ]
check "backtest: no account position ever short" [ "$(field "j['lowest_account_qty']")" -ge 0 ]
check "backtest: no strategy position ever short" [ "$(field "j['lowest_strategy_qty']")" -ge 0 ]
check "backtest: account = sum of strategies, no unallowed short" \
  [ "$(field "j['invariants']['account_equals_strategy_sum'] + j['invariants']['no_unallowed_short']")" = 0 ]

mkdir -p "$H/config" "$H/strategies"
cp "$S"/*.lua "$H/strategies/"
cat >"$H/strategies/oversell.lua" <<'LUA'
-- Buys 5 shares, then tries to sell 50: the engine must refuse the sale.
return {
  name = "oversell",
  on_bar = function(ctx, bar)
    local st = ctx.state
    st.n = (st.n or 0) + 1
    if st.n == 30 then ctx:buy{ qty = 5, reason = "small entry" } end
    if st.n == 40 then ctx:sell{ qty = 50, reason = "sell more than I own" } end
  end,
}
LUA
cat >"$H/config/trading_config.json" <<JSON
{"dashboard": {"port": 0}, "replay": {"speed": 0, "days": ${PORTFOLIO_RUN_DAYS:-5}},
 "strategies": [{"file": "strategies/rsi_macd_reversal.lua"},
                {"file": "strategies/opening_range_breakout.lua"},
                {"file": "strategies/vwap_reversion.lua"},
                {"file": "strategies/oversell.lua", "symbols": ["SPY"]}]}
JSON
start_engine
check "the replay finishes" wait_for "log_has 'replay finished'" 300
db="$H/ml_db/ml_data.db"
q() { sqlite3 "$db" "$1"; }
fills=$(q "select count(*) from oms_fills")
check "fills are committed ($fills)" [ "$fills" -gt 100 ]
# Every fill in commit order: the running position per symbol and per (strategy, symbol).
running="select sum(case f.side when 'buy' then f.qty else -f.qty end) over
  (partition by %s order by f.rowid) as q from oms_fills f join oms_orders o using (client_id)"
low_acct=$(q "select coalesce(min(q), 0) from ($(printf "$running" "f.symbol"))")
low_strat=$(q "select coalesce(min(q), 0) from ($(printf "$running" "o.strategy, f.symbol"))")
check "run: no symbol was ever short (lowest $low_acct)" [ "$low_acct" -ge 0 ]
check "run: no strategy was ever short (lowest $low_strat)" [ "$low_strat" -ge 0 ]
check "run: persisted strategy positions sum to the account's" [ "$(q "select count(*) from
  oms_positions p where p.qty != (select coalesce(sum(s.qty), 0) from oms_strategy_positions s
  where s.symbol = p.symbol)")" = 0 ]
check "run: every fill belongs to a strategy" \
  [ "$(q "select count(*) from oms_fills f join oms_orders o using (client_id) where coalesce(o.strategy, '') = ''")" = 0 ]
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | head -1)
curl -s "$url/api/positions" >"$H/positions.json"
check "/api/positions: net and per-strategy, never short, owners sum to the net" python3 - "$H/positions.json" <<'PY'
import json, sys
ps = json.load(open(sys.argv[1]))
for p in ps:
    assert p["qty"] >= 0, p
    assert all(s["qty"] >= 0 for s in p["strategies"]), p
    assert sum(s["qty"] for s in p["strategies"]) == p["qty"], p
PY
curl -s "$url/metrics" >"$H/metrics.txt"
check "/metrics: invariant counters present and 0" bash -c \
  "grep -q '^tradebot_invariant_violations_total{invariant=\"account_equals_strategy_sum\"} 0$' '$H/metrics.txt' &&
   grep -q '^tradebot_invariant_violations_total{invariant=\"no_unallowed_short\"} 0$' '$H/metrics.txt'"
check "/metrics: no negative net or strategy position" bash -c \
  "! grep -E '^tradebot_(strategy_)?position_shares\{.*\} -' '$H/metrics.txt'"
dec="$H/logs/enhanced_decision_log.jsonl"
check "the oversell is refused with its reason in the decision log" python3 - "$dec" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
bad = [r for r in rows if r["strategy"] == "oversell" and r["side"] == "sell"]
assert bad and all(r["verdict"] == "refused" and r["gate"] == "ownership" for r in bad), bad
assert "the strategy owns 5" in bad[0]["why"], bad[0]
PY
check "the refusal is in the engine log" log_has "refused: oversell sell 50 SPY"
check "no invariant violation was logged" bash -c "! grep -q 'INVARIANT VIOLATED' '$H/logs/trading_bot.log'"
stop_engine || true
finish
