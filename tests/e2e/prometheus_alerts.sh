#!/usr/bin/env bash
# The shipped alerting rules (docker/prometheus/alerts.yml): promtool accepts them, each alert
# fires on synthetic series when it should and not before (tests/prometheus/alerts_test.yml),
# every series they read is one the engine's /metrics really exports, and the Alertmanager
# configuration is valid and routes critical alerts to its receiver (amtool).
source "$(dirname "$0")/lib.bash"
command -v promtool >/dev/null || { echo "promtool missing: ./scripts/install.sh"; exit 1; }
command -v amtool >/dev/null || { echo "amtool missing (prometheus-alertmanager): ./scripts/install.sh"; exit 1; }
SRC=${TB_SOURCE_DIR:?}
RULES="$SRC/docker/prometheus/alerts.yml"

check "promtool check rules accepts alerts.yml" promtool check rules "$RULES"
check "the shipped prometheus.yml loads alerts.yml and points at alertmanager" \
  bash -c "promtool check config '$SRC/docker/prometheus/prometheus.yml' | grep -q '1 rule files found' &&
           grep -q 'alertmanager:9093' '$SRC/docker/prometheus/prometheus.yml'"
sed "s#ALERTS_YML#$RULES#" "$SRC/tests/prometheus/alerts_test.yml" >"$H/alerts_test.yml"
check "promtool test rules: every alert fires on its synthetic series, and only then" \
  bash -c "promtool test rules '$H/alerts_test.yml' >'$H/promtool.out' 2>&1 || { cat '$H/promtool.out'; exit 1; }"
for a in TradebotDown TradebotNotScraped BrokerDisconnected FeedStale KillSwitchEngaged \
  DailyLossLimitHit ReconciliationDifference HealerApprovalWaiting DiskFilling \
  PortfolioInvariantViolated PositionDifferencePersists; do
  check "alert $a is defined and tested" \
    bash -c "grep -q 'alert: $a\$' '$RULES' && grep -q 'alertname: $a\$' '$SRC/tests/prometheus/alerts_test.yml'"
done

# Every tradebot_* series the rules read is in the running engine's /metrics (a renamed metric
# would leave an alert that can never fire). The reconciliation counter exists with a real
# broker (alpaca, ibkr) only, as does the position difference gauge: the paper run here checks
# their names in the unit test instead (tests/e2e/alpaca_posdiff.sh reads the gauge live).
mkdir -p "$H/config"
echo '{"dashboard": {"port": 0}, "replay": {"speed": 300, "days": 3}}' >"$H/config/trading_config.json"
start_engine
wait_for "grep -q 'dashboard listening' '$H/logs/trading_bot.log'" 20
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | head -1)
wait_for "curl -s '$url/metrics' | grep -q '^tradebot_bars_total [1-9]'" 60
curl -s "$url/metrics" >"$H/metrics.txt"
for m in $(grep -o 'tradebot_[a-z0-9_]*' "$RULES" | sort -u); do
  case $m in tradebot_reconcile_differences_total | tradebot_position_differences) continue ;; esac
  check "/metrics exports $m, which alerts.yml reads" grep -q "^$m[{ ]" "$H/metrics.txt"
done
free=$(awk '/^tradebot_home_disk_free_bytes /{print $2}' "$H/metrics.txt")
want=$(df -B1 --output=avail "$H" | tail -1)
check "the home's free bytes are the file system's (df: $want, /metrics: $free)" \
  bash -c "[ -n '$free' ] && awk -v a='$free' -v b='$want' 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e9) }'"
check "no Healer change waiting in a fresh home" grep -q '^tradebot_healer_pending_approvals 0$' "$H/metrics.txt"
mkdir -p "$H/data"
echo '{"directives": [{"id": "d1", "status": "Executed"}, {"id": "d2", "status": "Queued"},
  {"id": "d3", "status": "Executed"}, {"id": "d4", "status": "Promoted"}]}' >"$H/data/healer_active_directives.json"
check "two Executed directives are two pending approvals" \
  bash -c "curl -s '$url/metrics' | grep -q '^tradebot_healer_pending_approvals 2$'"
check "the daily loss limit is not hit in a calm replay" grep -q '^tradebot_daily_loss_halted 0$' "$H/metrics.txt"
stop_engine || true

AM="$SRC/docker/alertmanager/alertmanager.yml"
check "amtool check-config accepts alertmanager.yml" amtool check-config "$AM"
# The check is not vacuous: a route to a receiver that does not exist is refused.
sed 's/^  receiver: webhook$/  receiver: nobody/' "$AM" >"$H/am_bad.yml"
check "amtool check-config refuses a route to an undefined receiver" \
  bash -c "! amtool check-config '$H/am_bad.yml' >/dev/null 2>&1 && grep -q 'receiver: nobody' '$H/am_bad.yml'"
check "a critical alert routes to the example webhook receiver" \
  bash -c "[ \"\$(amtool config routes test --config.file='$AM' severity=critical alertname=KillSwitchEngaged 2>/dev/null)\" = webhook ]"
check "yamllint accepts the alerting files" yamllint -d "{extends: default, rules: {line-length: {max: 110}, document-start: disable, comments: {min-spaces-from-content: 1}}}" \
  "$RULES" "$SRC/docker/alertmanager/alertmanager.yml" "$SRC/docker/prometheus/prometheus.yml"
finish
