#!/usr/bin/env bash
# The ibkr feed's backfill when the Gateway's history service misbehaves, against the IB Gateway
# emulator (loopback), on the feed's own data-only connection (paper broker):
# - a historical request answered with an error other than 162/366 (354 not subscribed) ends its
#   chunk: the symbol's held minutes follow and every later minute reaches strategies;
# - a backfill that waits long (a slow history farm) while more than 16 real-time minutes close:
#   no minute is lost, the oldest come from history instead (the backfill's end moves);
# - a historical request that is never answered is abandoned after 60 s: the symbol's held
#   minutes follow and its later minutes flow again.
# Every check compares the bars the engine delivered with the emulator's series over the same
# stretch. The wall clock is shifted into a market minute (TRADEBOT_CLOCK_START).
source "$(dirname "$0")/lib.bash"

export TRADEBOT_CLOCK_START=$((1796049000 + 20 * 60)) # Monday 2026-11-30 09:50 ET

start_node_emu ibgw_emu.js --port 0 --tick-ms 20 \
  --data-open 2026-11-30T14:30:00Z
expected() { emu "expected?symbols=AAPL,MSFT" | sed -nE 's/.*"bars":([0-9]+).*/\1/p'; }
# The bars delivered since mark() equal the series' minutes since then.
mark() { B0=$(metric tradebot_bars_total); E0=$(expected); }
all_since_mark() { [ $(($(metric tradebot_bars_total) - B0)) = $(($(expected) - E0)) ]; }

mkdir -p "$H/config"
# the watchdog and the no-minute backfill timer stay out of the way: only the faults act here
cat >"$H/config/trading_config.json" <<JSON
{"feed": "ibkr", "broker": "paper", "symbols": ["AAPL", "MSFT"],
 "dashboard": {"port": 0}, "risk": {"survival": {"stale": "ignore"}},
 "ibkr": {"host": "127.0.0.1", "port": $PORT, "client_id": 3, "feed_client_id": 40,
          "reconnect_min_seconds": 0.2, "reconnect_max_seconds": 1,
          "feed_stale_after_s": 0, "feed_backfill_after_s": 3600}}
JSON

emu "data_advance?minutes=6" >/dev/null # 09:30..09:35 before the engine starts
start_engine
wait_for "log_has 'ibkr feed: subscribed to real-time bars of 2 symbols'" 20
wait_for "[ \"\$(emu_stat rt_active)\" = 2 ]" 10
URL=$(dashboard_url)

echo "--- an error answer to a historical request"
emu "hist_error?code=354&n=1" >/dev/null
emu "data_advance?minutes=1" >/dev/null # 09:36: both symbols' first minute: backfills from the open
check "the 354 answer is logged and its chunk ended" \
  wait_for "log_has 'ibkr feed: 354 for request 700000000'" 10
wait_for "[ \$(count_log 'ibkr feed: backfilled ') -ge 1 ]" 10
check "and counted (hist_errors)" [ "$(feed_stat hist_errors)" = 1 ]
sleep 0.5
mark
emu "data_advance?minutes=3" >/dev/null # 09:37..09:39
check "after it, every new minute of both symbols reaches strategies" wait_for all_since_mark 10

echo "--- a backfill waiting while more than 16 minutes close"
mark
emu hist_hold >/dev/null
emu restored_lost >/dev/null # 1101: resubscribe, then backfill
wait_for "[ \$(count_log 'ibkr feed: resubscribed to real-time bars') -ge 1 ]" 10
wait_for "[ \"\$(emu_stat rt_active)\" = 2 ]" 10
emu "data_advance?minutes=1" >/dev/null # 09:40: the backfills are asked for and held
wait_for "[ \"\$(emu_stat hist_held)\" = 2 ]" 10
emu "data_advance?minutes=22" >/dev/null # 09:41..10:02 close while the backfills wait
check "outgrowing the held minutes is logged" \
  wait_for "log_has 'more than 16 minutes wait for its backfill: the oldest come from history instead'" 10
emu hist_release >/dev/null
check "no minute is lost: the oldest held ones come from history" wait_for all_since_mark 15
check "the minutes fetched instead are counted (held_refetched $(feed_stat held_refetched))" \
  [ "$(feed_stat held_refetched)" -ge 7 ]
check "nothing was delivered twice (no corrections)" [ "$(feed_stat backfill_corrected)" = 0 ]

echo "--- a historical request never answered (60 s)"
mark
emu "hist_drop?n=1" >/dev/null
emu restored_lost >/dev/null
wait_for "[ \$(count_log 'ibkr feed: resubscribed to real-time bars') -ge 2 ]" 10
wait_for "[ \"\$(emu_stat rt_active)\" = 2 ]" 10
emu "data_advance?minutes=1" >/dev/null # 10:03
wait_for "[ \"\$(emu_stat hist_dropped)\" = 1 ]" 10
emu "data_advance?minutes=2" >/dev/null # 10:04, 10:05: held for the unanswered symbol
check "the unanswered request is abandoned after 60 s and logged" \
  wait_for "grep -qE 'ibkr feed: historical request [0-9]+ \\([A-Z]+, [0-9]+ S ending [0-9: -]+\\) unanswered for 6[0-9] s: abandoned' '$H/logs/trading_bot.log'" 80
check "and counted (hist_timeouts)" [ "$(feed_stat hist_timeouts)" = 1 ]
check "its held minutes follow: every minute since arrived" wait_for all_since_mark 5
mark
emu "data_advance?minutes=2" >/dev/null # 10:06, 10:07
check "and its minutes flow again" wait_for all_since_mark 10
check "the historical pacer never made the Gateway answer 162" [ "$(emu_stat hist_162_pacing)" = 0 ]
stop_engine || true
finish
