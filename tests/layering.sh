#!/usr/bin/env bash
# The folders of core/ form layers: a file may include headers of its own folder and of folders
# on lower rows, never of its row's peers or of a higher row. The rows are written once, in the
# "layers" block of docs/architecture.md (top first); this script derives the folder graph from
# the #include lines of core/ and fails on an upward or sideways edge, on a cycle, and on a
# folder the block does not place.
set -euo pipefail
cd "${TB_SOURCE_DIR:-$(dirname "$0")/..}"

rows=$(awk '/^```layers$/ {on = 1; next} on && /^```/ {exit} on' docs/architecture.md)
[ -n "$rows" ] || { echo "docs/architecture.md: no \`\`\`layers block" >&2; exit 1; }
declare -A rank
n=0
while read -r line; do
  [ -n "$line" ] || continue
  n=$((n + 1))
  for f in $line; do rank[$f]=$n; done # row 1 is the top
done <<<"$rows"

# "from to file:line" for every include that crosses folders.
edges=$(grep -rn --include='*.[ch]' '^#include "[a-z_]*/' core |
  sed -E 's|^core/([^/:]+)(/[^:]*)?:([0-9]+):#include "([a-z_]+)/.*|\1 \4 core/\1\2:\3|' |
  awk '$1 != $2')

fail=0
for d in $(find core -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort); do
  [ -n "${rank[$d]:-}" ] || { echo "core/$d: not placed in the layers block of docs/architecture.md"; fail=1; }
done
while read -r from to where; do
  [ -n "$from" ] || continue
  [ "$from" = main.c ] && continue # the entry point sits above every folder
  rf=${rank[$from]:-0} rt=${rank[$to]:-0}
  [ "$rt" -gt "$rf" ] && continue
  echo "$where: $from includes $to (row $rt is not below row $rf)"
  fail=1
done <<<"$edges"
# A cycle needs an upward edge, so this is a second opinion that names the loop.
loops=$(awk '$1 != "main.c" {print $1, $2}' <<<"$edges" | sort -u | tsort 2>&1 >/dev/null || true)
if [ -n "$loops" ]; then echo "$loops"; fail=1; fi
[ $fail -eq 0 ] && echo "layering: $(wc -l <<<"$edges") cross-folder includes, all downward"
exit $fail
