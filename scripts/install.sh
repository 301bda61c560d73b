#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages), then builds tradebot into build/.
# Works as root or through sudo. Re-running it only builds what changed.
#   ./scripts/install.sh            packages + release build (build/)
#   ./scripts/install.sh --deps     packages only
#   ./scripts/install.sh --runtime  only what the built engine needs to run (the Docker image)
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and run-time packages. Keep in step with docker/Dockerfile and docs/architecture.md.
PKGS=(
  build-essential cmake pkg-config git ca-certificates curl
  lua5.4 liblua5.4-dev lua-cjson lua-cjson-dev lua-busted lua-check
  libevent-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libjansson-dev zlib1g-dev libedit-dev
  clang-format docker-compose yamllint rclone
  jq
  # tests: Prometheus scraping the engine, amtool checking the Alertmanager configuration, the
  # dashboard in a headless browser (its reference screenshots are drawn in DejaVu Sans)
  prometheus prometheus-alertmanager chromium fonts-dejavu-core fonts-dejavu-extra
  # tests: a single-node Slurm running a sweep's job array (tests/e2e/sweep_slurm.sh)
  slurm-wlm munge
  libssl-dev libwslay-dev clang libclang-rt-14-dev
  libxgboost-dev
)

# The browser and SDK tests run on Node.js: use the machine's, else Debian's.
command -v node >/dev/null && command -v npm >/dev/null || PKGS+=(nodejs npm)

# What a built tradebot needs at run time (the Docker image's run stage installs only these).
RUNTIME_PKGS=(
  ca-certificates lua5.4 liblua5.4-0 lua-cjson libevent-2.1-7 libevent-extra-2.1-7
  libevent-openssl-2.1-7 libssl3 libwslay1 libcurl4 libsqlite3-0 sqlite3 libjansson4 zlib1g
  libedit2 libxgboost0 git rclone
)
[ "${1:-}" = "--runtime" ] && PKGS=("${RUNTIME_PKGS[@]}")

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
case "${1:-}" in --deps|--runtime) exit 0 ;; esac

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
echo "install.sh: built build/tradebot"
