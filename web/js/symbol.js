// Symbol view: candlesticks with indicators, buy/sell markers at the fills and the working
// orders' prices; the decisions with their reasons, orders and fills.
import { api, stream, num, time, el, setText, table, showError, sessionX } from './common.js';
import { candleChart } from './candles.js';

const params = new URLSearchParams(location.search);
let symbol = params.get('s') || '';
let priceChart = null;
let rsiChart = null;
let decisions = [];
let times = [];

function charts() {
  const box = document.getElementById('price-chart');
  priceChart = candleChart(box, 340, [['sma', '#d29922', null, 'sma'], ['vwap', '#a371f7', null, 'vwap'],
    ['bb upper', '#6e7681', [4, 4], 'bb_upper'], ['bb lower', '#6e7681', [4, 4], 'bb_lower']]);
  const x = sessionX(() => times);
  rsiChart = new uPlot({
    width: box.clientWidth || 800, height: 160, scales: { x: x.scale, y: { range: [0, 100] } },
    axes: [x.axis, { stroke: '#8a96a3', grid: { stroke: '#2a323c' }, size: 60 }],
    series: [x.series, { label: 'rsi', stroke: '#a371f7' }],
  }, [[], []], document.getElementById('rsi-chart'));
}

function verdictCell(d) {
  const cls = d.verdict === 'submitted' ? 'ok' : d.verdict === 'blocked' ? 'warn' : d.verdict === 'error' ? 'bad' : '';
  return el('span', { class: cls }, d.verdict + (d.gate ? ` (${d.gate})` : ''));
}

function renderDecisions() {
  table('decisions', [['time', (d) => time(d.t)], ['strategy', (d) => d.strategy], ['side', (d) => d.side],
    ['qty', (d) => d.qty], ['price', (d) => num(d.price)], ['verdict', verdictCell],
    ['reason', (d) => el('span', { class: 'reason' }, d.reason + (d.why ? ` — ${d.why}` : ''))],
    ['rsi', (d) => num(d.ind && d.ind.rsi, 1)]], decisions.slice(0, 200), 'no decisions for this symbol yet');
}

async function loadSymbol() {
  try {
    const [bars, dec, ord] = await Promise.all([
      api(`/api/symbol/${encodeURIComponent(symbol)}`),
      api(`/api/decisions?symbol=${encodeURIComponent(symbol)}&limit=200`),
      api(`/api/orders?symbol=${encodeURIComponent(symbol)}`)]);
    times = bars.t;
    priceChart.setData(bars, bars.fills, ord);
    rsiChart.setData([bars.t.map((_, k) => k), bars.indicators.rsi]);
    setText('last', `last ${num(bars.close[bars.close.length - 1])}`);
    decisions = dec;
    renderDecisions();
    table('orders', [['side', (o) => o.side], ['qty', (o) => o.qty], ['type', (o) => o.type],
      ['limit', (o) => num(o.limit)], ['stop', (o) => num(o.stop)], ['status', (o) => o.status],
      ['reason', (o) => o.reason]], ord, 'no open orders');
    table('fills', [['time', (f) => time(f.time)], ['side', (f) => f.side], ['qty', (f) => f.qty],
      ['price', (f) => num(f.price)], ['strategy', (f) => f.strategy]], [...bars.fills].reverse(), 'no fills yet');
    showError('error', null);
  } catch (err) { showError('error', err); }
}

async function main() {
  charts();
  const select = document.getElementById('symbol-select');
  const list = await api('/api/symbols');
  if (!symbol && list.length) symbol = list[0].symbol;
  select.replaceChildren(...list.map((s) => el('option', { value: s.symbol }, s.symbol)));
  select.value = symbol;
  select.addEventListener('change', () => { location.search = `?s=${encodeURIComponent(select.value)}`; });
  await loadSymbol();
  setInterval(loadSymbol, 5000);
  stream({
    decision: (d) => {
      if (d.symbol !== symbol) return;
      decisions.unshift(d);
      renderDecisions();
    },
  });
}

main().catch((err) => showError('error', err));
