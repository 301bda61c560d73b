#!/usr/bin/env bash
# `tradebot sweep SPEC --slurm --submit` on a real single-node Slurm (Debian's slurm-wlm and
# munge, started here on 127.0.0.1 with a minimal slurm.conf: proctrack/linuxproc, no cgroup;
# /work/shared/reference/slurm-single-node.md): a 4-task job array runs one shard each, the
# merge job runs after it (afterok) and its ranking and HTML report equal a local run's, byte for
# byte. Where Slurm cannot start (not root, packages not installable, a daemon that will not
# come up) the test says why and skips (exit 77); it never fakes a run. Every daemon it started
# is stopped (by pid) and its state removed, whatever happens.
source "$(dirname "$0")/lib.bash"
skip() { echo "SKIP: $*"; exit 77; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || skip "Slurm needs root (or password-less sudo) to start munged and slurmd"
  SUDO="sudo -n"
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "installing slurm-wlm and munge (Debian packages)"
  { $SUDO apt-get install -y slurm-wlm munge >"$H/apt.log" 2>&1 ||
    { $SUDO apt-get update >>"$H/apt.log" 2>&1 && $SUDO apt-get install -y slurm-wlm munge >>"$H/apt.log" 2>&1; }; } ||
    skip "cannot install slurm-wlm and munge: $(tail -1 "$H/apt.log")"
fi

D=$(mktemp -d /tmp/tb-slurm-XXXXXX)
PIDS=()
stop_all() {
  # our daemons only, by the pids they wrote (slurmd first: it holds the job steps)
  for f in "$D/slurmd.pid" "$D/slurmctld.pid" "$D/munged.pid"; do
    [ -s "$f" ] && $SUDO kill "$(cat "$f")" 2>/dev/null || true
  done
  for f in "$D/slurmd.pid" "$D/slurmctld.pid" "$D/munged.pid"; do
    local i=0
    while [ -s "$f" ] && [ $i -lt 100 ] && $SUDO kill -0 "$(cat "$f")" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
  done
  [ "${KEEP:-}" ] || $SUDO rm -rf "$D"
  cleanup
}
trap stop_all EXIT

# munge with its own socket, key and pid file in $D: no clash with a munged already running.
$SUDO chown munge:munge "$D" 2>/dev/null || skip "no munge user (munge not installed properly)"
$SUDO chmod 0755 "$D"
KEY=/etc/munge/munge.key
[ -s $KEY ] || $SUDO mungekey -c -k $KEY 2>/dev/null || $SUDO /usr/sbin/create-munge-key 2>/dev/null ||
  skip "no munge key and cannot create one"
$SUDO runuser -u munge -- /usr/sbin/munged --socket="$D/munge.sock" --pid-file="$D/munged.pid" \
  --log-file="$D/munged.log" --seed-file="$D/munge.seed" --key-file=$KEY 2>"$D/munged.err" ||
  skip "munged does not start: $(cat "$D/munged.err" "$D/munged.log" 2>/dev/null | tail -2)"
wait_for "[ -S '$D/munge.sock' ]" 10 || skip "munged did not open its socket"
munge -S "$D/munge.sock" -n | unmunge -S "$D/munge.sock" >/dev/null 2>&1 ||
  skip "munge does not answer on $D/munge.sock"

HOST=$(hostname -s)
CPORT=$(free_port)
DPORT=$(free_port)
mkdir -p "$D/state" "$D/spool"
export SLURM_CONF="$D/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=tbtest
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmctldPort=$CPORT
SlurmdPort=$DPORT
AuthType=auth/munge
AuthInfo=socket=$D/munge.sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
$SUDO env SLURM_CONF="$SLURM_CONF" slurmctld -f "$SLURM_CONF" 2>"$D/ctld.err" ||
  skip "slurmctld does not start: $(tail -2 "$D/ctld.err" "$D/slurmctld.log" 2>/dev/null)"
$SUDO env SLURM_CONF="$SLURM_CONF" slurmd -f "$SLURM_CONF" 2>"$D/slurmd.err" ||
  skip "slurmd does not start: $(tail -2 "$D/slurmd.err" "$D/slurmd.log" 2>/dev/null)"
wait_for "sinfo -h -o %t 2>/dev/null | grep -Eq '^(idle|mix|alloc)'" 30 ||
  skip "the node did not come up idle: $(sinfo 2>&1 | tail -1); $(tail -3 "$D/slurmd.log" 2>/dev/null)"
echo "slurm up: $(sinfo -h -o '%P %a %D %t %c')"

# The sweep: 8 sets x 1 segment, split 4 ways (bench/sweep_200.sh sets SWEEP_BENCH=1: the
# 200-combination sweep over 20 sample days of docs/sweeps.md).
cd "$H"
if [ "${SWEEP_BENCH:-}" ]; then
  cat >spec.lua <<'EOF'
return {
  strategy = "opening_range_breakout.lua",
  grid = {
    range_minutes = {5, 10, 15, 20, 25, 30, 35, 40, 45, 60},
    min_relvol = {0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.25,
                  1.3, 1.35, 1.4, 1.45, 1.5, 1.55, 1.6, 1.65, 1.7, 1.75},
  },
  data = { days = 20 },
  metric = "sharpe",
}
EOF
  per_shard=50 cap=3600
else
  cat >spec.lua <<'EOF'
return {
  strategy = "opening_range_breakout.lua",
  grid = { range_minutes = {10, 30}, min_relvol = {0.9, 1.1, 1.3, 1.6} },
  data = { days = 4, symbols = 5 },
  metric = "sharpe",
}
EOF
  per_shard=2 cap=180
fi
t0=$(date +%s.%N)
"$TRADEBOT" --home "$H/home" sweep spec.lua --out local.db >/dev/null 2>local.err || { cat local.err; exit 1; }
echo "local, every core ($(nproc)): $(echo "$(date +%s.%N) - $t0" | bc) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$TRADEBOT" --home "$H/home" sweep report local.db --html local.html >local.txt 2>/dev/null
t0=$(date +%s.%N)
"$TRADEBOT" --home "$H/home" sweep spec.lua --slurm --shards 4 --dir "$D/run" --submit >submit.out 2>&1 ||
  { cat submit.out; fail "sweep --slurm --submit"; finish; }
cat submit.out
check "the array script asks for 4 tasks, each running its own shard" \
  bash -c "grep -q '^#SBATCH --array=0-3\$' '$D/run/sweep-array.sbatch' && grep -q -- '--shard \"\$SLURM_ARRAY_TASK_ID/4\"' '$D/run/sweep-array.sbatch'"
check "the merge is submitted to run after the array succeeds (afterok)" \
  grep -q -- '--dependency=afterok:"$array"' "$D/run/submit.sh"
array=$(sed -n 's/^array_job=\([0-9]*\) .*/\1/p' submit.out)
merge=$(sed -n 's/.*merge_job=\([0-9]*\).*/\1/p' submit.out)
check "sbatch gave a job id for the array ($array) and the merge ($merge)" [ -n "$array" ] && [ -n "$merge" ]
done_cond="[ -s '$D/run/ranking.txt' ] && [ -z \"\$(squeue -h -j $merge 2>/dev/null)\" ]"
wait_for "$done_cond" $cap || { tail -5 "$D"/run/slurm-*.out "$D/slurmctld.log" 2>/dev/null; fail "the merge job finished"; }
echo "array + merge through Slurm (4 shards): $(echo "$(date +%s.%N) - $t0" | bc) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 0 1 2 3; do
  check "array task $i wrote shard $i/4" \
    bash -c "[ \"\$(sqlite3 '$D/run/shard-$i.db' \"SELECT value FROM sweep_meta WHERE key = 'shard'\")\" = '$i/4' ] &&
             [ \$(sqlite3 '$D/run/shard-$i.db' 'SELECT count(*) FROM sweep_results') = $per_shard ]"
done
check "the merged ranking equals the local one, byte for byte" cmp local.txt "$D/run/ranking.txt"
check "the merged HTML report equals the local one, byte for byte" cmp local.html "$D/run/report.html"
finish
