#!/usr/bin/env bash
# Renders a tradebot sweep as Kubernetes manifests (docs/sweeps.md):
#   OUT/sweep-job.yaml        a ConfigMap with the spec (and any strategy files beside it) and an
#                             Indexed Job: N completions, pod i runs `--shard i/N`
#   OUT/sweep-merge-job.yaml  the follow-up Job: merge the N shard files, ranking and report
# Results go to a shared volume (--pvc CLAIM, ReadWriteMany, mounted at /results), or to an
# object store with rclone (--rclone REMOTE:PATH; the rclone.conf comes from the Secret
# tb-rclone, key rclone.conf, and the image must have rclone).
#
# usage: deploy/k8s/render.sh --spec FILE [--file STRATEGY.lua ...] --name NAME --shards N
#          --image IMAGE (--pvc CLAIM | --rclone REMOTE:PATH) [--parallelism P] [--jobs J]
#          [--namespace NS] --out DIR
# Then: kubectl apply -f DIR/sweep-job.yaml
#       kubectl wait --for=condition=complete --timeout=24h job/tb-sweep-NAME
#       kubectl apply -f DIR/sweep-merge-job.yaml
set -euo pipefail
die() { echo "render.sh: $*" >&2; exit 2; }
spec="" name="" shards="" image="" pvc="" remote="" par="" jobs=1 ns=default out=""
files=()
while [ $# -gt 0 ]; do
  case $1 in
    --spec) spec=$2; shift 2 ;;
    --file) files+=("$2"); shift 2 ;;
    --name) name=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --pvc) pvc=$2; shift 2 ;;
    --rclone) remote=$2; shift 2 ;;
    --parallelism) par=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --namespace) ns=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -r "$spec" ] || die "--spec FILE is required and must be readable"
[[ $name =~ ^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$ ]] || die "--name must be a DNS label (a-z, 0-9, -; at most 42)"
[[ $shards =~ ^[1-9][0-9]{0,4}$ ]] || die "--shards must be 1..99999"
[[ $jobs =~ ^[1-9][0-9]{0,2}$ ]] || die "--jobs must be 1..999"
par=${par:-$shards}
[[ $par =~ ^[1-9][0-9]{0,4}$ ]] || die "--parallelism must be a whole number >= 1"
[ -n "$image" ] || die "--image is required"
if [ -n "$pvc" ] && [ -n "$remote" ] || [ -z "$pvc" ] && [ -z "$remote" ]; then
  die "one of --pvc CLAIM or --rclone REMOTE:PATH"
fi
[ -n "$out" ] || die "--out DIR is required"
mkdir -p "$out"
job=tb-sweep-$name

# The ConfigMap: the spec as spec.lua, each --file under its own name.
cm() {
  echo "  $1: |"
  sed 's/^/    /' "$2"
}

results_volume() {
  if [ -n "$pvc" ]; then
    printf '        - name: results\n          persistentVolumeClaim:\n            claimName: %s\n' "$pvc"
  else
    printf '        - name: results\n          emptyDir: {}\n        - name: rclone\n          secret:\n            secretName: tb-rclone\n'
  fi
}
rclone_mount() {
  [ -z "$remote" ] || printf '            - name: rclone\n              mountPath: /rclone\n              readOnly: true\n'
}
# What a pod runs after its shard (rclone: upload it; a volume: nothing).
upload() {
  [ -z "$remote" ] || printf ' &&\n              rclone --config /rclone/rclone.conf copyto\n              %s\n              %s/shard-$JOB_COMPLETION_INDEX.db' \
    "/results/shard-\$JOB_COMPLETION_INDEX.db" "$remote"
}

{
  cat <<YAML
# tradebot sweep "$name": $shards shards as a Kubernetes Indexed Job (rendered by deploy/k8s/render.sh)
apiVersion: v1
kind: ConfigMap
metadata:
  name: $job-spec
  namespace: $ns
data:
YAML
  cm spec.lua "$spec"
  for f in "${files[@]}"; do cm "$(basename "$f")" "$f"; done
  cat <<YAML
---
apiVersion: batch/v1
kind: Job
metadata:
  name: $job
  namespace: $ns
  labels:
    app.kubernetes.io/name: tradebot-sweep
    tradebot/sweep: $name
spec:
  completionMode: Indexed
  completions: $shards
  parallelism: $par
  backoffLimit: $((shards * 2))
  template:
    metadata:
      labels:
        app.kubernetes.io/name: tradebot-sweep
        tradebot/sweep: $name
    spec:
      restartPolicy: Never
      securityContext:
        fsGroup: 10001  # the image's user (docker/Dockerfile) may write the results volume
      containers:
        - name: shard
          image: $image
          command: ["/bin/sh", "-c"]
          args:
            - >-
              tradebot sweep /spec/spec.lua --shard "\$JOB_COMPLETION_INDEX/$shards"
              --jobs $jobs --out /results/shard-\$JOB_COMPLETION_INDEX.db$(upload)
          resources:
            requests:
              cpu: "$jobs"
              memory: 512Mi
          volumeMounts:
            - name: spec
              mountPath: /spec
              readOnly: true
            - name: results
              mountPath: /results
$(rclone_mount)
      volumes:
        - name: spec
          configMap:
            name: $job-spec
$(results_volume)
YAML
} | sed '/^$/d' >"$out/sweep-job.yaml"

shard_list=""
for ((i = 0; i < shards; i++)); do shard_list+=$'\n              '"/results/shard-$i.db"; done
fetch=""
[ -z "$remote" ] || fetch="rclone --config /rclone/rclone.conf copy"$'\n              '"$remote"$'\n              '"/results --include 'shard-*.db' &&"$'\n              '
publish=""
[ -z "$remote" ] || publish=" &&"$'\n              '"rclone --config /rclone/rclone.conf copy /results"$'\n              '"$remote"$'\n              '"--include 'sweep.db*' --include 'ranking.txt'"
{
  cat <<YAML
# tradebot sweep "$name": the merge, applied once job/$job is complete (rendered by deploy/k8s/render.sh)
apiVersion: batch/v1
kind: Job
metadata:
  name: $job-merge
  namespace: $ns
  labels:
    app.kubernetes.io/name: tradebot-sweep
    tradebot/sweep: $name
spec:
  completions: 1
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      securityContext:
        fsGroup: 10001
      containers:
        - name: merge
          image: $image
          command: ["/bin/sh", "-c"]
          args:
            - >-
              ${fetch}rm -f /results/sweep.db &&
              tradebot sweep merge /results/sweep.db$shard_list &&
              tradebot sweep report /results/sweep.db --html /results/sweep.db.html
              > /results/ranking.txt$publish
          volumeMounts:
            - name: results
              mountPath: /results
$(rclone_mount)
      volumes:
$(results_volume)
YAML
} | sed '/^$/d' >"$out/sweep-merge-job.yaml"
echo "written $out/sweep-job.yaml ($shards shards) and $out/sweep-merge-job.yaml"
