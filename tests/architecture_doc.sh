#!/usr/bin/env bash
# docs/architecture.md describes the tree as it is: every folder of core/ has a row in its Layout
# table, every path the table names exists, and every submodule core/lua/tb_module.c opens has
# a row in its `tb` table.
set -euo pipefail
cd "${TB_SOURCE_DIR:-$(dirname "$0")/..}"
doc=docs/architecture.md
fail=0

# First column of the Layout table: "core/a/, core/b/" or "tests/unit/" or "core/main.c, core/cli/".
named=$(awk '/^## Layout/ {on = 1; next} on && /^## / {exit} on && /^\| [a-z]/' "$doc" |
  cut -d'|' -f2 | tr ',' '\n' | sed 's/^ *//; s/ *$//' | grep -v '^$' | grep -vx folder)
while read -r p; do
  [ -e "$p" ] || { echo "$doc: the Layout table names $p, which does not exist"; fail=1; }
done <<<"$named"
for d in core/*/; do
  grep -qxF "$d" <<<"$named" || { echo "$doc: $d has no row in the Layout table"; fail=1; }
done

# The tb table: one row "| tb.<name> |" per submodule in tb_module.c.
for m in $(grep -o '^ *{"[a-z_]*", tbl_open_' core/lua/tb_module.c | cut -d'"' -f2 | sort -u); do
  grep -q "^| tb\.$m |" "$doc" || { echo "$doc: tb.$m (core/lua/tb_module.c) has no row in the tb table"; fail=1; }
done
[ $fail -eq 0 ] && echo "architecture.md: $(wc -l <<<"$named") paths in the Layout table, all real; every core/ folder and tb submodule described"
exit $fail
