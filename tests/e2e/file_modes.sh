#!/usr/bin/env bash
# Every file the engine creates in its home has a deliberate mode, whatever the umask: the
# database and its -wal/-shm (orders, fills, account history) and the archives 0600, logs and
# state files 0640, nothing readable by every local user; no temporary file is left behind.
source "$(dirname "$0")/lib.bash"

umask 022 # a usual login umask: without explicit modes files would come out 0644
mkdir -p "$H/config"
# A small log limit so the log and the decision trail rotate into data/archives/ during the run.
echo '{"replay": {"speed": 4000, "days": 2}, "reload": {"enabled": false},
       "logging": {"max_bytes": 20000, "jsonl_max_bytes": 20000}}' >"$H/config/trading_config.json"
start_engine
check "the replay trades (fills in the database)" \
  wait_for "[ \"\$(sqlite3 '$H/ml_db/ml_data.db' 'select count(*) from oms_fills' 2>/dev/null)\" -gt 0 ]" 60
check "the log was archived" wait_for "ls '$H'/data/archives/*.gz >/dev/null 2>&1" 60
mode() { stat -c %a "$1"; }
check "ml_db/ml_data.db is 0600" [ "$(mode "$H/ml_db/ml_data.db")" = 600 ]
check "ml_db/ml_data.db-wal is 0600" [ "$(mode "$H/ml_db/ml_data.db-wal")" = 600 ]
check "ml_db/ml_data.db-shm is 0600" [ "$(mode "$H/ml_db/ml_data.db-shm")" = 600 ]
stop_engine || true

# No file anywhere in the home is readable by others, except the files an operator edits
# (config/, strategies/, scripts/) and the dashboard's static files.
others=$(cd "$H" && find . -type f -perm /o=r ! -path './config/*' ! -path './strategies/*' \
  ! -path './scripts/*' ! -name engine.out | sort)
check "no runtime file is readable by every local user (found: ${others:-none})" [ -z "$others" ]
for f in "$H"/data/archives/*.gz; do
  check "archive $(basename "$f") is 0600" [ "$(mode "$f")" = 600 ]
done
check "logs/trading_bot.log is 0640" [ "$(mode "$H/logs/trading_bot.log")" = 640 ]
check "data/macro.json is 0640" [ "$(mode "$H/data/macro.json")" = 640 ]
tmps=$(cd "$H" && find . -name '*.tmp*' -o -name '*.part' | sort)
check "no temporary file is left behind (found: ${tmps:-none})" [ -z "$tmps" ]

# An older home's database made 0644 is tightened at the next start.
chmod 644 "$H/ml_db/ml_data.db"
start_engine
check "a 0644 database of an older home is made 0600 at start" [ "$(mode "$H/ml_db/ml_data.db")" = 600 ]
stop_engine || true
finish
