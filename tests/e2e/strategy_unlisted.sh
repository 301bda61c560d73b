#!/usr/bin/env bash
# A strategy file dropped into strategies/ that the configuration does not name: the log says
# it does not run and what to add; once the configuration names it, it loads and runs.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
echo '{"replay": {"speed": 3000, "days": 2}, "dashboard": {"enabled": false}}' >"$H/config/trading_config.json"
start_engine
wait_for "log_has 'strategy loaded: name=rsi_macd_reversal'" 20
printf 'return {name = "dropped", on_bar = function(ctx, bar) end}\n' >"$H/strategies/dropped.lua"
check "an unlisted strategy file is named in the log with what to add" \
  wait_for "log_has 'strategies/dropped.lua is not in the configuration, so it does not run: add {\"file\": \"strategies/dropped.lua\"} to \"strategies\" in config/trading_config.json'" 20
check "and it does not run" \
  bash -c "[ \"\$(echo 'return tb.engine.status().strategies' | '$TRADEBOT' repl --home '$H')\" = 3 ]"
jq '.strategies += [{"file": "strategies/dropped.lua"}]' "$H/config/trading_config.json" >"$H/cfg.tmp"
mv "$H/cfg.tmp" "$H/config/trading_config.json"
check "once the configuration names it, it loads" \
  wait_for "log_has 'strategy loaded: name=dropped file=strategies/dropped.lua'" 20
stop_engine || true
finish
