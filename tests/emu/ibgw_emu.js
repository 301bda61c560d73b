#!/usr/bin/env node
'use strict';
// IB Gateway emulator (loopback only, Node core modules only), following
// ../../../shared/reference/ibkr-tws.md and pinned to server version 151 (the classic text
// protocol; field layouts as @stoqey/ib encodes and decodes them at that version):
// - connection: "API\0" + version range, server version and time, START_API, NEXT_VALID_ID,
//   MANAGED_ACCTS, farm notices 2104/2106/2158, 326 for a client id in use;
// - orders: PLACE_ORDER (110 fields, enforced) for STK market/limit/stop/stop-limit orders and
//   brackets (parentId; nothing works until a child with transmit=1 arrives), CANCEL_ORDER,
//   a placeOrder on a working id as a modification (price, quantity, orderRef), REQ_IDS,
//   REQ_OPEN_ORDERS / REQ_ALL_OPEN_ORDERS, REQ_EXECUTIONS, REQ_POSITIONS,
//   REQ_ACCOUNT_SUMMARY, answered with OPEN_ORDER (120 fields), ORDER_STATUS, EXECUTION_DATA,
//   COMMISSION_REPORT, POSITION_DATA, ACCOUNT_SUMMARY and their End messages;
// - a deterministic fill model: every tick (--tick-ms) market orders fill at the symbol's price,
//   limits and stops when the price touches them; bracket legs work once the parent filled and
//   cancel each other (OCA); a partial fill on request waits for the next price change;
// - faults: 201 reject (on request, or an order beyond buying power), 103 for an id used before,
//   the daily restart (all sockets dropped, refused for N ms; orders live on and may fill while
//   down), 1100/1101/1102, a frame cut mid-message, a held client id (326);
// - market data on an emulated clock (as the Alpaca emulator: the market moves only when told,
//   data_advance?minutes=N from --data-open, the first regular minute): REQ_REAL_TIME_BARS (19
//   fields at 151) answered with the 5-second TRADES bars of a deterministic series as each
//   minute passes (intervals without trades absent, some minutes with none), REQ_HISTORICAL_DATA
//   (23 fields) with the 1-minute bars of the same series (formatDate 2: epoch seconds; 162 "no
//   data" when none), IB's historical pacing enforced with 162 (an identical request within 15 s,
//   a sixth for one contract within 2 s, more than 60 in 10 minutes); subscriptions die with the
//   socket (restart), on 1101 and on a farm-broken notice, and are not renewed by the emulator.
// --max-version N: the highest server version this Gateway speaks (default 151); the handshake
//   settles on min(client max, N), and only the 151 layout of placeOrder is modelled: at any other
//   version every placeOrder is answered 320 (what an older Gateway does with a 151 order).
// --reject-symbol S|* [--reject-text T]: as reject_symbol below, from the start.
// Usage: node ibgw_emu.js [--port N] [--next-id N] [--max-version N] [--tick-ms N] [--data-open ISO]
// Prints {"port":N,"ctl":M}; control (POST or GET) http://127.0.0.1:M/<name>: lost, restored,
// restored_lost, restart?ms=N, hold_id?id=N, drop_mid, price?symbol=S&price=P,
// partial?qty=N, reject_next?text=T, reject_symbol?symbol=S|*&text=T (201 for every new order of
// S from now on: a symbol rejected for good),  drop_exec?n=N (the next N execDetails never sent),
// use_id?id=N, fills?on=0|1, ack_delay?ms=N&n=K (the next K orders are acknowledged N ms late: no
// openOrder/orderStatus, not in reqOpenOrders, no fill until then; stats.late_acks counts them), comm_delay?ms=N (COMMISSION_REPORT sent N ms after its execution;
// stats.commission_micros sums every execution's commission), farm_broken, farm_ok, data_advance?minutes=N,
// expected?symbols=A,B (minute bars of the series so far), stats;
// data_silent: the real-time subscriptions open now stay open but get no bar (the socket stays
//   up, history keeps growing; a new subscription after CANCEL_REAL_TIME_BARS gets bars again);
// thin?symbol=S: S never trades in the last 5 seconds of a minute (no +55 s bar, in history too);
// late_last?symbol=S&ms=N: S's +55 s bars are sent N ms after the rest of their minute;
// hist_error?code=C&n=N: the next N historical requests (past the pacing check) are answered
//   with error C (200 no security definition, 321, 354 not subscribed, ...) instead of bars;
// hist_drop?n=N: the next N historical requests are never answered;
// hist_hold: historical requests get no answer until hist_release (then each is answered, in
//   order, with the bars it asked for: a slow HMDS farm).
const net = require('net');
const http = require('http');
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => {
  if (v.startsWith('--')) a.push([v.slice(2), all[i + 1]]);
  return a;
}, []));
const SERVER_MAX = Number(args['max-version'] || 151), SERVER_MIN = 100;
const ACCOUNT = 'DU1234567';
const PLACE_FIELDS = 110, MAXD = '1.7976931348623157E308';
const st = {
  nextId: Number(args['next-id'] || 1000), clients: new Map(), down: false, held: new Set(), foreign: new Set(),
  orders: new Map(), execs: [], positions: new Map(), prices: new Map(), used: new Set(),
  partialNext: 0, commDelay: 0, rejectNext: null, rejectSymbols: new Set(args['reject-symbol'] ? [args['reject-symbol']] : []),
  rejectSymbolText: args['reject-text'] || 'No Trading Permissions', dropExec: 0, fillsOn: true, permSeq: 900000, execSeq: 0, cash: 1000000,
  stats: { connects: 0, start_api: 0, req_open: 0, req_pos: 0, req_exec: 0, rejected_326: 0,
    place_order: 0, cancel_order: 0, bad_place: 0, dup_103: 0, rejected_201: 0, fills: 0,
    transmit_violations: 0, req_ids: 0, modify: 0, dropped_execs: 0, msgs: 0, max_per_sec: 0, pacing_100: 0, acct_summary: 0, acct_322: 0, refs: {}, ids: {},
    rt_subs: 0, rt_cancels: 0, rt_silenced: 0, rt_bars_sent: 0, rt_bad: 0, hist_reqs: 0, hist_bad: 0, hist_162_pacing: 0, hist_162_nodata: 0, hist_bars_sent: 0, data_minutes: 0,
    hist_errors_sent: 0, hist_dropped: 0, hist_held: 0, rejects_by_symbol: {}, commission_micros: 0, late_acks: 0 },
  ackDelayMs: 0, ackDelayN: 0,
};

// ---- market data: a deterministic series on an emulated clock ----
const mkt = { open: Date.parse(args['data-open'] || '2026-11-30T14:30:00Z') / 1000, cursor: 0, histLog: [],
  thin: new Set(), lateLast: new Map(), histError: null, histErrorN: 0, histDrop: 0, hold: null };
const hash = (...xs) => {
  let h = 2166136261;
  for (const ch of xs.join('|')) { h ^= ch.charCodeAt(0); h = Math.imul(h, 16777619) >>> 0; }
  return h;
};
const minuteTrades = (sym, i) => hash(sym, i) % 9 !== 4; // about one minute in nine has no trade
const cents = (c) => (c / 100).toFixed(2);
// The 5-second bar k (0..11) of minute i: null when nothing traded in it. The first and the last
// interval of a trading minute always trade, so a minute closes on its own last bar.
function fiveBar(sym, i, k) {
  if (!minuteTrades(sym, i) || (k > 0 && k < 11 && hash(sym, i, k) % 5 === 2)) return null;
  if (k === 11 && mkt.thin.has(sym)) return null;
  const base = 10000 + (hash(sym) % 5000), step = (n) => base + ((n * 7) % 41) - 20;
  const o = step(i * 12 + k), c = step(i * 12 + k + 1), hi = Math.max(o, c) + 2, lo = Math.min(o, c) - 1;
  const volume = 100 + (hash(sym, i, k, 'v') % 400), count = 1 + (hash(sym, i, k, 'n') % 20);
  return { t: mkt.open + i * 60 + k * 5, o, h: hi, l: lo, c, volume, wap: Math.round((hi + lo) * 50) / 10000, count };
}
function minuteBar(sym, i) {
  const parts = [];
  for (let k = 0; k < 12; k++) { const b = fiveBar(sym, i, k); if (b) parts.push(b); }
  if (!parts.length) return null;
  const volume = parts.reduce((a, b) => a + b.volume, 0);
  return { t: mkt.open + i * 60, o: parts[0].o, h: Math.max(...parts.map((b) => b.h)), l: Math.min(...parts.map((b) => b.l)),
    c: parts[parts.length - 1].c, volume, wap: (parts.reduce((a, b) => a + b.wap * b.volume, 0) / volume).toFixed(4),
    count: parts.reduce((a, b) => a + b.count, 0) };
}
const rtMsg = (reqId, b) => frame([50, 3, reqId, b.t, cents(b.o), cents(b.h), cents(b.l), cents(b.c), b.volume, b.wap, b.count]);
const ymd = (t) => new Date(t * 1000).toISOString().replace(/[-T]/g, (m) => (m === 'T' ? '  ' : '')).slice(0, 18);
// "yyyymmdd-hh:mm:ss" (UTC) or "yyyymmdd hh:mm:ss" (taken as UTC here); "" is the market's now.
function parseEnd(s) {
  if (!s) return mkt.open + mkt.cursor * 60;
  const m = s.match(/^(\d{4})(\d{2})(\d{2})[- ]+(\d{2}):(\d{2}):(\d{2})/);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000 : NaN;
}
// IB's historical pacing (reference/field-lessons.md): 162 when a rule is broken; six or more
// requests for one contract within two seconds is one, so the sixth is answered 162.
function histPacingViolation(key, contract) {
  const now = Date.now();
  mkt.histLog = mkt.histLog.filter((x) => now - x.t < 600000);
  const bad = mkt.histLog.some((x) => x.key === key && now - x.t < 15000) ||
    mkt.histLog.filter((x) => x.contract === contract && now - x.t < 2000).length >= 5 || mkt.histLog.length >= 60;
  if (!bad) mkt.histLog.push({ t: now, key, contract });
  return bad;
}
function historical(s, f) {
  const reqId = Number(f[1]);
  st.stats.hist_reqs++;
  if (f.length !== 23 || f[16] !== '1 min' || !/^\d+ [SD]$/.test(f[17])) {
    st.stats.hist_bad++;
    return s.write(err(reqId, 321, `Error validating request:-'reqHistoricalData': ${f.length} fields, bar size ${f[16]}, duration ${f[17]}`));
  }
  if (histPacingViolation([...f.slice(2)].join('|'), f[3])) {
    st.stats.hist_162_pacing++;
    return s.write(err(reqId, 162, 'Historical Market Data Service error message:Pacing violation'));
  }
  if (mkt.histErrorN > 0) {
    mkt.histErrorN--; st.stats.hist_errors_sent++;
    const text = { 200: 'No security definition has been found for the request',
      354: 'Requested market data is not subscribed.' }[mkt.histError] || 'Error validating request';
    return s.write(err(reqId, mkt.histError, text));
  }
  if (mkt.histDrop > 0) { mkt.histDrop--; st.stats.hist_dropped++; return; }
  if (mkt.hold) { st.stats.hist_held++; mkt.hold.push(() => { if (!s.destroyed) answerHistorical(s, f, reqId); }); return; }
  answerHistorical(s, f, reqId);
}
function answerHistorical(s, f, reqId) {
  const end = Math.min(parseEnd(f[15]), mkt.open + mkt.cursor * 60);
  const [n, unit] = f[17].split(' '), from = parseEnd(f[15]) - Number(n) * (unit === 'D' ? 86400 : 1);
  const bars = [];
  for (let i = 0; i < mkt.cursor; i++) {
    const t = mkt.open + i * 60;
    if (t < from || t + 60 > end) continue;
    const b = minuteBar(f[3], i);
    if (b) bars.push(b);
  }
  if (!bars.length) {
    st.stats.hist_162_nodata++;
    return s.write(err(reqId, 162, `Historical Market Data Service error message:HMDS query returned no data: ${f[3]}@SMART Trades`));
  }
  st.stats.hist_bars_sent += bars.length;
  const date = (t) => (f[20] === '2' ? t : ymd(t));
  s.write(frame([17, reqId, ymd(from), ymd(end), bars.length,
    ...bars.flatMap((b) => [date(b.t), cents(b.o), cents(b.h), cents(b.l), cents(b.c), b.volume, b.wap, b.count])]));
}
const rtSockets = new Set();
function advance(minutes) {
  for (let j = 0; j < minutes; j++, mkt.cursor++) {
    for (const sock of rtSockets) {
      if (sock.destroyed) { rtSockets.delete(sock); continue; }
      const out = [];
      for (const [reqId, sym] of sock.rt) {
        if (sock.silent && sock.silent.has(reqId)) { st.stats.rt_silenced++; continue; }
        for (let k = 0; k < 12; k++) {
          const b = fiveBar(sym, mkt.cursor, k);
          if (!b) continue;
          const late = k === 11 ? mkt.lateLast.get(sym) : 0;
          if (late) { setTimeout(() => { if (!sock.destroyed && sock.rt.has(reqId)) { st.stats.rt_bars_sent++; sock.write(rtMsg(reqId, b)); } }, late); continue; }
          out.push(rtMsg(reqId, b));
        }
      }
      st.stats.rt_bars_sent += out.length;
      if (out.length) sock.write(Buffer.concat(out));
    }
  }
  st.stats.data_minutes = mkt.cursor;
}
const dropSubscriptions = () => { for (const sock of rtSockets) sock.rt.clear(); };

const frame = (fields) => {
  const body = Buffer.from(fields.map((f) => (f === undefined || f === null ? '' : String(f)) + '\0').join(''));
  const h = Buffer.alloc(4); h.writeUInt32BE(body.length);
  return Buffer.concat([h, body]);
};
const err = (id, code, msg) => frame([4, 2, id, code, msg]);
const price = (sym) => st.prices.get(sym) || 100;
const px = (v) => String(Math.round(v * 1e6) / 1e6);
// At connect the Gateway says --next-id (a counter that may lag ids used elsewhere: use_id);
// REQ_IDS answers past every id used.
const nextValid = (all) => Math.max(st.nextId, ...[...st.used].filter((i) => all || !st.foreign.has(i)).map((i) => i + 1));
const sendTo = (clientId, b) => { const s = st.clients.get(clientId); if (s) s.write(b); };

// OPEN_ORDER at server version 151: the decoder's 119 reads after the message id, by kind
// (i int, b bool, d double, D decimal, u double-or-unset, I int-or-unset, s string).
const OPEN_KINDS = 'iisssdsssssssDsuussssisiibidsssssssssusisiiuuuuuIbbbIibbuiiuisuiiuuuIsiiiIIusbssbbsbbs' +
  'u'.repeat(12) + 'ssbbisuuuuuuisssubbbb';
if (OPEN_KINDS.length !== 119) throw new Error(`OPEN_ORDER layout has ${OPEN_KINDS.length} fields`);
function openOrderMsg(o) {
  const f = [5, ...[...OPEN_KINDS].map((k) => ('ibdD'.includes(k) ? '0' : ''))];
  Object.assign(f, { 1: o.id, 2: 265598, 3: o.symbol, 4: 'STK', 9: 'SMART', 10: 'USD', 11: o.symbol,
    12: 'NMS', 13: o.action, 14: o.qty, 15: o.type, 16: o.lmt || '', 17: o.aux || '', 18: o.tif,
    20: o.account || ACCOUNT, 23: o.ref, 24: o.clientId, 25: o.permId, 58: o.parentId || 0, 86: o.status });
  return frame(f);
}
const statusMsg = (o) => frame([3, o.id, o.status, o.filled, o.qty - o.filled,
  o.filled ? px(o.notional / o.filled) : 0, o.permId, o.parentId || 0, o.lastPx || 0, o.clientId, '', 0]);
// An execution's time as IB writes it: New York wall time and the zone's name.
const nyFmt = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', year: 'numeric',
  month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
const ibTime = (ms) => {
  const p = Object.fromEntries(nyFmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.year}${p.month}${p.day} ${p.hour}:${p.minute}:${p.second} America/New_York`;
};
const execMsg = (x, reqId) => frame([11, reqId, x.orderId, 265598, x.symbol, 'STK', '', '0', '', '',
  'SMART', 'USD', x.symbol, 'NMS', x.execId, x.time, ACCOUNT, 'ISLAND', x.side, x.shares, px(x.price),
  x.permId, x.clientId, 0, x.cumQty, px(x.avgPrice), x.ref, '', '', '', 1]);
const commMsg = (x) => frame([59, 1, x.execId, px(x.commission), 'USD', MAXD, MAXD, '']);

function publish(o) { sendTo(o.clientId, Buffer.concat([openOrderMsg(o), statusMsg(o)])); }
const working = (o) => o.transmitted && ['PreSubmitted', 'Submitted'].includes(o.status);

function setStatus(o, status) { o.status = status; publish(o); }
// As on a real Gateway: held legs and IB-simulated stops show PreSubmitted while they work.
const shown = (o) => (o.held || o.type === 'STP' || o.type === 'STP LMT' ? 'PreSubmitted' : 'Submitted');

function cancelOrder(o, why) {
  if (!working(o) && o.transmitted) return false;
  o.status = 'Cancelled';
  sendTo(o.clientId, Buffer.concat([statusMsg(o), err(o.id, 202, `Order Canceled - reason:${why || ''}`)]));
  for (const c of st.orders.values()) if (c.parentId === o.id && c.status !== 'Cancelled' && c.status !== 'Filled') cancelOrder(c, 'parent cancelled');
  return true;
}

function fill(o, qty, at) {
  qty = Math.min(qty, o.qty - o.filled);
  if (qty <= 0) return;
  o.filled += qty; o.notional += qty * at; o.lastPx = at;
  const sign = o.action === 'BUY' ? 1 : -1;
  const p = st.positions.get(o.symbol) || { qty: 0, cost: 0 };
  if (p.qty * sign >= 0) p.cost += qty * at; else p.cost -= (p.cost / p.qty) * -sign * qty;
  p.qty += sign * qty;
  if (p.qty === 0) p.cost = 0;
  st.positions.set(o.symbol, p);
  st.cash -= sign * qty * at;
  const x = { execId: `0000e0d5.${String(++st.execSeq).padStart(8, '0')}.01.01`, orderId: o.id,
    symbol: o.symbol, side: o.action === 'BUY' ? 'BOT' : 'SLD', shares: qty, price: at,
    cumQty: o.filled, avgPrice: o.notional / o.filled, ref: o.ref, permId: o.permId,
    clientId: o.clientId, time: ibTime(Date.now()), commission: Math.max(1, qty * 0.005) };
  st.execs.push(x);
  st.stats.fills++;
  st.stats.commission_micros += Math.round(Number(px(x.commission)) * 1e6);
  if (o.filled === o.qty) o.status = 'Filled';
  if (st.dropExec > 0) { // lost on the way: only reqExecutions can still tell the client
    st.dropExec--; st.stats.dropped_execs++;
    sendTo(o.clientId, statusMsg(o));
  } else if (st.commDelay > 0) { // the commission follows later, as IB's sometimes does
    sendTo(o.clientId, Buffer.concat([execMsg(x, -1), statusMsg(o)]));
    setTimeout(() => sendTo(o.clientId, commMsg(x)), st.commDelay);
  } else sendTo(o.clientId, Buffer.concat([execMsg(x, -1), commMsg(x), statusMsg(o)]));
  if (o.status !== 'Filled') return;
  for (const c of st.orders.values()) {
    if (c.parentId === o.id && c.held) { c.held = false; setStatus(c, shown(c)); } // legs go live
    if (o.parentId && c.parentId === o.parentId && c !== o && working(c)) cancelOrder(c, 'OCA'); // sibling
  }
}

// The fill model, run every tick: market now, limits and stops when the price touches them.
function evaluate(o) {
  if (!working(o) || o.held || o.waitTouch) return;
  const p = price(o.symbol), buy = o.action === 'BUY';
  let at = null;
  if (o.type === 'MKT') at = p;
  else if (o.type === 'LMT' && (buy ? p <= o.lmt : p >= o.lmt)) at = o.lmt;
  else if (o.type === 'STP' && (buy ? p >= o.aux : p <= o.aux)) at = p;
  else if (o.type === 'STP LMT' && (buy ? p >= o.aux && p <= o.lmt : p <= o.aux && p >= o.lmt)) at = o.lmt;
  if (at === null) return;
  let qty = o.qty - o.filled;
  if (st.partialNext > 0 && st.partialNext < qty) { qty = st.partialNext; o.waitTouch = true; }
  st.partialNext = 0;
  fill(o, qty, at);
}
setInterval(() => { if (st.fillsOn) for (const o of [...st.orders.values()]) evaluate(o); }, Number(args['tick-ms'] || 100)).unref();

function placeOrder(clientId, f, version) {
  st.stats.place_order++;
  const id = Number(f[1]);
  if (version !== 151) { // the only layout modelled; at another version IB misreads a 151 order
    st.stats.bad_place++;
    return sendTo(clientId, err(id, 320, `Error reading request:-'placeOrder' laid out for 151 at server version ${version}`));
  }
  if (f.length !== PLACE_FIELDS) {
    st.stats.bad_place++;
    return sendTo(clientId, err(id, 10, `placeOrder: ${f.length} fields, server version ${SERVER_MAX} expects ${PLACE_FIELDS}`));
  }
  const o = { id, clientId, symbol: f[3], secType: f[4], action: f[16], qty: Number(f[17]), type: f[18],
    lmt: f[19] === '' ? 0 : Number(f[19]), aux: f[20] === '' ? 0 : Number(f[20]), tif: f[21] || 'DAY',
    account: f[23], ref: f[26], transmit: f[27] === '1', parentId: Number(f[28] || 0), filled: 0, notional: 0 };
  const old = st.orders.get(id);
  // A modification: placeOrder on a working id of this client (orderRef may change with it);
  // the quantity is the whole order's, so it may not go below what has filled.
  if (old && old.clientId === clientId && working(old)) {
    st.stats.modify++;
    if (o.qty <= old.filled || o.type !== old.type || o.action !== old.action) {
      return sendTo(clientId, err(id, 201, 'Order rejected - reason:invalid modification'));
    }
    Object.assign(old, { qty: o.qty, lmt: o.lmt, aux: o.aux, ref: o.ref, waitTouch: false });
    st.stats.refs[o.ref] = (st.stats.refs[o.ref] || 0) + 1;
    return publish(old);
  }
  st.stats.ids[id] = (st.stats.ids[id] || 0) + 1;
  st.stats.refs[o.ref] = (st.stats.refs[o.ref] || 0) + 1;
  if (st.used.has(id)) { st.stats.dup_103++; return sendTo(clientId, err(id, 103, 'Duplicate order id')); }
  st.used.add(id);
  if (o.secType !== 'STK' || !(o.qty > 0) || !['BUY', 'SELL'].includes(o.action) ||
      !['MKT', 'LMT', 'STP', 'STP LMT'].includes(o.type)) {
    return sendTo(clientId, err(id, 321, 'Error validating request:-\'bN\' : cause - invalid order'));
  }
  o.permId = ++st.permSeq;
  const margin = o.action === 'BUY' && o.qty * (o.lmt || price(o.symbol)) > 4 * st.cash;
  const forGood = st.rejectSymbols.has(o.symbol) || st.rejectSymbols.has('*') ? st.rejectSymbolText : null;
  if (st.rejectNext !== null || margin || forGood !== null) {
    const why = forGood !== null ? forGood : st.rejectNext !== null ? st.rejectNext : 'YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE MUST EXCEED THE INITIAL MARGIN';
    if (forGood === null) st.rejectNext = null;
    st.stats.rejected_201++;
    const rk = `${o.symbol} ${o.action}`;
    st.stats.rejects_by_symbol[rk] = (st.stats.rejects_by_symbol[rk] || 0) + 1;
    o.status = 'Inactive';
    st.orders.set(id, o);
    return sendTo(clientId, Buffer.concat([err(id, 201, `Order rejected - reason:${why}`), statusMsg(o)]));
  }
  o.status = 'PendingSubmit';
  o.transmitted = false;
  st.orders.set(id, o);
  const parent = o.parentId ? st.orders.get(o.parentId) : null;
  if (parent && parent.transmitted) st.stats.transmit_violations++; // parent went out alone
  if (!o.transmit) return; // TWS keeps it until a transmitting order of its group arrives
  const group = parent ? [parent, ...[...st.orders.values()].filter((c) => c.parentId === parent.id)] : [o];
  if (st.ackDelayN > 0) { // acknowledged late: nothing says it exists until then
    st.ackDelayN--; st.stats.late_acks++;
    return setTimeout(() => transmit(group), st.ackDelayMs);
  }
  transmit(group);
}

function transmit(group) {
  for (const g of group) {
    if (g.transmitted) continue;
    g.transmitted = true;
    g.held = !!g.parentId; // a bracket leg waits for its parent's fill
    setStatus(g, shown(g));
  }
}

// IB's pacing limit is about 50 messages a second from a client (error 100 beyond it):
// msgs counts every message after the greeting, max_per_sec the busiest calendar second.
let secNow = 0, secCount = 0;
function countMsg() {
  const sec = Math.floor(Date.now() / 1000);
  if (sec !== secNow) { secNow = sec; secCount = 0; }
  st.stats.msgs++;
  if (++secCount > st.stats.max_per_sec) st.stats.max_per_sec = secCount;
  if (secCount === 51) st.stats.pacing_100++;
}

function onConn(sock) {
  if (st.down) return sock.destroy(); // behind socat a down Gateway looks like this
  st.stats.connects++;
  let buf = Buffer.alloc(0), stage = 'greeting', clientId = null;
  const summaries = new Set(); // this session's account summary subscriptions
  sock.on('error', () => {});
  sock.on('close', () => { if (clientId !== null && st.clients.get(clientId) === sock) st.clients.delete(clientId); });
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (stage === 'greeting') {
      if (buf.length < 8) return;
      if (buf.subarray(0, 4).toString('binary') !== 'API\0') return sock.destroy();
      const n = buf.readUInt32BE(4);
      if (buf.length < 8 + n) return;
      const m = buf.subarray(8, 8 + n).toString().match(/^v(\d+)\.\.(\d+)/);
      buf = buf.subarray(8 + n);
      if (!m || Number(m[2]) < SERVER_MIN) return sock.destroy();
      // The version both speak; a client whose minimum is above ours is told ours (an older
      // Gateway) and must refuse it itself.
      sock.version = Math.min(Number(m[2]), SERVER_MAX);
      sock.write(frame([sock.version, '20261127 09:30:00 EST']));
      stage = 'api';
    }
    while (buf.length >= 4) {
      const n = buf.readUInt32BE(0);
      if (buf.length < 4 + n) return;
      const f = buf.subarray(4, 4 + n).toString().split('\0'); f.pop();
      buf = buf.subarray(4 + n);
      countMsg();
      handle(sock, f);
    }
  });
  function handle(s, f) {
    const id = Number(f[0]);
    if (stage === 'api') {
      if (id !== 71) return s.destroy();
      clientId = Number(f[2]);
      st.stats.start_api++;
      if (st.clients.has(clientId) || st.held.has(clientId)) {
        st.stats.rejected_326++;
        s.write(err(-1, 326, 'Unable to connect as the client id is already in use. Retry with a unique client id.'));
        clientId = null;
        return s.end();
      }
      st.clients.set(clientId, s);
      stage = 'ready';
      s.write(Buffer.concat([frame([9, 1, nextValid()]), frame([15, 1, ACCOUNT]),
        err(-1, 2104, 'Market data farm connection is OK:usfarm'), err(-1, 2106, 'HMDS data farm connection is OK:ushmds'),
        err(-1, 2158, 'Sec-def data farm connection is OK:secdefnj')]));
      return;
    }
    if (id === 3) return placeOrder(clientId, f, s.version);
    if (id === 4) {
      st.stats.cancel_order++;
      const o = st.orders.get(Number(f[2]));
      if (o && cancelOrder(o, '')) return;
      return s.write(err(Number(f[2]), 10148, `OrderId ${f[2]} that needs to be cancelled cannot be cancelled, state: ${o ? o.status : 'unknown'}.`));
    }
    if (id === 5 || id === 16) {
      st.stats.req_open++;
      const out = [];
      for (const o of st.orders.values()) if (working(o) && (id === 16 || o.clientId === clientId)) out.push(openOrderMsg(o), statusMsg(o));
      return s.write(Buffer.concat([...out, frame([53, 1])]));
    }
    if (id === 61) {
      st.stats.req_pos++;
      const out = [];
      for (const [sym, p] of st.positions) out.push(frame([61, 3, ACCOUNT, 265598, sym, 'STK', '', '0', '', '', 'NASDAQ', 'USD', sym, 'NMS', p.qty, p.qty ? px(p.cost / p.qty) : 0]));
      return s.write(Buffer.concat([...out, frame([62, 1])]));
    }
    if (id === 7) {
      st.stats.req_exec++;
      const want = Number(f[3] || 0), out = [];
      for (const x of st.execs) if (!want || x.clientId === want) out.push(execMsg(x, f[2]), commMsg(x));
      return s.write(Buffer.concat([...out, frame([55, 1, f[2]])]));
    }
    if (id === 8) { st.stats.req_ids++; return s.write(frame([9, 1, nextValid(true)])); }
    if (id === 62) {
      st.stats.acct_summary++;
      summaries.add(f[2]);
      if (summaries.size > 2) { // IB's limit on concurrent account summary subscriptions
        st.stats.acct_322++;
        summaries.delete(f[2]);
        return s.write(err(Number(f[2]), 322, 'Error processing request:-\'Maximum number of account summary requests exceeded\''));
      }
      let mv = 0;
      for (const [sym, p] of st.positions) mv += p.qty * price(sym);
      const nl = st.cash + mv, vals = { NetLiquidation: nl, TotalCashValue: st.cash, BuyingPower: 4 * nl };
      const tags = (f[4] || '').split(',').filter((t) => t in vals);
      return s.write(Buffer.concat([...tags.map((t) => frame([63, 1, f[2], ACCOUNT, t, px(vals[t]), 'USD'])), frame([64, 1, f[2]])]));
    }
    if (id === 50) {
      if (f.length !== 19 || f[15] !== '5' || f[5] !== 'STK') {
        st.stats.rt_bad++;
        return s.write(err(Number(f[2]), 321, `Error validating request:-'reqRealTimeBars': ${f.length} fields, bar size ${f[15]}`));
      }
      st.stats.rt_subs++;
      s.rt = s.rt || new Map();
      s.rt.set(f[2], f[4]);
      rtSockets.add(s);
      return;
    }
    if (id === 51) {
      st.stats.rt_cancels++;
      if (s.rt) s.rt.delete(f[2]);
      if (s.silent) s.silent.delete(f[2]);
      return;
    }
    if (id === 20) return historical(s, f);
    if (id === 25) return;
    if (id === 63) return summaries.delete(f[2]);
    if (id === 64) return;
    s.write(err(-1, 10, `message ${id} not supported by the emulator`));
  }
}

const server = net.createServer(onConn);
const broadcast = (b) => { for (const s of st.clients.values()) s.write(b); };
const ctl = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://127.0.0.1');
  const p = u.pathname.replace(/^\/(__emu\/)?/, ''), q = (k) => u.searchParams.get(k);
  if (p === 'lost') broadcast(err(-1, 1100, 'Connectivity between IB and Trader Workstation has been lost.'));
  if (p === 'restored_lost') { dropSubscriptions(); broadcast(err(-1, 1101, 'Connectivity between IB and TWS has been restored- data lost.')); }
  if (p === 'restored') broadcast(err(-1, 1102, 'Connectivity between IB and TWS has been restored- data maintained.'));
  if (p === 'farm_broken') { dropSubscriptions(); broadcast(err(-1, 2103, 'Market data farm connection is broken:usfarm')); }
  if (p === 'data_advance') advance(Number(q('minutes') || 1));
  if (p === 'data_silent') for (const sock of rtSockets) sock.silent = new Set(sock.rt.keys());
  if (p === 'thin') mkt.thin.add(q('symbol'));
  if (p === 'hist_error') { mkt.histError = Number(q('code') || 200); mkt.histErrorN = Number(q('n') || 1); }
  if (p === 'hist_drop') mkt.histDrop = Number(q('n') || 1);
  if (p === 'hist_hold') mkt.hold = mkt.hold || [];
  if (p === 'hist_release') { const held = mkt.hold || []; mkt.hold = null; held.forEach((fn) => fn()); }
  if (p === 'late_last') mkt.lateLast.set(q('symbol'), Number(q('ms') || 1000));
  if (p === 'farm_ok') broadcast(err(-1, 2104, 'Market data farm connection is OK:usfarm'));
  if (p === 'restart') {
    st.down = true;
    for (const s of st.clients.values()) s.destroy();
    st.clients.clear();
    setTimeout(() => { st.down = false; }, Number(q('ms') || 1000));
  }
  if (p === 'hold_id') st.held.add(Number(q('id')));
  if (p === 'drop_mid') for (const s of st.clients.values()) { s.write(Buffer.from([0, 0, 0, 40, 0x34, 0])); s.destroy(); }
  if (p === 'price') {
    st.prices.set(q('symbol'), Number(q('price')));
    for (const o of st.orders.values()) if (o.symbol === q('symbol')) o.waitTouch = false;
  }
  if (p === 'partial') st.partialNext = Number(q('qty'));
  if (p === 'reject_next') st.rejectNext = q('text') || 'rejected by the emulator';
  if (p === 'reject_symbol') { // every new order for it (or '*': any) rejected 201 with text, for good
    st.rejectSymbols.add(q('symbol') || '*');
    st.rejectSymbolText = q('text') || 'No Trading Permissions';
  }
  if (p === 'use_id') { st.used.add(Number(q('id'))); st.foreign.add(Number(q('id'))); }
  if (p === 'drop_exec') st.dropExec = Number(q('n') || 1);
  if (p === 'comm_delay') st.commDelay = Number(q('ms') || 0);
  if (p === 'fills') st.fillsOn = q('on') !== '0';
  if (p === 'ack_delay') { st.ackDelayMs = Number(q('ms') || 5000); st.ackDelayN = Number(q('n') || 1); }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  const open = [...st.orders.values()].filter(working).map((o) => ({ id: o.id, ref: o.ref, status: o.status, filled: o.filled }));
  const positions = Object.fromEntries([...st.positions].map(([s, v]) => [s, v.qty]));
  if (p === 'expected') {
    let bars = 0;
    for (const sym of (q('symbols') || '').split(',').filter(Boolean)) for (let i = 0; i < mkt.cursor; i++) if (minuteTrades(sym, i)) bars++;
    return res.end(JSON.stringify({ minutes: mkt.cursor, bars }));
  }
  const rt_active = [...rtSockets].reduce((a, x) => a + (x.destroyed ? 0 : x.rt.size), 0);
  res.end(JSON.stringify(Object.assign({ clients: [...st.clients.keys()], open, positions, rt_active,
    orders: st.orders.size, executions: st.execs.length }, st.stats)));
});
server.listen(Number(args.port || 0), '127.0.0.1', () => ctl.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port, ctl: ctl.address().port }) + '\n');
}));
process.on('SIGTERM', () => process.exit(0));
