#!/usr/bin/env bash
# Builds and runs every test: the release build (warnings are errors) runs all of ctest; a second
# build under AddressSanitizer and UndefinedBehaviorSanitizer runs the C unit tests again.
# Run ./scripts/install.sh first (the README's test command does both).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTB_WERROR=ON -DTB_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== sanitizer build: C unit tests"
(cd build-asan && ctest -L unit -j"$jobs" --output-on-failure --timeout 600)
echo "== release build: all tests"
cd build && ctest -j"$jobs" --output-on-failure --timeout 900
