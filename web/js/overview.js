// Overview: connection status, account, equity and drawdown, positions, orders, candidates.
import { api, post, stream, setToken, token, usd, pct, num, time, setText, table, showError, sessionX } from './common.js';

const points = { i: [], t: [], eq: [], dd: [] };
let eqChart = null;
let ddChart = null;

function chart(id, label, color, values, tick) {
  const box = document.getElementById(id);
  const x = sessionX(() => points.t);
  const opts = {
    width: box.clientWidth || 800,
    height: 220,
    scales: { x: x.scale },
    series: [x.series, { label, stroke: color, width: 1.5, value: (u, v) => values(v) }],
    axes: [x.axis, { stroke: '#8a96a3', grid: { stroke: '#2a323c' }, size: 80, values: (u, vs) => vs.map(tick) }],
  };
  const u = new uPlot(opts, [[], []], box);
  box.uplot = u; // for the browser test
  return u;
}

function addPoints(list) {
  for (const [tms, eq, dd] of list) {
    const t = tms / 1000;
    if (points.t.length && t <= points.t[points.t.length - 1]) continue;
    points.i.push(points.t.length); points.t.push(t); points.eq.push(eq); points.dd.push(-dd * 100);
  }
  eqChart.setData([points.i, points.eq]);
  ddChart.setData([points.i, points.dd]);
  document.getElementById('equity-chart').dataset.points = String(points.t.length);
}

function status(s) {
  const ok = (c) => (c ? 'big ok' : 'big bad');
  setText('broker-status', s.broker.status, ok(s.broker.connected));
  setText('broker-name', `${s.broker.name} · ${s.broker.state}`);
  setText('feed-status', s.feed.status, ok(s.feed.connected));
  setText('feed-detail', `${s.feed.name} · ${s.feed.played.toLocaleString()} of ${s.feed.total.toLocaleString()} bars`
    + (s.catching_up ? ` · catching up to ${time(s.feed.catch_up_to)} (${s.feed.catch_up_bars.toLocaleString()} bars)` : ''));
  setText('sim-time', s.sim_time ? `market time ${time(s.sim_time)}` : '');
  const a = s.account || {};
  setText('equity', usd(a.equity));
  setText('pnl', `realised ${usd(a.realized_pnl)} · unrealised ${usd(a.unrealized_pnl)} · fees ${usd(a.fees)}`);
  setText('cash', usd(a.cash));
  setText('bp', `buying power ${usd(a.buying_power)}`);
  setText('drawdown', pct(a.drawdown), a.drawdown > 0.05 ? 'big warn' : 'big');
  setText('maxdd', `max ${pct(a.max_drawdown)} · peak ${usd(a.peak_equity)}`);
  const sm = s.survival_mode;
  setText('survival', sm.active ? `ACTIVE (VIX ${num(sm.vix, 1)})` : 'off', sm.active ? 'big warn' : 'big');
  const p = s.pdt;
  setText('pdt', p.applies
    ? `${p.day_trade_count} day trades (${p.pending} pending), ${p.left} left · policy ${p.policy}`
    : `day-trade guard does not apply (policy ${p.policy || 'off'})`);
  const l = s.loop_latency_us;
  setText('latency', `p99 ${num(l.p99 / 1000, 1)} ms`);
  // The figure of this run's mode only (docs/architecture.md, "Loop latency"): a replay's is not live's.
  setText('latency-detail', `${l.mode || ''} · p50 ${num(l.p50 / 1000, 2)} ms · max ${num(l.max / 1000, 1)} ms · ${l.count} probes`);
  setText('kill-state', s.kill_switch.engaged ? `ENGAGED ${s.kill_switch.reason}` : 'off',
    s.kill_switch.engaged ? 'big bad' : 'big ok');
  const diffs = s.position_differences || [];
  document.getElementById('posdiff-alert').hidden = !diffs.length;
  table('posdiff', [['symbol', (d) => d.symbol], ['engine qty', (d) => d.engine_qty],
    ['broker qty', (d) => d.broker_qty], ['since', (d) => time(d.since)],
    ['reconciliations', (d) => d.reconciliations]], diffs, 'none');
  const t = s.trading;
  table('trading', [['bars', () => t.bars], ['intents', () => t.intents], ['orders', () => t.orders],
    ['fills', () => t.fills], ['blocked', () => t.blocked], ['rejected', () => t.rejected]], [t]);
}

async function refreshTables() {
  try {
    const [pos, ord, cand] = await Promise.all([api('/api/positions'), api('/api/orders'), api('/api/candidates')]);
    // qty is the account's net; "by strategy" the owners' own shares, which sum to it.
    const owners = (p) => (p.strategies || []).map((s) => `${s.strategy} ${s.qty}`).join(', ');
    table('positions', [['symbol', (p) => p.symbol], ['qty', (p) => p.qty], ['by strategy', owners],
      ['avg', (p) => num(p.avg_price)], ['last', (p) => num(p.last)],
      ['unrealised', (p) => usd(p.unrealized_pnl)]], pos, 'flat');
    table('orders', [['symbol', (o) => o.symbol], ['side', (o) => o.side], ['qty', (o) => o.qty],
      ['type', (o) => o.type], ['status', (o) => o.status], ['strategy', (o) => o.strategy], ['reason', (o) => o.reason]],
    ord, 'no open orders');
    setText('candidates-loaded', cand.loaded_at ? `loaded ${time(cand.loaded_at)}` : 'not loaded yet');
    const cols = (cand.columns || []).slice(0, 5).map((c) => [c, (r) => r[c]]);
    table('candidates', cols.length ? cols : [['symbol', (r) => r.symbol]], cand.candidates,
      `no ${cand.file} yet (the orchestrator writes it)`);
    showError('error', null);
  } catch (err) { showError('error', err); }
}

async function killSwitch(engage) {
  const input = document.getElementById('token');
  if (input.value) setToken(input.value);
  try {
    const r = await post('/api/kill_switch', { engage });
    setText('kill-msg', r.engaged ? 'Kill switch engaged: new orders blocked, open orders cancelled' : 'Released');
  } catch (err) {
    setText('kill-msg', err.status === 401 ? 'Refused: the token is missing or wrong' : err.message, 'error');
  }
}

async function main() {
  eqChart = chart('equity-chart', 'equity', '#58a6ff', (v) => (v == null ? '' : usd(v)),
    (v) => `$${Math.round(v).toLocaleString('en-US')}`);
  ddChart = chart('drawdown-chart', 'drawdown %', '#f85149', (v) => (v == null ? '' : `${v.toFixed(2)}%`),
    (v) => `${v.toFixed(2)}%`);
  document.getElementById('token').value = token();
  document.getElementById('kill-form').addEventListener('submit', (e) => { e.preventDefault(); killSwitch(true); });
  document.getElementById('kill-release').addEventListener('click', () => killSwitch(false));
  try {
    status(await api('/api/status'));
    addPoints((await api('/api/equity')).points);
  } catch (err) { showError('error', err); }
  refreshTables();
  setInterval(refreshTables, 3000);
  stream({ status, equity: addPoints });
  window.addEventListener('resize', () => {
    for (const [c, id] of [[eqChart, 'equity-chart'], [ddChart, 'drawdown-chart']])
      c.setSize({ width: document.getElementById(id).clientWidth, height: 220 });
  });
}

main();
