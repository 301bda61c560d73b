#!/usr/bin/env bash
# A restart on the embedded default (replayed sample data) says what it does and does not look
# dead: the bars played before the restart are caught up at full speed, not paced (they only
# warm indicators; strategies trade after the resume point), the log says "catching up to
# <time> (N bars)" and "caught up", status shows catching_up, orders resume soon after, and the
# account's fees and realised P&L on /api/account are the database's on both sides of a clean
# restart and of a kill -9.
source "$(dirname "$0")/lib.bash"

mkdir -p "$H/config"
# 1000x: a session is ~25 s paced; the seen part is at least one session, so a paced catch-up
# would take that long again.
echo '{"replay": {"speed": 1000, "days": 4}, "reload": {"enabled": false},
       "dashboard": {"port": 0}}' >"$H/config/trading_config.json"
DB="$H/ml_db/ml_data.db"
q() { sqlite3 "$DB" "$1"; }
url() { echo 'return tb.engine.status().dashboard' | repl | tr -d '"'; }
# fees and realised P&L (micro-dollars) as the database holds them, and as /api/account shows.
db_fig() { q "select coalesce(sum(fees),0) || ' ' || coalesce(sum(realized_pnl),0) from oms_positions"; }
api_fig() {
  curl -s "${URL}api/account" | jq -r '"\((.fees * 1e6 | round)) \((.realized_pnl * 1e6 | round))"'
}
# The API's figures when the database did not change around the request (no fill in between).
api_equals_db() {
  local i d1 a d2
  for i in $(seq 100); do
    d1=$(db_fig); a=$(api_fig); d2=$(db_fig)
    if [ "$d1" = "$d2" ]; then
      echo "api=$a db=$d1"
      [ "$a" = "$d1" ]
      return
    fi
    sleep 0.1
  done
  return 1
}
orders() { q "select count(*) from oms_orders"; }
caught_up_count() { grep -c 'caught up: ' "$H/logs/trading_bot.log" || true; }

start_engine
URL=$(url)
check "the first run trades a whole session (fills, realised P&L)" \
  wait_for "log_has 'ended: bars=' && [ \"\$(q 'select count(*) from oms_fills')\" -gt 10 ]" 120
check "fees and realised P&L on /api/account are the database's" api_equals_db
check "fees are not zero" [ "$(db_fig | cut -d' ' -f1)" != 0 ]

for how in clean kill9; do
  if [ $how = clean ]; then stop_engine || true; else
    kill -9 "$ENGINE_PID"; wait "$ENGINE_PID" 2>/dev/null || true; ENGINE_PID=""
    rm -f "$H/run/tradebot.sock"
  fi
  before_orders=$(orders)
  before_caught=$(caught_up_count)
  t0=$(date +%s.%N)
  start_engine
  URL=$(url)
  check "$how restart: the log says what it catches up" \
    wait_for "grep -qE 'catching up to [0-9T:.-]+Z \([0-9]+ bars\)' '$H/logs/trading_bot.log'" 10
  check "$how restart: it is caught up within 15 s (full speed, not paced)" \
    wait_for "[ \"\$(caught_up_count)\" -gt $before_caught ]" 15
  echo "  caught up after $(echo "$(date +%s.%N) - $t0" | bc) s: $(grep 'caught up: ' "$H/logs/trading_bot.log" | tail -1)"
  check "$how restart: the restored line the runbook greps is still there" log_has 'restored after restart: positions='
  check "$how restart: status says it is no longer catching up" \
    [ "$(echo 'return tb.engine.status().catching_up' | repl)" = false ]
  check "$how restart: /api/status has catching_up" \
    [ "$(curl -s "${URL}api/status" | jq -r '.catching_up, .feed.catching_up' | tr '\n' ' ')" = "false false " ]
  check "$how restart: fees and realised P&L on /api/account are the database's" api_equals_db
  check "$how restart: new orders within 60 s of catching up" \
    wait_for "[ \"\$(orders)\" -gt $before_orders ]" 60
done
stop_engine || true
finish
