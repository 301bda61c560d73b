#!/usr/bin/env bash
# deploy/k8s/render.sh: a sweep as a Kubernetes Indexed Job and its follow-up merge Job, rendered
# with real values. No cluster here, and a client-side `kubectl --dry-run` needs an API server for
# its schema (Debian has no kubeconform), so the manifests are checked by yamllint and against the
# batch/v1 Job fields the API server requires (below); then the rendered pod commands themselves
# are run, index by index, with the volume paths mapped to folders, and the merged ranking must
# equal a local run's. The rclone variant is run the same way against an rclone "local" remote.
source "$(dirname "$0")/lib.bash"
SRC=${TB_SOURCE_DIR:?}
cd "$H"
cat >spec.lua <<'EOF'
return {
  strategy = "opening_range_breakout.lua",
  grid = { range_minutes = {10, 30}, min_relvol = {1.0, 1.3, 1.6} },
  data = { days = 3, symbols = 4 },
  metric = "pnl",
}
EOF
"$TRADEBOT" --home "$H/home" sweep spec.lua --out local.db >/dev/null 2>&1
"$TRADEBOT" --home "$H/home" sweep report local.db --html local.html >local.txt 2>/dev/null

R="$SRC/deploy/k8s/render.sh"
"$R" --spec spec.lua --name demo --shards 4 --parallelism 2 --jobs 1 --image tradebot:1.0 \
  --pvc tb-results --out pvc >/dev/null
check "yamllint accepts the rendered manifests" \
  yamllint -d "{extends: default, rules: {line-length: {max: 120}, document-start: disable}}" pvc/
# The fields the API server requires of these objects (batch/v1 Job, v1 ConfigMap), and the
# references between them.
cat >validate.py <<'EOF'
import re, sys, yaml
job_file, merge_file, spec, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
docs = list(yaml.safe_load_all(open(job_file))) + list(yaml.safe_load_all(open(merge_file)))
bad = []
def need(c, what):
    if not c: bad.append(what)
dns = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')
cms = {d['metadata']['name']: d for d in docs if d['kind'] == 'ConfigMap'}
jobs = [d for d in docs if d['kind'] == 'Job']
need(len(jobs) == 2 and len(cms) == 1, 'one ConfigMap and two Jobs')
for cm in cms.values():
    need(cm['apiVersion'] == 'v1', 'ConfigMap apiVersion v1')
    need(cm['data'].get('spec.lua') == open(spec).read(), 'the ConfigMap holds the spec verbatim')
for j in jobs:
    name = j['metadata'].get('name', '')
    need(j['apiVersion'] == 'batch/v1', name + ': apiVersion batch/v1')
    need(dns.match(name) and len(name) <= 63, name + ': metadata.name is a DNS label')
    s = j['spec']; t = s['template']['spec']
    need(t.get('restartPolicy') in ('Never', 'OnFailure'), name + ': restartPolicy Never|OnFailure')
    need(isinstance(s.get('completions'), int) and s['completions'] >= 1, name + ': completions')
    vols = {v['name']: v for v in t.get('volumes', [])}
    for c in t['containers']:
        need(c.get('name') and c.get('image'), name + ': container name and image')
        for m in c.get('volumeMounts', []):
            need(m['name'] in vols and m['mountPath'].startswith('/'), name + ': mount ' + m['name'])
    for v in vols.values():
        if 'configMap' in v: need(v['configMap']['name'] in cms, name + ': configMap exists')
        if 'persistentVolumeClaim' in v: need(v['persistentVolumeClaim']['claimName'], name + ': claim')
shard = [j for j in jobs if j['spec'].get('completionMode') == 'Indexed']
need(len(shard) == 1, 'one Indexed Job')
if shard:
    s = shard[0]['spec']
    need(s['completions'] == n, 'completions = N')
    need(1 <= s['parallelism'] <= n, 'parallelism in 1..N')
    a = ' '.join(shard[0]['spec']['template']['spec']['containers'][0]['args'])
    need('--shard "$JOB_COMPLETION_INDEX/%d"' % n in a, 'each pod runs --shard $JOB_COMPLETION_INDEX/N')
merge = [j for j in jobs if j['spec'].get('completionMode') != 'Indexed']
if merge:
    a = ' '.join(merge[0]['spec']['template']['spec']['containers'][0]['args'])
    need(all('shard-%d.db' % i in a for i in range(n)), 'the merge reads every shard')
print('\n'.join('invalid: ' + b for b in bad))
sys.exit(1 if bad else 0)
EOF
check "the manifests have the fields batch/v1 requires and their references hold" \
  python3 validate.py pvc/sweep-job.yaml pvc/sweep-merge-job.yaml spec.lua 4

# Run what the pods would run: the ConfigMap's files at /spec, the volume at /results.
cat >podcmd.py <<'EOF'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
if sys.argv[2] == 'files':
    for d in docs:
        if d['kind'] == 'ConfigMap':
            for k, v in d['data'].items(): open(sys.argv[3] + '/' + k, 'w').write(v)
else:
    j = [d for d in docs if d['kind'] == 'Job'][0]
    print(' '.join(j['spec']['template']['spec']['containers'][0]['args']))
EOF
run_pods() { # $1: folder of manifests, $2: N
  local dir=$1 n=$2 map cmd
  rm -rf "$H/spec" "$H/results" && mkdir -p "$H/spec" "$H/results"
  python3 podcmd.py "$dir/sweep-job.yaml" files "$H/spec"
  map="s#tradebot sweep#$TRADEBOT --home $H/home sweep#g; s#/spec/#$H/spec/#g; s#/results#$H/results#g; s#/rclone/#$H/rclone/#g"
  cmd=$(python3 podcmd.py "$dir/sweep-job.yaml" args | sed "$map")
  for ((i = 0; i < n; i++)); do JOB_COMPLETION_INDEX=$i sh -c "$cmd" >/dev/null 2>&1 || return 1; done
  cmd=$(python3 podcmd.py "$dir/sweep-merge-job.yaml" args | sed "$map")
  sh -c "$cmd" 2>/dev/null
}
check "the rendered pod commands run: 4 shards and the merge" run_pods pvc 4
check "the merged ranking equals the local run's" cmp local.txt "$H/results/ranking.txt"
check "... and so does the HTML report" cmp local.html "$H/results/sweep.db.html"

# Object store: rclone copies each shard up and the merge fetches them (a local remote here).
mkdir -p rclone bucket
printf '[store]\ntype = local\n' >rclone/rclone.conf
"$R" --spec spec.lua --name demo2 --shards 3 --image tradebot:1.0 --rclone "store:$H/bucket/sweeps/demo2" \
  --out obj >/dev/null
check "rclone variant: yamllint and the Job fields" \
  bash -c "yamllint -d '{extends: default, rules: {line-length: {max: 120}, document-start: disable}}' obj/ &&
           python3 validate.py obj/sweep-job.yaml obj/sweep-merge-job.yaml spec.lua 3 &&
           grep -q 'secretName: tb-rclone' obj/sweep-job.yaml"
check "rclone variant: shards go up to the store, the merge comes back" run_pods obj 3
check "... the store holds the 3 shards and the ranking" \
  bash -c "ls '$H/bucket/sweeps/demo2/' | grep -c '^shard-[0-2].db\$' | grep -qx 3 && [ -s '$H/bucket/sweeps/demo2/ranking.txt' ]"
check "... and the ranking equals the local run's" cmp local.txt "$H/bucket/sweeps/demo2/ranking.txt"
"$R" --spec spec.lua --name Bad_Name --shards 2 --image x --pvc y --out bad >/dev/null 2>&1 && rc=0 || rc=$?
check "a name that is not a DNS label is refused (rc $rc)" [ $rc -eq 2 ]
finish
