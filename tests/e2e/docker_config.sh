#!/usr/bin/env bash
# The Docker stack's files are valid and safe, checked without a Docker engine: the compose file
# passes Debian's docker-compose config and yamllint, every image is pinned, the IB API and VNC
# are never published beyond 127.0.0.1, secrets come from files and .env (never inline), and the
# Dockerfile builds with the same install script the README and the tests use.
source "$(dirname "$0")/lib.bash"
SRC=${TB_SOURCE_DIR:?}
cp -r "$SRC/docker" "$H/docker"
cd "$H/docker"
cp .env.example .env
sed -i 's/^TWS_USERID=/TWS_USERID=demo/; s/^VNC_PASSWORD=/VNC_PASSWORD=demo/' .env

check "docker-compose config accepts the compose file" bash -c "docker-compose config >'$H/resolved.yml' 2>'$H/compose.err'"
[ -s "$H/compose.err" ] && cat "$H/compose.err"
check "yamllint accepts the compose file" \
  yamllint -d "{extends: default, rules: {line-length: {max: 110}, document-start: disable, comments: {min-spaces-from-content: 1}}}" docker-compose.yml

images=$(grep -E '^\s+image:' docker-compose.yml | grep -v 'tradebot:local' | awk '{print $2}')
unpinned=$(echo "$images" | grep -Ev ':v?[0-9][^ ]*$' || true)
check "every third-party image is pinned to a version ($(echo $images | wc -w) images)" [ -z "$unpinned" ]

check "the IB API is published only on 127.0.0.1:4002 -> ib-gateway:4004" grep -q '"127.0.0.1:4002:4004"' docker-compose.yml
check "VNC 5900 is not published at all" bash -c "! grep -qE '5900:' docker-compose.yml"
check "noVNC 6080 is published only on 127.0.0.1" bash -c "grep -E '6080:6080' docker-compose.yml | grep -q '127.0.0.1:6080:6080'"
check "no published port binds all interfaces by default" \
  bash -c "! grep -E 'host_ip: 0\\.0\\.0\\.0|published: .*' '$H/resolved.yml' | grep -q '0.0.0.0'"
check "every published port names 127.0.0.1 or PUBLISH_ADDRESS (default 127.0.0.1)" \
  bash -c "grep -E '^\s+- \"[^\"]*:[0-9]+:[0-9]+\"' docker-compose.yml | grep -vqE '127\\.0\\.0\\.1|PUBLISH_ADDRESS:-127\\.0\\.0\\.1' && exit 1 || exit 0"
check "passwords come from secret files, not inline values" \
  bash -c "! grep -E '^ +[A-Z_]*(PASSWORD|SECRET|TOKEN)[A-Z_]*: *[^$/ ][^ ]*$' docker-compose.yml | grep -v '_FILE:' | grep -q ."
check "the Gateway health check probes the Gateway (4002), not socat (4004)" \
  grep -q '/dev/tcp/127.0.0.1/4002' docker-compose.yml
check "Prometheus gets the alerting rules and Alertmanager binds 127.0.0.1:9093 only" \
  bash -c "grep -q 'prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro' docker-compose.yml &&
           grep -q '\"127.0.0.1:9093:9093\"' docker-compose.yml &&
           grep -q 'alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro' docker-compose.yml"
check "the runbook's container names exist (trading-bot, ib-gateway)" \
  bash -c "grep -q 'container_name: trading-bot' docker-compose.yml && grep -q 'container_name: ib-gateway' docker-compose.yml"
check ".env and secrets are ignored by git" \
  bash -c "cd '$SRC' && git check-ignore -q docker/.env && git check-ignore -q docker/secrets/tws_password"
check "the Dockerfile builds with scripts/install.sh (the README's command) and runs as non-root" \
  bash -c "grep -q 'RUN ./scripts/install.sh' Dockerfile && grep -q 'install.sh --runtime' Dockerfile && grep -q '^USER tradebot' Dockerfile"
check "the image ships what the engine reads from its home: strategies, scripts, the dashboard's pages" \
  bash -c "grep -q 'COPY .*strategies /srv/tradebot/strategies' Dockerfile && grep -q 'COPY .*scripts /srv/tradebot/scripts' Dockerfile && grep -q 'COPY .*web /srv/tradebot/web' Dockerfile"
check "the image's health check is tradebot health" grep -q 'CMD \["tradebot", "health"\]' Dockerfile

# The engine's settings in the compose profile (docker/config/trading_config.json) match the
# Gateway's: the relay port inside the network, its own client id, the daily restart.
E="$H/engine"
mkdir -p "$E/config" && cp config/trading_config.json "$E/config/" && cp -r "$SRC/strategies" "$E/"
check "the compose profile's engine configuration is valid" "$TRADEBOT" check --home "$E"
jqc() { jq -r "$1" config/trading_config.json; }
check "the engine reaches the Gateway at ib-gateway:4004 (socat's paper relay), not 4002" \
  bash -c "[ \"$(jqc .ibkr.host):$(jqc .ibkr.port)\" = ib-gateway:4004 ]"
check "the engine has its own client id, not the health check's" bash -c "[ '$(jqc .ibkr.client_id)' -gt 0 ]"
restart=$(grep '^IB_AUTO_RESTART_TIME=' .env.example | cut -d= -f2)
zone=$(grep '^IB_TIME_ZONE=' .env.example | cut -d= -f2)
restart24=$(date -u -d "2000-01-01 $restart" +%H:%M)
check "the engine's restart window is the Gateway's daily restart ($restart $zone = $(jqc .ibkr.restart_time) $(jqc .ibkr.restart_zone))" \
  bash -c "[ '$restart24' = '$(jqc .ibkr.restart_time)' ] && [ '$zone' = '$(jqc .ibkr.restart_zone)' ]"
check "the dashboard listens on all interfaces inside the container only (published on 127.0.0.1)" \
  bash -c "[ '$(jqc .dashboard.bind)' = 0.0.0.0 ] && grep -q 'PUBLISH_ADDRESS:-127.0.0.1}:8501:8501' docker-compose.yml"

# scripts/cleanup_docker.sh against a stand-in docker that records what it is asked to do.
mkdir -p "$H/bin"
cat >"$H/bin/docker" <<'FAKE'
#!/usr/bin/env bash
echo "$*" >>"$FAKE_DOCKER_LOG"
case "$1 $*" in
  images*--quiet*) echo "sha256:dead1" ;;
  ps*--quiet*) echo "c0ffee1"; echo "c0ffee2" ;;
  images*) echo "  dead1 3 weeks ago 1.2GB" ;;
  ps*) echo "  c0ffee1 old-run Exited (0)" ;;
esac
FAKE
chmod +x "$H/bin/docker"
export FAKE_DOCKER_LOG="$H/docker.log"
out=$(PATH="$H/bin:$PATH" "$SRC/scripts/cleanup_docker.sh" --dry-run)
check "cleanup --dry-run lists dangling images and stopped containers" \
  bash -c "grep -q 'dangling images: 1' <<<'$out' && grep -q 'stopped containers: 2' <<<'$out'"
check "cleanup --dry-run removes nothing" bash -c "! grep -qE '^(rm|rmi) ' '$H/docker.log'"
PATH="$H/bin:$PATH" "$SRC/scripts/cleanup_docker.sh" >/dev/null
check "cleanup removes exactly the stopped containers and dangling images" \
  bash -c "grep -qx 'rm c0ffee1 c0ffee2' '$H/docker.log' && grep -qx 'rmi sha256:dead1' '$H/docker.log'"
check "the systemd unit runs tradebot run as its own user and reloads with SIGHUP" \
  bash -c "grep -q '^ExecStart=/usr/local/bin/tradebot run' '$SRC/docker/tradebot.service' && grep -q '^User=tradebot' '$SRC/docker/tradebot.service' && grep -q 'kill -HUP' '$SRC/docker/tradebot.service'"
if command -v systemd-analyze >/dev/null && [ -x /usr/local/bin/tradebot ]; then
  check "systemd-analyze verifies the unit" systemd-analyze verify "$SRC/docker/tradebot.service"
fi
finish
