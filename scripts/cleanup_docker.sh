#!/usr/bin/env bash
# The weekly Docker clean-up from the operator guide (section 4.1): removes dangling images and
# stopped containers to reclaim disk space. Never touches running containers, named volumes
# (the engine's data, logs, ml_db) or tagged images.
#   ./scripts/cleanup_docker.sh            remove
#   ./scripts/cleanup_docker.sh --dry-run  only print what would be removed
set -euo pipefail
dry=0
case "${1:-}" in
  --dry-run|-n) dry=1 ;;
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "cleanup_docker.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac
command -v docker >/dev/null || { echo "cleanup_docker.sh: docker is not installed" >&2; exit 1; }

images=$(docker images --filter dangling=true --quiet)
containers=$(docker ps --all --filter status=exited --filter status=created --filter status=dead --quiet)
echo "dangling images: $(echo -n "$images" | grep -c . || true)"
[ -n "$images" ] && docker images --filter dangling=true --format '  {{.ID}} {{.CreatedSince}} {{.Size}}'
echo "stopped containers: $(echo -n "$containers" | grep -c . || true)"
[ -n "$containers" ] && docker ps --all --filter status=exited --filter status=created --filter status=dead \
  --format '  {{.ID}} {{.Names}} {{.Status}}'
if [ "$dry" -eq 1 ]; then
  echo "dry run: nothing removed"
  exit 0
fi
[ -n "$containers" ] && docker rm $containers >/dev/null
[ -n "$images" ] && docker rmi $images >/dev/null
echo "removed $(echo -n "$containers" | grep -c . || true) containers and $(echo -n "$images" | grep -c . || true) images"
