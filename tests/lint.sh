#!/usr/bin/env bash
# Style checks run by ctest: `lint.sh format` (clang-format) or `lint.sh lua` (luacheck).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  format)
    mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null ||
                         find core tests bench -name '*.[ch]')
    [ ${#files[@]} -gt 0 ] || { echo "no C files"; exit 0; }
    clang-format --dry-run -Werror "${files[@]}"
    echo "clang-format: ${#files[@]} files clean" ;;
  lua)
    luacheck --no-color -q strategies scripts tests/lua config 2>/dev/null || luacheck --no-color -q strategies scripts tests/lua
    ;;
  *) echo "usage: lint.sh format|lua" >&2; exit 2 ;;
esac
