#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages), then builds tradebot into build/.
# Works as root or through sudo. Re-running it only builds what changed.
#   ./scripts/install.sh            packages + release build (build/)
#   ./scripts/install.sh --deps     packages only
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and run-time packages. Keep in step with docker/Dockerfile and docs/architecture.md.
PKGS=(
  build-essential cmake pkg-config git ca-certificates
  lua5.4 liblua5.4-dev lua-cjson lua-cjson-dev lua-busted lua-check
  libevent-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 libjansson-dev zlib1g-dev libedit-dev
  libxgboost-dev
  clang-format
)

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
[ "${1:-}" = "--deps" ] && exit 0

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
echo "install.sh: built build/tradebot"
