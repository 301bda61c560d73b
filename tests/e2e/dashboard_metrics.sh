#!/usr/bin/env bash
# /metrics as Prometheus sees it: promtool accepts the exposition, and Debian's prometheus,
# scraping the running engine on loopback, has the series (checked through its HTTP API).
source "$(dirname "$0")/lib.bash"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
  { echo "prometheus missing: ./scripts/install.sh"; exit 1; }

mkdir -p "$H/config"
echo '{"dashboard": {"port": 0}, "replay": {"speed": 300, "days": 3}}' >"$H/config/trading_config.json"
start_engine
wait_for "grep -q 'dashboard listening' '$H/logs/trading_bot.log'" 10
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$H/logs/trading_bot.log" | head -1)
wait_for "curl -s '$url/metrics' | grep -q '^tradebot_fills_total [1-9]'" 60

curl -s "$url/metrics" >"$H/metrics.txt"
check "promtool check metrics accepts /metrics" bash -c "promtool check metrics <'$H/metrics.txt'"
check "the shipped prometheus.yml is valid" promtool check config "$TB_SOURCE_DIR/docker/prometheus/prometheus.yml"
check "/metrics answers in text format 0.0.4" \
  bash -c "curl -sI '$url/metrics' | grep -qi '^content-type: text/plain; version=0.0.4'"

pp=$(free_port)
cat >"$H/prometheus.yml" <<Y
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: tradebot
    static_configs: [ { targets: ["${url#http://}"] } ]
Y
prometheus --config.file="$H/prometheus.yml" --storage.tsdb.path="$H/prom" \
  --web.listen-address="127.0.0.1:$pp" --log.level=warn >"$H/prometheus.out" 2>&1 &
PROM_PID=$!
trap 'kill $PROM_PID 2>/dev/null; wait $PROM_PID 2>/dev/null; cleanup' EXIT
P="http://127.0.0.1:$pp"

# query EXPR: the first result's value, or empty
query() { curl -s --get "$P/api/v1/query" --data-urlencode "query=$1" |
  grep -o '"value":\[[0-9.]*,"[^"]*"\]' | head -1 | sed 's/.*,"\(.*\)"\]/\1/'; }
positive() { local v; v=$(query "$1"); [ -n "$v" ] && awk "BEGIN{exit !($v > 0)}"; }

check "prometheus scrapes the engine (up == 1)" wait_for '[ "$(query "up{job=\"tradebot\"}")" = 1 ]' 30
check "bars are counted" positive 'tradebot_bars_total'
check "bars per second are seen by rate()" wait_for "positive 'rate(tradebot_bars_total[5s])'" 20
check "fills are counted" positive 'tradebot_fills_total'
check "process memory is reported" positive 'process_resident_memory_bytes'
check "process CPU is reported" positive 'process_cpu_seconds_total'
check "the loop latency histogram has observations" positive 'tradebot_loop_latency_seconds_count'
check "a latency quantile can be computed" \
  bash -c "[ -n \"\$(curl -s --get '$P/api/v1/query' --data-urlencode 'query=histogram_quantile(0.99, tradebot_loop_latency_seconds_bucket)' | grep -o '\"value\"')\" ]"
check "equity is reported" positive 'tradebot_equity_dollars'
check "the paper broker is connected" positive 'tradebot_broker_connected{broker="paper"}'
check "data staleness per feed exists" bash -c "[ -n \"\$(curl -s --get '$P/api/v1/query' --data-urlencode 'query=tradebot_data_staleness_seconds{feed=\"replay\"}' | grep -o '\"value\"')\" ]"
check "rate-limit series exist at zero" \
  bash -c "curl -s --get '$P/api/v1/query' --data-urlencode 'query=tradebot_rate_limit_retries_total' | grep -q '\"0\"\]'"
# Every query of the Grafana boards parses in Prometheus and names only series the engine exports.
exprs=$(node -e '
  const fs = require("fs"), dir = process.argv[1];
  for (const f of fs.readdirSync(dir)) for (const p of JSON.parse(fs.readFileSync(dir + "/" + f)).panels)
    for (const t of p.targets) console.log(t.expr);' "$TB_SOURCE_DIR/docker/grafana/dashboards")
check "the three Grafana boards have queries" [ "$(wc -l <<<"$exprs")" -ge 15 ]
bad=""
while IFS= read -r e; do
  curl -s --get "$P/api/v1/query" --data-urlencode "query=$e" | grep -q '"status":"success"' || bad+=" [$e]"
  for m in $(grep -oE '(tradebot|process)_[a-z0-9_]+' <<<"$e" | sed -E 's/_(bucket|sum|count)$//'); do
    grep -q "^# TYPE $m " "$H/metrics.txt" || bad+=" [$m not exported]"
  done
done <<<"$exprs"
check "every Grafana query is valid and uses exported series${bad}" [ -z "$bad" ]
check "tb.engine.status() names the dashboard" [ "$(echo 'return tb.engine.status().dashboard' | repl)" = "\"$url/\"" ]
echo 'return tb.engine.kill_switch()' | repl >/dev/null
check "the kill switch from the REPL shows in /metrics" \
  bash -c "curl -s '$url/metrics' | grep -q '^tradebot_kill_switch_engaged 1'"
stop_engine || true
finish
