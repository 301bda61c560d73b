# Helpers for end-to-end tests: a fresh home, an engine in the background, assertions.
# Sourced by tests/e2e/*.sh (named .bash so it is not itself a test); expects $TRADEBOT (path to the binary).
set -euo pipefail
: "${TRADEBOT:?set TRADEBOT to the tradebot binary}"
fails=0
passes=0
H=$(mktemp -d /tmp/tb-e2e-XXXXXX)
ENGINE_PID=""
EMU_PID="" # the emulator start_node_emu started last: stopped at exit

# Stops what the test started and removes the home. No step may fail: under set -e a failed
# command in the EXIT trap ends it there (the home stays) with status 1 whatever the checks said,
# and the engine or the emulator may be gone already.
cleanup() {
  if [ -n "$ENGINE_PID" ]; then kill "$ENGINE_PID" 2>/dev/null && wait "$ENGINE_PID" 2>/dev/null || true; fi
  if [ -n "$EMU_PID" ]; then kill "$EMU_PID" 2>/dev/null || true; fi
  [ "${KEEP:-}" ] || rm -rf "$H"
}
trap cleanup EXIT

ok()   { passes=$((passes + 1)); echo "ok   $*"; }
fail() { fails=$((fails + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

# Waits (up to $2 seconds, default 10) until the command in $1 succeeds.
wait_for() {
  local cond=$1 limit=${2:-10} i=0
  while ! eval "$cond"; do
    sleep 0.05; i=$((i + 1))
    [ $i -ge $((limit * 20)) ] && return 1
  done
  return 0
}

start_engine() {
  "$TRADEBOT" run --home "$H" >"$H/engine.out" 2>&1 &
  ENGINE_PID=$!
  wait_for "[ -S '$H/run/tradebot.sock' ]" 20 || { echo "engine did not start:"; cat "$H/engine.out"; exit 1; }
}

stop_engine() {
  kill -TERM "$ENGINE_PID"
  local rc=0
  wait "$ENGINE_PID" || rc=$?
  ENGINE_PID=""
  return $rc
}

repl() { "$TRADEBOT" repl --home "$H"; }

# Starts a loopback emulator (tests/emu/SCRIPT with ARGS) in the background: EMU_PID, and PORT
# (and CTL, its control port, when it has one) from the line it prints once listening. The output
# file is removed first, so a second start never reads the previous emulator's line.
start_node_emu() {
  local script=$1; shift
  EMU_OUT="$H/emu.out"
  rm -f "$EMU_OUT"
  node "$TB_SOURCE_DIR/tests/emu/$script" "$@" >"$EMU_OUT" 2>"$H/emu.err" &
  EMU_PID=$!
  wait_for "grep -q '\"port\":[0-9]*.*}' '$EMU_OUT'" 10 || { echo "emulator did not start"; cat "$H/emu.err"; exit 1; }
  PORT=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$EMU_OUT")
  CTL=$(sed -nE 's/.*"ctl":([0-9]+).*/\1/p' "$EMU_OUT")
}

# start_alpaca_emu KEY SECRET [ARGS]: the Alpaca emulator (trading and data) with that key pair,
# which the engine is given in its environment (APCA_API_KEY_ID, APCA_API_SECRET_KEY).
start_alpaca_emu() {
  local key=$1 secret=$2; shift 2
  start_node_emu alpaca_emu.js --port 0 --key "$key" --secret "$secret" "$@"
  export APCA_API_KEY_ID=$key APCA_API_SECRET_KEY=$secret
}

# emu PATH [JSON]: a control request to the emulator start_node_emu started. The IB Gateway
# emulator has a control port (CTL) taking GET PATH?query; the HTTP emulators (Alpaca, Polygon)
# take POST /__emu/PATH with a JSON body ({} by default).
emu() {
  if [ -n "${CTL:-}" ]; then
    curl -s "http://127.0.0.1:$CTL/$1"
  else
    curl -s -X POST -H 'Content-Type: application/json' -d "${2:-{\}}" "http://127.0.0.1:$PORT/__emu/$1"
  fi
}

# emu_stat NAME: the whole-number field NAME of the emulator's stats.
emu_stat() { emu stats | sed -nE "s/.*\"$1\":([0-9]+).*/\1/p"; }

# The dashboard's base URL (http://127.0.0.1:N) from the engine's latest `dashboard listening`
# line, once the engine has written it (up to 10 s).
dashboard_url() {
  wait_for "log_has 'dashboard listening'" 10 || { echo "no dashboard listening line" >&2; return 1; }
  sed -nE 's|.*dashboard listening: (http://[0-9.]+:[0-9]+)/.*|\1|p' "$H/logs/trading_bot.log" | tail -1
}

# metric NAME: the value of the first series NAME (any labels) on the dashboard at $URL.
metric() { curl -s "$URL/metrics" | sed -nE "s/^$1(\{[^}]*\})? ([0-9.e+-]+)$/\2/p" | sed -n 1p; }

# first_bar_strategy NAME LUA: writes $H/strategies/NAME.lua, a strategy that runs the Lua
# statements LUA (ctx and bar in scope) once, on the first bar it sees.
first_bar_strategy() {
  mkdir -p "$H/config" "$H/strategies"
  cat >"$H/strategies/$1.lua" <<LUA
return {
  on_bar = function(ctx, bar)
    if not ctx.state.done_once then
      ctx.state.done_once = true
      $2
    end
  end,
}
LUA
}

# dash_grep PATH GREP-ARGS...: the dashboard's PATH at $URL matches (grep -q GREP-ARGS). The whole
# answer is read first: a grep -q that stops early would end curl by SIGPIPE under pipefail.
dash_grep() { local path=$1; shift; grep -q "$@" <<<"$(curl -s "$URL$path")"; }

# feed_status_is STATUS: the dashboard's /api/status at $URL shows the feed's status STATUS.
feed_status_is() { dash_grep /api/status "\"status\": *\"$1\""; }

# feed_stat NAME: the first whole-number field NAME in the dashboard's /api/status at $URL.
feed_stat() { curl -s "$URL/api/status" | grep -o "\"$1\": *[0-9]*" | grep -o '[0-9]*$' | sed -n 1p; }

# How many lines of the engine's log contain the text $1.
count_log() { grep -cF -- "$1" "$H/logs/trading_bot.log" 2>/dev/null || true; }

# kill9: the engine dies by SIGKILL (a crash: no clean shutdown) and leaves its socket file,
# which is removed so that start_engine waits for the next engine's.
kill9() {
  kill -9 "$ENGINE_PID"
  wait "$ENGINE_PID" 2>/dev/null || true
  ENGINE_PID=""
  rm -f "$H/run/tradebot.sock"
}

# engine_qty SYMBOL: the engine's position in SYMBOL (0 when flat), asked over the REPL.
engine_qty() {
  echo "local p = tb.engine.positions() for _, x in ipairs(p) do if x.symbol == \"$1\" then return x.qty end end return 0" | repl
}

# emu_qty SYMBOL: the broker emulator's position in SYMBOL (0 when flat).
emu_qty() { emu stats | sed -nE "s/.*\"positions\":\{\"$1\":(-?[0-9]+).*/\1/p" | grep . || echo 0; }

# How many symbols' positions in the database differ from the sum of the persisted fills (an
# invariant: must be 0 whenever the engine is stopped or killed).
position_mismatches() {
  sqlite3 "$H/ml_db/ml_data.db" "WITH f AS (SELECT symbol, SUM(CASE side WHEN 'buy' THEN qty ELSE -qty END) AS q
                   FROM oms_fills GROUP BY symbol)
                 SELECT COUNT(*) FROM f LEFT JOIN oms_positions p USING (symbol)
                 WHERE COALESCE(p.qty, 0) != f.q"
}

# A TCP port on loopback that nothing listens on now.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

log_has() { grep -qF -- "$1" "$H/logs/trading_bot.log"; }

finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}

# npm_install DIR: `npm ci` in DIR when its lock file changed since the last install. When the
# npm registry cannot be reached (no network, or TLS interception whose CA this machine lacks),
# the test is skipped with the reason (exit 77, ctest's SKIP_RETURN_CODE): that is the
# machine, not the code under test. Any other npm failure fails the test.
npm_install() {
  local dir=$1 log
  cmp -s "$dir/package-lock.json" "$dir/node_modules/.tb-installed-lock" 2>/dev/null && return 0
  log=$(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error 2>&1) && {
    cp "$dir/package-lock.json" "$dir/node_modules/.tb-installed-lock"
    return 0
  }
  echo "$log"
  if grep -qE 'SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER|CERT_|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH' <<<"$log"; then
    echo "SKIP: the npm registry is not reachable from this machine"
    exit 77
  fi
  echo "npm ci failed in $dir"
  exit 1
}

# Makes the home a git repository with one commit of what is in it (the Healer works on branches
# of it); the runtime folders are ignored.
git_home() {
  printf 'logs/\ndata/\nml_db/\nrun/\n*.out\n' >"$H/.gitignore"
  git -C "$H" init -q
  git -C "$H" add -A
  git -C "$H" -c user.name=op -c user.email=op@localhost commit -qm "home"
}

# The orchestrator's nightly steps, sentinel then healer, as the scheduler runs them, at 22:40
# UTC on Tuesday 2026-12-08 (inside the Healer's WARNING window whatever the real time). Their
# outputs go to $H/sentinel$1.out and $H/healer$1.out.
nightly_steps() {
  TRADEBOT_CLOCK_START=1796769600 "$TRADEBOT" orchestrate --home "$H" --step sentinel \
    >"$H/sentinel$1.out" 2>&1 || true
  TRADEBOT_CLOCK_START=1796769600 "$TRADEBOT" orchestrate --home "$H" --step healer \
    >"$H/healer$1.out" 2>&1 || true
}
