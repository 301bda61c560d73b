#!/usr/bin/env bash
# Emulator fidelity: the vendors' official SDKs (npm, pinned in tests/emu/package-lock.json)
# drive the emulators the adapters are tested against, so the emulators cannot drift from the
# real protocols unnoticed. Installs the SDKs itself with `npm ci`.
source "$(dirname "$0")/lib.bash"
cd "$TB_SOURCE_DIR/tests/emu"
npm_install "$(pwd)"
check "the pinned SDKs are installed" test -d node_modules/@alpacahq/alpaca-trade-api
check "@alpacahq/alpaca-trade-api drives the Alpaca emulator (REST + trade_updates)" \
  bash -c "timeout 120 node sdk_alpaca.js"
check "@stoqey/ib connects to the IB Gateway emulator, places, fills and cancels orders, and decodes its real-time and historical bars" \
  bash -c "timeout 120 node sdk_ib.js"
finish
