#!/usr/bin/env bash
# Fetches uPlot (the dashboard's charts) from the npm registry and copies its dist files and
# license into web/vendor/uplot/ (the minified build that defines the global uPlot). The copies are committed: the engine serves them as they are,
# so nothing is fetched or built at run time. Re-run to upgrade: ./scripts/vendor_uplot.sh 1.6.32
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-1.6.32}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "uplot@$version" >/dev/null && tar xzf uplot-"$version".tgz)
dest=web/vendor/uplot
mkdir -p "$dest"
cp "$tmp/package/dist/uPlot.iife.min.js" "$tmp/package/dist/uPlot.min.css" "$tmp/package/LICENSE" "$dest/"
echo "$version" >"$dest/VERSION"
echo "vendor_uplot.sh: uPlot $version in $dest"
