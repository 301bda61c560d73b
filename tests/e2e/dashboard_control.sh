#!/usr/bin/env bash
# The dashboard's state-changing endpoints attacked (docs/dashboard.md, docs/operations.md 4.7):
# Approve, Reject, Rollback and the kill switch change nothing without the right token in the
# Authorization header: no token, a wrong one, a prefix or an extension of it, the token in the
# query string or a form body, a browser's cross-site text/plain POST, a request naming another
# host (DNS rebinding), GET. An approve replayed after the merge, a reject after it, and an
# approve raced against a reject from the command line each leave one decision, audited once,
# and main changed by the winner only.
source "$(dirname "$0")/lib.bash"
command -v git >/dev/null || { echo "git is required (scripts/install.sh)"; exit 1; }

mkdir -p "$H/config" "$H/strategies"
cp "$TB_SOURCE_DIR/tests/e2e/fixtures/momentum.lua" "$H/strategies/"
cat >"$H/config/trading_config.json" <<'J'
{
  "replay": { "speed": 1, "days": 2, "symbols": 2 },
  "dashboard": { "port": 0 },
  "strategies": [ { "file": "strategies/momentum.lua" } ]
}
J
start_engine
git_home
MAIN0=$(git -C "$H" rev-parse HEAD)
URL=$(dashboard_url)
TOKEN=$(cat "$H/run/dashboard.token")
D="$H/data/healer_active_directives.json"

# Two Executed directives with in-bounds changes on their branches, as `healer run` leaves them:
# D1 sets min_move_pct 5 in the configuration, D2 the strategy's default to 4.
# branch NAME FILE SED: healer/auto-fix-NAME-... with SED applied to FILE committed on it.
branch() {
  local b="healer/auto-fix-$1-20261207000000"
  git -C "$H" checkout -q -b "$b"
  sed -i "$3" "$H/$2"
  git -C "$H" -c user.name=h -c user.email=h@h commit -qam "healer: $1"
  git -C "$H" checkout -q -
  echo "$b"
}
B1=$(branch ONE config/trading_config.json 's|{ "file": "strategies/momentum.lua" }|{ "file": "strategies/momentum.lua", "params": { "min_move_pct": 5 } }|')
B2=$(branch TWO strategies/momentum.lua 's/min_move_pct = 9.0, qty/min_move_pct = 4.0, qty/')
cat >"$D" <<J
{"directives": [
 {"id": "D1", "status": "Executed", "kind": "param_change", "finding": "f1", "severity": "WARNING",
  "target": "config/trading_config.json", "branch": "$B1", "timestamps": {}},
 {"id": "D2", "status": "Executed", "kind": "param_change", "finding": "f2", "severity": "WARNING",
  "target": "config/trading_config.json", "branch": "$B2", "timestamps": {}}]}
J
st() { jq -r --arg id "$1" '.directives[] | select(.id==$id) | .status' "$D"; }
audits() { jq -s --arg id "$1" --arg a "$2" '[.[] | select(.id==$id and .action==$a)] | length' "$H/logs/control_audit_log.jsonl" 2>/dev/null || echo 0; }
main_at() { [ "$(git -C "$H" rev-parse HEAD)" = "$1" ] && [ -z "$(git -C "$H" status --porcelain --untracked-files=no)" ]; }
code() { curl -s -o "$H/resp.json" -w '%{http_code}' "$@"; }

# Every way of not presenting the token, on every state-changing endpoint.
n=0
for ep in approve/D1 reject/D1 rollback/D1 approve/D2; do
  for attempt in \
    "-X POST $URL/api/healer/$ep" \
    "-X POST -H Authorization:Bearer\ wrong-token-of-some-length $URL/api/healer/$ep" \
    "-X POST -H Authorization:Bearer\ ${TOKEN%?} $URL/api/healer/$ep" \
    "-X POST -H Authorization:Bearer\ ${TOKEN}x $URL/api/healer/$ep" \
    "-X POST -H Authorization:${TOKEN} $URL/api/healer/$ep" \
    "-X POST -H Authorization:Basic\ ${TOKEN} $URL/api/healer/$ep" \
    "-X POST $URL/api/healer/$ep?token=${TOKEN}" \
    "-X POST $URL/api/healer/$ep?access_token=${TOKEN}" \
    "-X POST -d token=${TOKEN} $URL/api/healer/$ep" \
    "-X POST -H Content-Type:text/plain -H Origin:http://evil.example -d {\"token\":\"${TOKEN}\"} $URL/api/healer/$ep"; do
    c=$(eval code "$attempt")
    [ "$c" = 401 ] || { echo "  $attempt -> $c"; n=$((n + 1)); }
  done
done
check "no token, a wrong, shortened or extended one, another scheme, the query or the body: all 401 ($n not)" [ "$n" = 0 ]
c=$(code -X POST -H "Authorization: Bearer $TOKEN" -H "Host: evil.example:80" "$URL/api/healer/approve/D1")
check "the right token on a request addressed to another host name (DNS rebinding) is refused (HTTP $c)" [ "$c" = 421 ]
c=$(code -H "Authorization: Bearer $TOKEN" "$URL/api/healer/approve/D1")
check "GET never approves (HTTP $c)" [ "$c" = 405 ]
c=$(code -X POST "$URL/api/kill_switch" -H 'Content-Type: text/plain' -H 'Origin: http://evil.example' -d '{"engage":true}')
check "the kill switch without the token is refused (HTTP $c)" [ "$c" = 401 ]
check "nothing changed: both directives Executed, main untouched, no audit line" \
  bash -c "[ '$(st D1)' = Executed ] && [ '$(st D2)' = Executed ] && [ ! -s '$H/logs/control_audit_log.jsonl' ]"
check "main is untouched" main_at "$MAIN0"
unauth=$(curl -s "$URL/metrics" | sed -nE 's/^tradebot_http_requests_total\{class="unauthorized"\} ([0-9]+)$/\1/p')
check "the refusals are counted on /metrics ($unauth)" bash -c "[ '${unauth:-0}' -ge 41 ]"
check "the token never reaches the log" bash -c "! grep -rqF '$TOKEN' '$H/logs'"

api() { code -X POST -H "Authorization: Bearer $TOKEN" "$URL/api/healer/$1"; }
c=$(api approve/D1)
check "the right token approves D1 (HTTP $c)" [ "$c" = 200 ]
M1=$(git -C "$H" rev-parse HEAD)
check "D1 is Promoted and merged" bash -c "[ '$(st D1)' = Promoted ] && [ '$M1' != '$MAIN0' ]"
c=$(api approve/D1)
check "an approve replayed after the merge is refused (HTTP $c) and merges nothing again" \
  bash -c "[ $c = 409 ] && [ \"\$(git -C '$H' rev-parse HEAD)\" = '$M1' ]"
c=$(api reject/D1)
check "a reject after the merge is refused (HTTP $c)" [ "$c" = 409 ]
check "the approval is audited once" [ "$(audits D1 healer_directive_approved)" = 1 ]
check "and nothing else is audited for D1" \
  [ "$(jq -s '[.[] | select(.id=="D1")] | length' "$H/logs/control_audit_log.jsonl")" = 1 ]

# Approve (dashboard) and reject (command line) of D2 at once: one wins, the other is refused.
(api approve/D2 >"$H/race.code") &
RACE=$!
"$TRADEBOT" healer --home "$H" reject D2 >"$H/race.out" 2>&1 && rrc=0 || rrc=$?
wait "$RACE" || true
ac=$(cat "$H/race.code")
echo "  race: approve HTTP $ac, reject exit $rrc, D2 $(st D2)"
if [ "$(st D2)" = Promoted ]; then
  check "approve won the race: the reject was refused, D2 merged once" \
    bash -c "[ $ac = 200 ] && [ $rrc -ne 0 ] && [ $(audits D2 healer_directive_approved) = 1 ] && [ $(audits D2 healer_directive_rejected) = 0 ]"
  check "its branch was merged on top of D1" \
    bash -c "[ \"\$(git -C '$H' rev-list --count '$M1'..HEAD)\" -ge 1 ] && grep -q 'min_move_pct = 4.0, qty' '$H/strategies/momentum.lua'"
else
  check "reject won the race: the approve was refused, D2 Rejected, main not merged" \
    bash -c "[ '$(st D2)' = Rejected ] && [ $rrc = 0 ] && [ $ac = 409 ] && [ $(audits D2 healer_directive_rejected) = 1 ] && [ $(audits D2 healer_directive_approved) = 0 ]"
  check "main is where D1 left it" main_at "$M1"
  check "and D2's branch is gone" bash -c "[ -z \"\$(git -C '$H' branch --list '$B2')\" ]"
fi
# the last promotion as the Healer picks it: the latest time, the first listed on a tie
LAST=$(jq -r '[.directives[] | select(.status=="Promoted")] as $p | ($p | map(.timestamps.Promoted) | max) as $m
  | [$p[] | select(.timestamps.Promoted == $m)][0].id' "$D")
OTHER=$([ "$LAST" = D1 ] && echo D2 || echo D1)
if [ "$(st "$OTHER")" = Promoted ]; then
  c=$(api "rollback/$OTHER")
  check "a rollback naming a promotion that is not the last is refused (HTTP $c)" [ "$c" = 409 ]
fi
c=$(api "rollback/$LAST")
check "rollback of the last promotion with the token (HTTP $c)" [ "$c" = 200 ]
HEAD1=$(git -C "$H" rev-parse HEAD)
c=$(api "rollback/$LAST")
check "a rollback replayed is refused (HTTP $c) and reverts nothing more" \
  bash -c "[ $c = 409 ] && [ \"\$(git -C '$H' rev-parse HEAD)\" = '$HEAD1' ]"
check "the rollback is audited once" [ "$(audits "$LAST" healer_promotion_rolled_back)" = 1 ]
stop_engine || true
finish
