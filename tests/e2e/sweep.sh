#!/usr/bin/env bash
# `tradebot sweep`: a grid run locally with two workers and the same spec run as three shards
# then merged give the same ranking and the same HTML report, byte for byte; a task is the same
# run as `tradebot backtest`; walk-forward states the out-of-sample result first; an interrupted
# or partial sweep is resumed or reported incomplete; a shard of another sweep is refused; the
# best set is proposed to the Healer only inside the strategy's tunable bounds.
source "$(dirname "$0")/lib.bash"
T() { "$TRADEBOT" --home "$H/home" "$@"; }
cd "$H"

cat >grid.lua <<'EOF'
return {
  strategy = "opening_range_breakout.lua",
  grid = { range_minutes = {10, 15, 30}, min_relvol = {1.0, 1.2, 1.4} },
  data = { days = 6, symbols = 6 },
  metric = "sharpe",
  top = 3,
}
EOF
T sweep grid.lua --jobs 2 --out local.db >local.out 2>local.err || { cat local.err; exit 1; }
check "the local run stores every task (9 sets x 1 segment)" \
  bash -c "[ \$(sqlite3 local.db 'SELECT count(*) FROM sweep_results WHERE disabled = 0') = 9 ]"
check "progress and an ETA go to stderr" grep -q 'sweep: 9/9 tasks, .* ETA' local.err
for i in 0 1 2; do T sweep grid.lua --shard $i/3 --jobs 1 >/dev/null 2>&1; done
check "each shard wrote its own file with its third of the tasks" \
  bash -c "for i in 0 1 2; do [ \$(sqlite3 sweep.shard-\$i-of-3.db 'SELECT count(*) FROM sweep_results') = 3 ] || exit 1; done"
T sweep merge merged.db sweep.shard-{0,1,2}-of-3.db >merge.out 2>&1
T sweep report local.db --html local.html >local.txt 2>/dev/null
T sweep report merged.db --html merged.html >merged.txt 2>/dev/null
head -8 local.txt
check "local and sharded give the same ranking, byte for byte" cmp local.txt merged.txt
check "... and the same HTML report" cmp local.html merged.html
q='SELECT task, pnl, sharpe, equity FROM sweep_results ORDER BY task'
check "... and the same stored results (every double, every equity point)" \
  bash -c "diff <(sqlite3 local.db '$q') <(sqlite3 merged.db '$q')"
check "the report fetches nothing (no script, link, img, url)" \
  bash -c "! grep -Eiq '<(script|link|img|iframe)|@import|url\\(|https?://' local.html"
for id in heatmap curves ranking in-sample-only; do
  check "the report has the $id section" grep -q "id=\"$id\"" local.html
done
check "the heatmap has a cell per (min_relvol, range_minutes) pair" \
  bash -c "[ \$(grep -o 'class=\"cell\"' local.html | wc -l) = 9 ]"
check "the best sets' equity curves (top = 3)" \
  bash -c "[ \$(grep -o 'class=\"curve\"' local.html | wc -l) = 3 ]"

# A task is the run `tradebot backtest` makes: the strategy's defaults over the same data.
cat >defaults.lua <<'EOF'
return { strategy = "opening_range_breakout.lua", grid = { min_relvol = {1.2} }, data = { days = 6 }, metric = "pnl" }
EOF
T sweep defaults.lua --out defaults.db >/dev/null 2>&1
# backtest's strategy calls have a wall-clock deadline (50 ms) that a loaded machine can hit,
# which changes its trades; a sweep task has none (instruction budget only), so compare with the
# deadline out of reach.
mkdir -p "$H/bt/config"
echo '{"sandbox": {"time_limit_ms": 60000}}' >"$H/bt/config/trading_config.json"
"$TRADEBOT" --home "$H/bt" backtest --strategy opening_range_breakout.lua --days 6 --json >bt.json 2>/dev/null
bt=$(python3 -c "import json; print('%.4f' % json.load(open('bt.json'))['pnl'])")
sw=$(sqlite3 defaults.db "SELECT printf('%.4f', pnl) FROM sweep_results")
check "a sweep task's P&L equals tradebot backtest's ($sw = $bt)" [ "$sw" = "$bt" ]

# Resume: nothing left to run; a missing shard leaves the merge incomplete and says so.
T sweep grid.lua --out local.db >/dev/null 2>again.err
check "a rerun resumes: no task is run twice" grep -q 'sweep: 0 tasks to run' again.err
T sweep merge partial.db sweep.shard-{0,1}-of-3.db >/dev/null 2>partial.err
check "merge says how many tasks are still missing" grep -q '3 tasks still have no result' partial.err
T sweep report partial.db >partial.txt 2>/dev/null
check "the report of a partial merge says INCOMPLETE" grep -q '^INCOMPLETE: 3 of 9' partial.txt

# Refusals: another sweep's shard, a bad spec.
sed 's/days = 6/days = 5/' grid.lua >other.lua
T sweep other.lua --shard 0/3 --out other.db >/dev/null 2>&1
T sweep merge merged.db other.db >/dev/null 2>refuse.err && rc=0 || rc=$?
check "merge refuses a shard of another sweep (rc $rc)" \
  bash -c "[ $rc -ne 0 ] && grep -q 'a shard of another sweep' refuse.err"
echo 'return { strategy = "opening_range_breakout.lua", grid = { qty = {1} }, walkforward = {} }' >bad.lua
T sweep bad.lua >/dev/null 2>bad.err && rc=0 || rc=$?
check "a misspelt key is refused naming it (rc $rc)" \
  bash -c "[ $rc -ne 0 ] && grep -q 'bad.lua: unknown key walkforward' bad.err"

# Walk-forward: choices on train windows, scored on the following test windows only.
cat >wf.lua <<'EOF'
return {
  strategy = "opening_range_breakout.lua",
  grid = { min_relvol = {0.9, 1.2, 1.6}, range_minutes = {10, 20} },
  data = { days = 8, symbols = 5 },
  metric = "pnl",
  walk_forward = { train = 4, test = 2 },
}
EOF
T sweep wf.lua --out wf.db >/dev/null 2>&1
T sweep report wf.db --html wf.html >wf.txt 2>/dev/null
head -6 wf.txt
check "walk-forward: the first figure printed is out of sample" \
  bash -c "sed -n 2p wf.txt | grep -q '^walk-forward OUT-OF-SAMPLE (2 windows, train 4 / test 2'"
check "walk-forward: the HTML states out of sample before in sample" \
  python3 -c "import sys; s=open('wf.html').read(); i=s.index('id=\"oos-figure\"'); sys.exit(0 if i < s.index('id=\"is-figure\"') and i < s.index('id=\"heatmap\"') else 1)"
# The chosen set of window 0 is the best on its train segment (seg 0), and its score is its
# own test segment's (seg 1) P&L.
best=$(sqlite3 wf.db "SELECT set_id FROM sweep_results WHERE seg = 0 ORDER BY pnl DESC, set_id LIMIT 1")
oos=$(sqlite3 wf.db "SELECT printf('%.4f', pnl) FROM sweep_results WHERE seg = 1 AND set_id = $best")
check "window 0 chose set $best on train and scored it on test only ($oos)" \
  grep -q "window 0: .* chose set $best .* -> test .* pnl $oos " wf.txt

T sweep report wf.db --json >wf.json 2>/dev/null
check "--json: out of sample first, the same figures as the text, every set ranked" \
  python3 -c "
import json, re, sys
j = json.load(open('wf.json'))
text = open('wf.txt').read()
oos = float(re.search(r'OUT-OF-SAMPLE .*: mean pnl ([-0-9.]+)', text).group(1))
sys.exit(0 if list(j)[0] == 'walk_forward' and abs(j['walk_forward']['out_of_sample'] - oos) < 1e-4
         and len(j['walk_forward']['windows']) == 2 and len(j['ranking']) == 6
         and j['proposed']['set'] == j['walk_forward']['windows'][-1]['chosen'] else 1)"

# CSV bars: data.dir is relative to the spec (here a sub-folder), and a shard run from another
# folder (as a Slurm job runs in its own) reads the same files and merges with the others.
mkdir -p specs
T data generate --days 6 --symbols 3 --out "$H/specs/bars" >/dev/null 2>&1
cat >specs/csv.lua <<'EOF'
return { strategy = "opening_range_breakout.lua", grid = { min_relvol = {1.0, 1.3} },
         data = { dir = "bars", from = "2026-01-05" }, metric = "pnl", walk_forward = { train = 2, test = 1 } }
EOF
T sweep specs/csv.lua --out csv.db >/dev/null 2>csv.err || cat csv.err
mkdir -p elsewhere
(cd elsewhere && T sweep ../specs/csv.lua --shard 0/2 --out ../c0.db >/dev/null 2>&1 &&
  T sweep "$H/specs/csv.lua" --shard 1/2 --out ../c1.db >/dev/null 2>&1)
T sweep merge cmerged.db c0.db c1.db >/dev/null 2>&1
T sweep report csv.db --html c.html >c.txt 2>/dev/null
T sweep report cmerged.db --html cm.html >cm.txt 2>/dev/null
check "--data: sessions from the CSV files, cut at data.from" grep -q 'sessions 2026-01-05 .. 2026-01-09 (5)' c.txt
check "--data: shards run from another folder merge into the same report" cmp c.txt cm.txt
check "--data: 2 sets x 3 walk-forward windows x 2 segments, every task stored" \
  bash -c "[ \$(sqlite3 cmerged.db 'SELECT count(*) FROM sweep_results WHERE disabled = 0') = 12 ]"

# Proposals go through the Healer and stay inside the strategy's tunable bounds.
T sweep report local.db --propose >prop1.out 2>prop1.err && rc=0 || rc=$?
check "a set that moves an untunable param is not proposed (rc $rc)" \
  bash -c "[ $rc -ne 0 ] && grep -q 'does not declare range_minutes tunable' prop1.err"
cat >tune.lua <<'EOF'
return { strategy = "opening_range_breakout.lua", grid = { min_relvol = {0.9, 1.5} }, data = { days = 4, symbols = 4 }, metric = "pnl" }
EOF
T sweep tune.lua --out tune.db >/dev/null 2>&1
T sweep report tune.db --propose >prop2.out 2>prop2.err || cat prop2.err
id=$(sed -n 's/^proposed   Healer directive \([^ ]*\) .*/\1/p' prop2.out)
check "the best tunable set is queued as a Healer param_change ($id)" \
  python3 -c "
import json,sys
d=[x for x in json.load(open('$H/home/data/healer_active_directives.json'))['directives'] if x['id']=='$id']
sys.exit(0 if d and d[0]['kind']=='param_change' and d[0]['status']=='Queued' and d[0]['proposer']=='sweep' and d[0]['change']['strategy']=='opening_range_breakout' and not d[0]['can_auto_apply'] else 1)"
sed 's/1.5}/2.5}/; s/metric = "pnl"/metric = "max_drawdown_pct"/' tune.lua >wide.lua
sed -i 's/0.9, 2.5/2.5/' wide.lua
T sweep wide.lua --out wide.db >/dev/null 2>&1
T sweep report wide.db --propose >/dev/null 2>prop3.err && rc=0 || rc=$?
check "a value outside the tunable bounds is not proposed (rc $rc)" \
  bash -c "[ $rc -ne 0 ] && grep -q 'min_relvol = 2.5 is outside' prop3.err"
# A crafted results database naming a file that declares the same strategy with wider bounds:
# the bounds of the home's file, which the Healer would change, still hold.
cat >wide_bounds.lua <<'EOF'
return { name = "opening_range_breakout", params = { min_relvol = 1.2 },
  tunable = { min_relvol = { min = 0, max = 100 } }, on_bar = function() end }
EOF
cp wide.db crafted.db
sqlite3 crafted.db "UPDATE sweep_meta SET value = '$H/wide_bounds.lua' WHERE key = 'strategy_path'"
n0=$(jq '.directives | length' "$H/home/data/healer_active_directives.json")
T sweep report crafted.db --propose >/dev/null 2>prop4.err && rc=0 || rc=$?
check "a crafted database naming a file with wider bounds proposes nothing (rc $rc: $(head -c 200 prop4.err))" \
  bash -c "[ $rc -ne 0 ] && grep -q 'min_relvol = 2.5 is outside opening_range_breakout.s tunable bounds \[0.8' prop4.err"
check "and queues no directive" \
  [ "$(jq '.directives | length' "$H/home/data/healer_active_directives.json")" = "$n0" ]
# Shares are whole: a grid value of 12.5 for qty (whose default is 20) is within [5, 20] but no
# order can carry it.
cat >half.lua <<'EOF'
return { strategy = "opening_range_breakout.lua", grid = { qty = {12.5} }, data = { days = 2, symbols = 2 }, metric = "pnl" }
EOF
T sweep half.lua --out half.db >/dev/null 2>&1
T sweep report half.db --propose >/dev/null 2>prop5.err && rc=0 || rc=$?
check "a fractional qty is not proposed (rc $rc: $(head -c 160 prop5.err))" \
  bash -c "[ $rc -ne 0 ] && grep -q 'qty = 12.5 must be a whole number' prop5.err"
# A results file from elsewhere (a shard on a shared cluster disk) with markup in its dates: the
# report shows it as text, never as markup, and reads no date past its end.
cp wf.db evil.db
sqlite3 evil.db "UPDATE sweep_meta SET value = '<script>alert(1)' WHERE key IN ('first', 'last');
  UPDATE sweep_segments SET from_day = '<script>alert(2)</script>', to_day = '<img src=x onerror=alert(3)>';
  UPDATE sweep_results SET equity = '[[\"2026-<svg onload=alert(4)>\", 1], [\"\", 2], [\"x\", 3]]'"
T sweep report evil.db --html evil.html >/dev/null 2>evil.err && rc=0 || rc=$?
check "a results file with markup in its dates still reports (rc $rc)" [ "$rc" = 0 ]
check "its HTML holds that markup as text only" \
  bash -c "! grep -qE '<script>alert|<img src=x|<svg onload' evil.html && grep -q '&lt;script&gt;alert(2' evil.html && grep -q '&lt;svg onload' evil.html"
finish
