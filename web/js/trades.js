// Trades: the closed trades of this run with filters by strategy, symbol and day (/api/trades),
// P&L per day and per strategy, and open positions per strategy beside the account's net.
import { api, stream, usd, num, time, setText, table, showError } from './common.js';

const filters = ['strategy', 'symbol', 'day'];

// Keeps a <select>'s choice while its options follow what has traded so far.
function options(id, values) {
  const s = document.getElementById(id);
  const keep = s.value;
  const have = [...s.options].map((o) => o.value).slice(1);
  if (have.join('\n') === values.join('\n')) return;
  s.replaceChildren(new Option('all', ''), ...values.map((v) => new Option(v, v)));
  s.value = values.includes(keep) ? keep : '';
}

const signed = (v) => { const e = document.createElement('span'); e.textContent = usd(v); e.className = v < 0 ? 'bad' : v > 0 ? 'ok' : ''; return e; };

async function refresh() {
  try {
    const q = new URLSearchParams();
    for (const f of filters) { const v = document.getElementById(`f-${f}`).value; if (v) q.set(f, v); }
    const [t, pos] = await Promise.all([api(`/api/trades?${q}`), api('/api/positions')]);
    options('f-strategy', [...t.strategies].sort());
    options('f-symbol', [...t.symbols].sort());
    options('f-day', [...t.days].sort().reverse());
    setText('trade-count', `${t.count} trades${t.count > t.trades.length ? ` (newest ${t.trades.length} shown)` : ''}`);
    const sums = [['trades', (g) => g.trades], ['won', (g) => g.wins], ['P&L', (g) => signed(g.pnl)],
      ['fees', (g) => usd(g.fees)], ['net', (g) => signed(g.net)]];
    table('by-day', [['day', (g) => g.day], ...sums], [...t.by_day].sort((a, b) => (a.day < b.day ? 1 : -1)), 'no trades');
    table('by-strategy', [['strategy', (g) => g.strategy], ...sums], t.by_strategy, 'no trades');
    table('trades', [['entry', (r) => time(r.entry_time)], ['exit', (r) => time(r.exit_time)],
      ['strategy', (r) => r.strategy], ['symbol', (r) => r.symbol], ['side', (r) => r.side], ['qty', (r) => r.qty],
      ['entry price', (r) => num(r.entry_price, 4)], ['exit price', (r) => num(r.exit_price, 4)],
      ['P&L', (r) => signed(r.pnl)], ['fees', (r) => usd(r.fees)], ['reason', (r) => r.reason]],
    t.trades, 'no closed trades match');
    // One row per (strategy, symbol) holding shares, then the account's net per symbol.
    const rows = [];
    for (const p of pos) {
      for (const s of p.strategies || []) if (s.qty) rows.push({ strategy: s.strategy, symbol: p.symbol, qty: s.qty });
      rows.push({ strategy: 'net (account)', symbol: p.symbol, qty: p.qty, net: true });
    }
    table('open-positions', [['strategy', (r) => r.strategy], ['symbol', (r) => r.symbol], ['qty', (r) => r.qty]],
      rows, 'flat');
    showError('error', null);
  } catch (err) { showError('error', err); }
}

for (const f of filters) document.getElementById(`f-${f}`).addEventListener('change', refresh);
refresh();
setInterval(refresh, 3000);
stream({});
