#!/usr/bin/env node
'use strict';
// Polygon.io / Massive emulator (loopback only), following ../../../shared/reference/polygon.md:
// aggregates (minute and day) with next_url pagination, grouped daily, snapshots, I:VIX,
// NOT_AUTHORIZED.
// Usage: node polygon_emu.js [--port N] [--key K] [--plan free|paid|unentitled] [--page N]
//                            [--today YYYY-MM-DD]
// The free plan answers DELAYED for stocks and NOT_AUTHORIZED for indices; "unentitled" answers
// NOT_AUTHORIZED for everything. from/to are dates or Unix ms. On --today only the minutes the
// market has reached exist: POST /__emu/advance {minutes} moves it on (a fake clock on request).
// Snapshots (tickers, gainers, losers) derive from the same bars (see snapshot()); the free plan
// has none (NOT_AUTHORIZED), as on Polygon. Faults: POST /__emu/fault
// {kind: "429"|"500"|"malformed"|"403", count, retry_after}. Prints {"port":N} once listening.
const http = require('http');
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => {
  if (v.startsWith('--')) a.push([v.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : '1']);
  return a;
}, []));
const KEY = args.key || 'polygon-emulator-key';
const PAGE = Number(args.page || 100);
const st = { plan: args.plan || 'paid', faults: [], requests: 0, withKeyInUrl: 0, today: args.today || '', cursor: 0 };
let base = '';

const json = (res, code, obj, h) => { res.writeHead(code, Object.assign({ 'Content-Type': 'application/json' }, h || {})); res.end(typeof obj === 'string' ? obj : JSON.stringify(obj)); };
const rid = () => Math.random().toString(16).slice(2, 18);

// Deterministic minute bars of a ticker for a day: 09:30..15:59 ET (14:30 UTC in winter),
// with a few minutes missing (no trades: absent, as on Polygon).
function minuteBars(ticker, day) {
  const t0 = Date.parse(`${day}T14:30:00Z`);
  let seed = [...ticker].reduce((s, c) => s * 31 + c.charCodeAt(0), 7) % 1000;
  let px = 50 + seed / 10;
  const out = [];
  for (let i = 0; i < 390; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    if (i % 97 === 13) continue;
    const o = px, c = Math.max(1, px + ((seed % 200) - 100) / 100);
    out.push({ v: 1000 + (seed % 5000), vw: (o + c) / 2, o, c, h: Math.max(o, c) + 0.05, l: Math.min(o, c) - 0.05, t: t0 + i * 60000, n: 10 + (seed % 50) });
    px = c;
  }
  return out;
}

// Minute bars of every day in [from, to] (dates or Unix ms); on --today only up to the cursor.
function minutesBetween(ticker, from, to) {
  const ms = (x, end) => (/^\d+$/.test(x) ? Number(x) : Date.parse(`${x}T00:00:00Z`) + (end ? 86400000 - 1 : 0));
  const lo = ms(from, false), hi = ms(to, true);
  const out = [];
  for (let d = Math.floor(lo / 86400000) * 86400000; d <= hi; d += 86400000) {
    const day = new Date(d).toISOString().slice(0, 10);
    const t0 = Date.parse(`${day}T14:30:00Z`);
    for (const b of minuteBars(ticker, day)) {
      if (b.t < lo || b.t > hi) continue;
      if (day === st.today && (b.t - t0) / 60000 >= st.cursor) continue;
      out.push(b);
    }
  }
  return out;
}

// Snapshots derived from the same minute bars: day = today's bars so far (all of them without
// --today), min = the latest of them, prevDay = the previous weekday's bars as one daily bar.
// Before the first minute (--today, cursor 0) the day is cleared (zeros, as Polygon does at 03:30
// ET), min is absent and the last trade is the previous close.
const UNIVERSE = ['AAPL', 'MSFT', 'NVDA', 'AMD', 'TSLA', 'META', 'AMZN', 'GOOGL', 'NFLX', 'INTC', 'PLTR', 'SOFI', 'RIVN', 'COIN', 'SNAP', 'UBER', 'SHOP', 'ROKU', 'MARA', 'RIOT', 'F', 'GM', 'BA', 'DIS', 'PYPL'];
function daily(bars) {
  if (!bars.length) return { o: 0, h: 0, l: 0, c: 0, v: 0, vw: 0 };
  const v = bars.reduce((a, b) => a + b.v, 0);
  return { o: bars[0].o, h: Math.max(...bars.map((b) => b.h)), l: Math.min(...bars.map((b) => b.l)), c: bars[bars.length - 1].c, v, vw: bars.reduce((a, b) => a + b.vw * b.v, 0) / v };
}
function prevWeekday(day) {
  let d = Date.parse(`${day}T00:00:00Z`) - 86400000;
  while ([0, 6].includes(new Date(d).getUTCDay())) d -= 86400000;
  return new Date(d).toISOString().slice(0, 10);
}
function snapshot(ticker) {
  const day = st.today || new Date().toISOString().slice(0, 10);
  const t0 = Date.parse(`${day}T14:30:00Z`);
  const today = minuteBars(ticker, day).filter((b) => !st.today || (b.t - t0) / 60000 < st.cursor);
  const prev = daily(minuteBars(ticker, prevWeekday(day)));
  const last = today[today.length - 1];
  const d = daily(today);
  const px = last ? last.c : prev.c;
  const tns = (last ? last.t + 59000 : t0 - 17.5 * 3600000) * 1e6;
  const out = { ticker, todaysChange: last ? px - prev.c : 0, todaysChangePerc: last ? (px / prev.c - 1) * 100 : 0, updated: tns, day: d, prevDay: prev,
    lastTrade: { c: [14, 41], i: '71675577320245', p: px, s: 100, t: tns, x: 4 }, lastQuote: { P: px + 0.01, S: 2, p: px - 0.01, s: 3, t: tns } };
  if (last) out.min = { av: d.v, t: last.t, n: last.n, o: last.o, h: last.h, l: last.l, c: last.c, v: last.v, vw: last.vw };
  return out;
}

// Daily bars (t: midnight ET, 05:00 UTC in winter) of the weekdays in [from, to], made of that
// day's minute bars.
function daysBetween(ticker, from, to) {
  const out = [];
  for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += 86400000) {
    const day = new Date(d).toISOString().slice(0, 10), wd = new Date(d).getUTCDay();
    if (wd === 0 || wd === 6) continue;
    const m = minuteBars(ticker, day);
    out.push({ ...daily(m), t: Date.parse(`${day}T05:00:00Z`), n: m.reduce((s, b) => s + b.n, 0) });
  }
  return out;
}

function take(kind) {
  const f = st.faults.find((x) => x.kind === kind && x.count > 0);
  if (f) f.count--;
  return f;
}

function route(req, res, body) {
  const url = new URL(req.url, base);
  const p = url.pathname;
  if (p.startsWith('/__emu/')) {
    if (p === '/__emu/fault') st.faults.push(Object.assign({ count: 1 }, JSON.parse(body || '{}')));
    if (p === '/__emu/plan') st.plan = JSON.parse(body).plan;
    if (p === '/__emu/advance') st.cursor += JSON.parse(body || '{}').minutes || 1;
    return json(res, 200, { requests: st.requests, with_key_in_url: st.withKeyInUrl, cursor: st.cursor });
  }
  st.requests++;
  if (url.searchParams.get('apiKey')) st.withKeyInUrl++;
  const key = url.searchParams.get('apiKey') || (req.headers.authorization || '').replace(/^Bearer /, '');
  if (key !== KEY) return json(res, 401, { status: 'ERROR', request_id: rid(), error: 'Unknown API Key' });
  let f;
  if ((f = take('429'))) return json(res, 429, { status: 'ERROR', request_id: rid(), error: 'You\'ve exceeded the maximum requests per minute' }, { 'Retry-After': String(f.retry_after || 1) });
  if ((f = take('500'))) return json(res, 500, { status: 'ERROR', request_id: rid(), error: 'internal error' });
  if ((f = take('malformed'))) return json(res, 200, '{"status":"OK","results":[{"o":1,');
  if ((f = take('403'))) return json(res, 403, { status: 'NOT_AUTHORIZED', request_id: rid(), message: 'You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing' });
  let m;
  if ((m = p.match(/^\/v2\/aggs\/ticker\/([^/]+)\/range\/(\d+)\/(\w+)\/([\d-]+)\/([\d-]+)$/))) {
    const [, ticker, , span, from, to] = m;
    if ((ticker.startsWith('I:') && st.plan === 'free') || st.plan === 'unentitled') return json(res, 403, { status: 'NOT_AUTHORIZED', request_id: rid(), message: 'You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing' });
    const all = span === 'minute' ? minutesBetween(ticker, from, to) : span === 'day' ? daysBetween(ticker, from, to) : [];
    const cursor = Number(url.searchParams.get('cursor') || 0);
    const results = all.slice(cursor, cursor + PAGE);
    const out = { ticker, queryCount: all.length, resultsCount: results.length, adjusted: true, results, status: st.plan === 'free' ? 'DELAYED' : 'OK', request_id: rid(), count: results.length };
    if (cursor + PAGE < all.length) out.next_url = `${base}${p}?cursor=${cursor + PAGE}`;
    return json(res, 200, out);
  }
  if ((m = p.match(/^\/v2\/aggs\/grouped\/locale\/us\/market\/stocks\/([\d-]+)$/))) {
    const t = Date.parse(`${m[1]}T05:00:00Z`);
    const results = ['AAPL', 'MSFT', 'NVDA', 'AMD'].map((T, i) => ({ T, v: 1e6 * (i + 1), vw: 100 + i, o: 100 + i, c: 101 + i, h: 102 + i, l: 99 + i, t, n: 1000 }));
    return json(res, 200, { status: 'OK', queryCount: 4, resultsCount: 4, adjusted: true, results, request_id: rid() });
  }
  if (p === '/v3/snapshot/indices') {
    if (st.plan === 'free' || st.plan === 'unentitled') return json(res, 403, { status: 'NOT_AUTHORIZED', request_id: rid(), message: 'You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing' });
    return json(res, 200, { status: 'OK', request_id: rid(), results: [{ ticker: 'I:VIX', value: 17.42, name: 'CBOE Volatility Index', market_status: 'open', type: 'indices' }] });
  }
  if ((m = p.match(/^\/v2\/snapshot\/locale\/us\/markets\/stocks\/(tickers|gainers|losers)$/))) {
    if (st.plan === 'free' || st.plan === 'unentitled') return json(res, 403, { status: 'NOT_AUTHORIZED', request_id: rid(), message: 'You are not entitled to this data. Please upgrade your plan at https://polygon.io/pricing' });
    const status = 'OK';
    if (m[1] === 'tickers') {
      const q = url.searchParams.get('tickers');
      const tickers = (q ? q.split(',') : UNIVERSE).map(snapshot);
      return json(res, 200, { status, count: tickers.length, tickers, request_id: rid() });
    }
    const all = UNIVERSE.map(snapshot).filter((s) => (m[1] === 'gainers' ? s.todaysChangePerc > 0 : s.todaysChangePerc < 0));
    all.sort((a, b) => (m[1] === 'gainers' ? b.todaysChangePerc - a.todaysChangePerc : a.todaysChangePerc - b.todaysChangePerc));
    return json(res, 200, { status, tickers: all.slice(0, 20), request_id: rid() });
  }
  json(res, 404, { status: 'ERROR', request_id: rid(), error: 'not found' });
}

const server = http.createServer((req, res) => { let b = ''; req.on('data', (d) => { b += d; }); req.on('end', () => route(req, res, b)); });
server.listen(Number(args.port || 0), '127.0.0.1', () => {
  base = `http://127.0.0.1:${server.address().port}`;
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
