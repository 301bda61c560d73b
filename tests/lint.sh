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
    dirs=()
    for d in strategies scripts tests/lua; do [ -d "$d" ] && dirs+=("$d"); done
    luacheck --no-color -q "${dirs[@]}" ;;
  *) echo "usage: lint.sh format|lua" >&2; exit 2 ;;
esac
