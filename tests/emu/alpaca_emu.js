#!/usr/bin/env node
'use strict';
// Alpaca emulator (loopback only): trading REST v2 and the trade_updates websocket, following
// ../../../shared/reference/alpaca.md. Faults are injected through POST /__emu/* (see README).
// Market data v2 too (same port, as if data.alpaca.markets and stream.data.alpaca.markets were
// one host): bars REST with page_token pagination and the bars stream /v2/iex|sip|test in text
// frames; minute bars of the day --data-open (the first regular minute, UTC) appear as
// POST /__emu/data_advance {minutes} moves the market on; data_drop, data_correct, data_error.
// --data-page N caps a bars page (default 10000); one data connection per key (406).
// data_silent {on}: the data sockets open now stay open (pings answered) but get no bar, as a
// "connected but silent" stream; a new connection is served normally (a reconnect cures it).
// silent {on, hold}: trade_updates sends nothing while REST keeps filling; with hold the events
// are kept and delivered, in order, when silent is turned off (a late stream).
// Unknown outcomes (fault kinds for POST /v2/orders): post_504 {count, create_after_ms} answers
// 504 Gateway Timeout at once and creates the order create_after_ms later (default 3000);
// post_hang {count, create_after_ms, hang_ms} never answers (the client times out) or, with
// hang_ms, drops the connection after hang_ms, and creates the order later. A creation whose
// client_order_id exists by then is dropped (the id is unique), so a resend cannot double it.
// list_lag {ms}: GET /v2/orders leaves out orders created in the last ms and GET /v2/positions
// leaves out fills of the last ms (a reconciliation list that lags the stream); ms 0 ends it.
// position_set {symbol, qty}: the account's position becomes qty with no order, fill or stream
// event (shares moved behind the engine's back: a trade on the broker's own page, a transfer).
// place {order body, count}: an order placed on the account by someone else (another engine, the
// trader on Alpaca's page): created as POST /v2/orders creates it, not counted in post_requests;
// with count, that many (client_order_id gets -1, -2, ...).
// stats: deletes counts DELETE /v2/orders/{id} per client_order_id (answered or 422).
// Fault cancel_slow {ms, reject}: a DELETE is accepted (204) but the venue takes ms to cancel;
// meanwhile the order keeps its status (new), as Alpaca's cancel is asynchronous. With reject,
// the venue refuses the cancel then: order_cancel_rejected on the stream, the order works on.
// fill {client_order_id, qty, price, at}: an execution; at (RFC 3339) dates it in the past, as
// filled_at/updated_at and the trade update's timestamp (a fill learned late, after a crash).
// Usage: node alpaca_emu.js [--port N] [--key K --secret S] [--schema current|legacy]
//                           [--fill auto|manual] [--text-frames] [--tls-cert F --tls-key F]
// Prints {"port":N} on stdout once listening.
const http = require('http');
const https = require('https');
const fs = require('fs');
const crypto = require('crypto');
const ws = require('./ws');

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => {
  if (v.startsWith('--')) a.push([v.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : '1']);
  return a;
}, []));
const KEY = args.key || 'PKEMULATOR', SECRET = args.secret || 'emulator-secret';
const st = {
  schema: args.schema || 'current',
  fill: args.fill || 'auto',
  binary: !args['text-frames'],
  cash: 100000, orders: [], byId: new Map(), byClient: new Map(), positions: new Map(),
  prices: new Map(), faults: [], posts: {}, streams: new Set(), execSeq: 0, silent: false,
  hold: false, held: [], requests: 0, order_gets: 0, postRequests: {}, deletes: {}, fills: 0, fillLog: [],
  listLagMs: 0,
};

const data = {
  open: Date.parse(args['data-open'] || '2026-11-30T14:30:00Z'), cursor: 0,
  page: Number(args['data-page'] || 10000), conns: new Set(), halfAliveUntil: 0,
  skip: new Set(String(args['data-skip'] || '3').split(',').filter((x) => x !== '').map(Number)),
  corrections: new Map(), sipDenied: !!args['data-sip-denied'],
  stats: { opens: 0, auths: 0, auth_failures: 0, subscribes: 0, rest_requests: 0, rest_pages: 0,
    rejected_406: 0, bars_sent: 0 },
};
const now = () => { const d = new Date(); return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z'); };
const money = (x) => (Math.round(x * 10000) / 10000).toString();
const price = (sym) => st.prices.get(sym) || 100;

function send(res, code, obj, headers) {
  const body = obj === undefined ? '' : (typeof obj === 'string' ? obj : JSON.stringify(obj));
  res.writeHead(code, Object.assign({ 'Content-Type': 'application/json',
    'X-RateLimit-Limit': '200', 'X-RateLimit-Remaining': '199' }, headers || {}));
  res.end(body);
}
const err = (res, code, c, message) => send(res, code, { code: c, message });

function newOrder(b, cls) {
  const id = crypto.randomUUID();
  const t = now();
  return {
    id, client_order_id: b.client_order_id || crypto.randomUUID(), created_at: t, updated_at: t,
    submitted_at: t, filled_at: null, expired_at: null, canceled_at: null, failed_at: null,
    replaced_at: null, replaced_by: null, replaces: null, asset_id: 'b0b6dd9d-8b9b-48a9-ba46-b9d54906e415',
    symbol: b.symbol, asset_class: 'us_equity', notional: null, qty: String(b.qty), filled_qty: '0',
    filled_avg_price: null, order_class: cls || b.order_class || 'simple', order_type: b.type, type: b.type,
    side: b.side, time_in_force: b.time_in_force, limit_price: b.limit_price ? String(b.limit_price) : null,
    stop_price: b.stop_price ? String(b.stop_price) : null, status: 'pending_new',
    extended_hours: !!b.extended_hours, legs: null, trail_percent: null, trail_price: null, hwm: null,
    _filled_notional: 0, _parent: null, _created_ms: Date.now(),
  };
}
const pub = (o) => {
  const c = Object.assign({}, o);
  for (const k of Object.keys(c)) if (k.startsWith('_')) delete c[k];
  if (o.legs) c.legs = o.legs.map(pub);
  return c;
};
const terminal = (s) => ['filled', 'canceled', 'expired', 'replaced', 'rejected'].includes(s);

function emit(event, o, extra) {
  const msg = JSON.stringify({ stream: 'trade_updates',
    data: Object.assign({ event, execution_id: crypto.randomUUID(), order: pub(o), timestamp: now() }, extra || {}) });
  if (st.silent) { if (st.hold) st.held.push(msg); return; }
  for (const c of st.streams) if (c.listening) c.send(msg, st.binary);
}
function releaseHeld() {
  const msgs = st.held; st.held = [];
  for (const msg of msgs) for (const c of st.streams) if (c.listening) c.send(msg, st.binary);
  return msgs.length;
}

function position(sym) {
  if (!st.positions.has(sym)) st.positions.set(sym, { qty: 0, cost: 0 });
  return st.positions.get(sym);
}

// at: when the execution happened (RFC 3339; default now), for fills learned late.
function fill(o, qty, px, at) {
  const left = Number(o.qty) - Number(o.filled_qty);
  qty = Math.min(qty, left);
  if (qty <= 0 || terminal(o.status)) return;
  const filled = Number(o.filled_qty) + qty;
  o._filled_notional += qty * px;
  o.filled_qty = String(filled);
  o.filled_avg_price = money(o._filled_notional / filled);
  o.status = filled === Number(o.qty) ? 'filled' : 'partially_filled';
  o.updated_at = at || now();
  if (o.status === 'filled') o.filled_at = o.updated_at;
  const p = position(o.symbol);
  const sq = o.side === 'buy' ? qty : -qty;
  if (p.qty === 0 || Math.sign(p.qty) === Math.sign(sq)) p.cost += sq * px;
  else p.cost = (p.qty + sq) === 0 ? 0 : p.cost * (p.qty + sq) / p.qty;
  p.qty += sq;
  st.cash -= sq * px;
  st.fills++;
  st.fillLog.push({ t: Date.now(), sym: o.symbol, sq });
  emit(o.status === 'filled' ? 'fill' : 'partial_fill', o,
       { price: money(px), qty: String(qty), position_qty: String(p.qty), timestamp: o.updated_at });
  if (o.status === 'filled' && o.legs) for (const l of o.legs) { l.status = 'new'; emit('new', l); }
  if (o.status === 'filled' && o._parent) {
    for (const l of o._parent.legs) if (l !== o && !terminal(l.status)) cancel(l);
  }
}

function cancel(o) {
  o.status = 'canceled'; o.canceled_at = o.updated_at = now();
  emit('canceled', o);
  if (o.legs) for (const l of o.legs) if (!terminal(l.status)) cancel(l);
}

function accept(o) {
  o.status = 'new';
  emit('new', o);
  if (st.fill === 'auto' && o.type === 'market') setImmediate(() => fill(o, Number(o.qty), price(o.symbol)));
  else cross(o);
}

// A limit or stop order fills when the emulator's price for its symbol goes through it.
function cross(o) {
  if (terminal(o.status) || o.status === 'held' || o.status === 'pending_new') return;
  const px = price(o.symbol), lim = Number(o.limit_price), stp = Number(o.stop_price);
  const buy = o.side === 'buy';
  if (o.type === 'limit' && (buy ? px <= lim : px >= lim)) fill(o, Number(o.qty), lim);
  else if (o.type === 'stop' && (buy ? px >= stp : px <= stp)) fill(o, Number(o.qty), px);
}

function validate(b) {
  if (!b || typeof b.symbol !== 'string' || !b.symbol) return 'symbol is required';
  if (!(Number(b.qty) > 0)) return 'qty must be > 0';
  if (!['buy', 'sell'].includes(b.side)) return 'invalid side';
  if (!['market', 'limit', 'stop', 'stop_limit'].includes(b.type)) return 'invalid order type';
  if (!['day', 'gtc', 'opg', 'cls', 'ioc', 'fok'].includes(b.time_in_force)) return 'invalid time_in_force';
  if ((b.type === 'limit' || b.type === 'stop_limit') && !(Number(b.limit_price) > 0)) return 'limit_price is required';
  if ((b.type === 'stop' || b.type === 'stop_limit') && !(Number(b.stop_price) > 0)) return 'stop_price is required';
  if (b.client_order_id && String(b.client_order_id).length > 128) return 'client_order_id must be at most 128 characters';
  if (b.order_class === 'bracket' && (!b.take_profit || !b.stop_loss)) return 'bracket orders require take_profit and stop_loss';
  return null;
}

function postOrder(b, res) {
  const bad = validate(b);
  if (bad) return err(res, 422, 40010001, bad);
  if (b.client_order_id) st.postRequests[b.client_order_id] = (st.postRequests[b.client_order_id] || 0) + 1;
  if (b.client_order_id && st.byClient.has(b.client_order_id))
    return err(res, 422, 40010001, 'client_order_id must be unique');
  if (st.rejectNext) { st.rejectNext--; return err(res, 403, 40310000, 'insufficient buying power'); }
  let f;
  if ((f = takeFault('post_504', 'POST', '/v2/orders')) || (f = takeFault('post_hang', 'POST', '/v2/orders'))) {
    setTimeout(() => { if (!b.client_order_id || !st.byClient.has(b.client_order_id)) createOrder(b); },
      Number(f.create_after_ms || 3000));
    if (f.kind === 'post_504') return err(res, 504, 50400000, 'gateway timeout');
    if (f.hang_ms) setTimeout(() => res.socket.destroy(), Number(f.hang_ms));
    return; // no answer: the client times out
  }
  const o = createOrder(b);
  if (takeFault('post_accept_500', 'POST', '/v2/orders')) return err(res, 500, 50000000, 'internal server error');
  send(res, 200, pub(o));
}

// Creates an order (and its bracket legs) and accepts it on the next turn.
function createOrder(b) {
  const o = newOrder(b);
  st.posts[o.client_order_id] = (st.posts[o.client_order_id] || 0) + 1;
  index(o);
  if (b.order_class === 'bracket') {
    const side = b.side === 'buy' ? 'sell' : 'buy';
    const tp = newOrder({ symbol: b.symbol, qty: b.qty, side, type: 'limit', time_in_force: b.time_in_force,
      limit_price: b.take_profit.limit_price, client_order_id: crypto.randomUUID() }, 'bracket');
    const sl = newOrder({ symbol: b.symbol, qty: b.qty, side, type: b.stop_loss.limit_price ? 'stop_limit' : 'stop',
      time_in_force: b.time_in_force, stop_price: b.stop_loss.stop_price, limit_price: b.stop_loss.limit_price,
      client_order_id: crypto.randomUUID() }, 'bracket');
    tp.status = sl.status = 'held';
    tp._parent = sl._parent = o;
    o.legs = [tp, sl];
    index(tp); index(sl);
  }
  setImmediate(() => accept(o));
  return o;
}

function index(o) { st.orders.push(o); st.byId.set(o.id, o); st.byClient.set(o.client_order_id, o); }

function account() {
  let mv = 0;
  for (const [s, p] of st.positions) mv += p.qty * price(s);
  const a = { id: '904837e3-3b76-47ec-b432-046db621571b', account_number: 'PA3EMULATOR', status: 'ACTIVE',
    currency: 'USD', cash: money(st.cash), portfolio_value: money(st.cash + mv), equity: money(st.cash + mv),
    last_equity: '100000', long_market_value: money(Math.max(mv, 0)), short_market_value: money(Math.min(mv, 0)),
    buying_power: money(2 * (st.cash + mv)), regt_buying_power: money(2 * (st.cash + mv)),
    non_marginable_buying_power: money(st.cash), multiplier: '2', initial_margin: '0', maintenance_margin: '0',
    sma: '0', trading_blocked: false, transfers_blocked: false, account_blocked: false,
    trade_suspended_by_user: false, shorting_enabled: true, created_at: '2024-01-02T14:30:00Z',
    crypto_status: 'ACTIVE', options_trading_level: 0 };
  if (st.schema === 'legacy') Object.assign(a, { pattern_day_trader: false, daytrade_count: 0,
    daytrading_buying_power: money(4 * st.cash), bod_dtbp: money(4 * st.cash), last_daytrade_count: 0 });
  return a;
}

function positionsJson(lagged) {
  const out = [];
  const recent = new Map(); // the fills a lagging list has not caught up with
  if (lagged && st.listLagMs) {
    for (const f of st.fillLog) if (f.t > Date.now() - st.listLagMs) recent.set(f.sym, (recent.get(f.sym) || 0) + f.sq);
  }
  for (const [s, p0] of st.positions) {
    const p = recent.has(s) ? { qty: p0.qty - recent.get(s), cost: p0.qty ? p0.cost * (p0.qty - recent.get(s)) / p0.qty : 0 } : p0;
    if (p.qty === 0) continue;
    const avg = p.cost / p.qty, cur = price(s);
    out.push({ asset_id: 'b0b6dd9d-8b9b-48a9-ba46-b9d54906e415', symbol: s, exchange: 'NASDAQ',
      asset_class: 'us_equity', qty: String(p.qty), qty_available: String(p.qty),
      side: p.qty > 0 ? 'long' : 'short', avg_entry_price: money(avg), market_value: money(p.qty * cur),
      cost_basis: money(p.cost), unrealized_pl: money(p.qty * (cur - avg)),
      unrealized_plpc: money((cur - avg) / avg), current_price: money(cur), lastday_price: money(cur),
      change_today: '0' });
  }
  return out;
}

// Faults: {kind, count, path (prefix), method, retry_after, ms}.
function takeFault(kind, method, path) {
  for (const f of st.faults) {
    if (f.kind !== kind || f.count <= 0) continue;
    if (f.method && f.method !== method) continue;
    if (f.path && !path.startsWith(f.path)) continue;
    f.count--;
    return f;
  }
  return null;
}

function control(url, b, res) {
  const p = url.pathname.slice('/__emu/'.length);
  if (p.startsWith('data_')) { const r = dataControl(p, b || {}, res); if (r !== null) return r; }
  if (p === 'fault') { st.faults.push(Object.assign({ count: 1 }, b)); return send(res, 200, { ok: true }); }
  if (p === 'clear') { st.faults = []; st.silent = false; st.held = []; return send(res, 200, { ok: true }); }
  if (p === 'schema') { st.schema = b.schema; return send(res, 200, { ok: true }); }
  if (p === 'fill_mode') { st.fill = b.mode; return send(res, 200, { ok: true }); }
  if (p === 'silent') {
    st.silent = !!b.on;
    if (st.silent) { st.hold = !!b.hold; return send(res, 200, { ok: true }); }
    return send(res, 200, { ok: true, released: releaseHeld() });
  }
  if (p === 'position_set') { // shares moved behind the engine's back (a manual trade, a transfer)
    const x = position(b.symbol), q = Number(b.qty);
    x.cost = q * price(b.symbol); x.qty = q;
    return send(res, 200, { ok: true });
  }
  if (p === 'list_lag') { st.listLagMs = Number(b.ms || 0); return send(res, 200, { ok: true }); }
  if (p === 'place') { // an order someone else placed on the account (another engine, a trader)
    const bad = validate(b);
    if (bad || st.byClient.has(b.client_order_id)) return err(res, 422, 40010001, bad || 'client_order_id must be unique');
    if (!b.count) return send(res, 200, pub(createOrder(b)));
    for (let i = 1; i <= Number(b.count); i++) createOrder(Object.assign({}, b, { client_order_id: `${b.client_order_id}-${i}` }));
    return send(res, 200, { placed: Number(b.count) });
  }
  if (p === 'reject_next') { st.rejectNext = b.count || 1; return send(res, 200, { ok: true }); }
  if (p === 'price') {
    st.prices.set(b.symbol, Number(b.price));
    for (const o of st.orders) if (o.symbol === b.symbol) cross(o);
    return send(res, 200, { ok: true });
  }
  const o = b && (st.byClient.get(b.client_order_id) || st.byId.get(b.id));
  if (p === 'fill') { if (!o) return err(res, 404, 40410000, 'order not found');
    fill(o, Number(b.qty || o.qty), Number(b.price || price(o.symbol)), b.at); return send(res, 200, pub(o)); }
  if (p === 'reject') { if (!o) return err(res, 404, 40410000, 'order not found');
    o.status = 'rejected'; o.failed_at = now(); emit('rejected', o); return send(res, 200, pub(o)); }
  if (p === 'drop_stream') { for (const c of st.streams) c.drop(); return send(res, 200, { n: st.streams.size }); }
  if (p === 'stream_raw') { for (const c of st.streams) c.send(b.text, st.binary); return send(res, 200, { ok: true }); }
  if (p === 'stats') {
    const pos = {};
    for (const [sym, x] of st.positions) if (x.qty) pos[sym] = x.qty;
    return send(res, 200, { posts: st.posts, post_requests: st.postRequests, deletes: st.deletes, fills: st.fills, positions: pos, order_gets: st.order_gets, orders: st.orders.length, requests: st.requests,
      streams: st.streams.size, open: st.orders.filter((x) => !terminal(x.status)).map((x) => x.client_order_id) });
  }
  err(res, 404, 40410000, 'unknown control');
}

function listOrders(q) {
  const status = q.get('status') || 'open', limit = Number(q.get('limit') || 50);
  const after = q.get('after'), nested = q.get('nested') === 'true';
  const lagFrom = st.listLagMs ? Date.now() - st.listLagMs : Infinity;
  let l = st.orders.filter((o) => !(nested && o._parent) && !(o._created_ms > lagFrom));
  if (status === 'open') l = l.filter((o) => !terminal(o.status));
  else if (status === 'closed') l = l.filter((o) => terminal(o.status));
  if (after) l = l.filter((o) => o.submitted_at > after);
  if ((q.get('direction') || 'desc') === 'desc') l = l.slice().reverse();
  return l.slice(0, limit).map(pub);
}

function route(req, res, body) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname, m = req.method;
  let b = null;
  if (body) { try { b = JSON.parse(body); } catch (e) { return err(res, 400, 40010000, 'invalid JSON body'); } }
  if (path.startsWith('/__emu/')) return control(url, b, res);
  st.requests++;
  if (req.headers['apca-api-key-id'] !== KEY || req.headers['apca-api-secret-key'] !== SECRET)
    return err(res, 401, 40110000, 'request is not authorized');
  let f;
  if (m === 'GET' && /^\/v2\/stocks\/([A-Z.]+\/)?bars$/.test(path)) {
    if ((f = takeFault('429', m, path))) return send(res, 429, { code: 42910000, message: 'rate limit exceeded' }, { 'Retry-After': String(f.retry_after || 1) });
    return dataRest(url, path, res);
  }
  f = takeFault('429', m, path);
  if (f) return send(res, 429, { code: 42910000, message: 'rate limit exceeded' }, { 'Retry-After': String(f.retry_after || 1) });
  if ((f = takeFault('500', m, path))) return err(res, 500, 50000000, 'internal server error');
  if ((f = takeFault('malformed', m, path))) return send(res, 200, '{"id": "broken", "qty": ');
  if ((f = takeFault('drop', m, path))) { res.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"id":'); return res.socket.destroy(); }
  if ((f = takeFault('slow', m, path))) { setTimeout(() => route2(), f.ms || 2000); return; }
  route2();
  function route2() {
    if (m === 'GET' && path === '/v2/account') return send(res, 200, account());
    if (m === 'GET' && path === '/v2/clock') {
      return send(res, 200, { timestamp: now(), is_open: true, next_open: '2026-11-30T14:30:00Z', next_close: '2026-11-27T18:00:00Z' });
    }
    if (m === 'GET' && path === '/v2/calendar') {
      return send(res, 200, [{ date: '2026-11-27', open: '09:30', close: '13:00', session_open: '0400', session_close: '2000', settlement_date: '2026-12-01' }]);
    }
    let mm;
    if (m === 'GET' && (mm = path.match(/^\/v2\/assets\/([A-Z.]+)$/))) {
      return send(res, 200, { id: 'b0b6dd9d-8b9b-48a9-ba46-b9d54906e415', class: 'us_equity', exchange: 'NASDAQ', symbol: mm[1],
        status: 'active', tradable: true, marginable: true, shortable: true, easy_to_borrow: true, fractionable: true });
    }
    if (m === 'POST' && path === '/v2/orders') return postOrder(b, res);
    if (m === 'GET' && path === '/v2/orders') return send(res, 200, listOrders(url.searchParams));
    if (m === 'GET' && path === '/v2/orders:by_client_order_id') {
      const o = st.byClient.get(url.searchParams.get('client_order_id'));
      return o ? send(res, 200, pub(o)) : err(res, 404, 40410000, 'order not found');
    }
    if (m === 'DELETE' && path === '/v2/orders') {
      const out = st.orders.filter((o) => !terminal(o.status) && !o._parent).map((o) => { cancel(o); return { id: o.id, status: 200 }; });
      return send(res, 207, out);
    }
    if ((mm = path.match(/^\/v2\/orders\/([0-9a-f-]+)$/))) {
      const o = st.byId.get(mm[1]);
      if (!o) return err(res, 404, 40410000, 'order not found');
      if (m === 'GET') { st.order_gets++; return send(res, 200, pub(o)); }
      if (m === 'DELETE') {
        st.deletes[o.client_order_id] = (st.deletes[o.client_order_id] || 0) + 1;
        if (terminal(o.status)) return err(res, 422, 42210000, `order is already in "${o.status}" state`);
        const slow = takeFault('cancel_slow', m, path);
        if (slow) {
          setTimeout(() => {
            if (terminal(o.status)) return;
            if (slow.reject) emit('order_cancel_rejected', o); // the venue refused: it works on
            else cancel(o);
          }, Number(slow.ms || 1000));
        }
        else setImmediate(() => cancel(o));
        res.writeHead(204); return res.end();
      }
      if (m === 'PATCH') return replace(o, b, res);
    }
    if (m === 'GET' && path === '/v2/positions') return send(res, 200, positionsJson(true));
    if (m === 'GET' && (mm = path.match(/^\/v2\/positions\/([A-Z.]+)$/))) {
      const p = positionsJson().find((x) => x.symbol === mm[1]);
      return p ? send(res, 200, p) : err(res, 404, 40410000, 'position does not exist');
    }
    err(res, 404, 40410000, 'not found');
  }
}

function replace(o, b, res) {
  if (terminal(o.status)) return err(res, 422, 42210000, `order is already in "${o.status}" state`);
  if (b && b.client_order_id && st.byClient.has(b.client_order_id)) return err(res, 422, 40010001, 'client_order_id must be unique');
  const n = newOrder({ symbol: o.symbol, qty: b.qty || (Number(o.qty) - Number(o.filled_qty)), side: o.side, type: o.type,
    time_in_force: b.time_in_force || o.time_in_force, limit_price: b.limit_price || o.limit_price,
    stop_price: b.stop_price || o.stop_price, client_order_id: b.client_order_id });
  n.replaces = o.id;
  o.replaced_by = n.id; o.replaced_at = now(); o.status = 'replaced';
  index(n);
  emit('replaced', o);
  setImmediate(() => accept(n));
  send(res, 200, pub(n));
}


// ---- market data v2 ----------------------------------------------------------------------
function symSeed(sym) { return [...sym].reduce((s, c) => (s * 31 + c.charCodeAt(0)) % 100000, 7); }
// Minute i of the day (0 = the open) of sym: null when that minute had no trade (no bar).
function dataBar(sym, i) {
  if (data.skip.has(i)) return null;
  const seed = symSeed(sym), base = 50 + (seed % 200);
  const o = base + Math.sin((i + seed) / 7) * 2, c = base + Math.sin((i + 1 + seed) / 7) * 2;
  let close = Math.round(c * 100) / 100;
  const k = `${sym}|${i}`;
  if (data.corrections.has(k)) close = data.corrections.get(k);
  const open = Math.round(o * 100) / 100;
  return { t: new Date(data.open + i * 60000).toISOString().replace('.000Z', 'Z'), o: open,
    h: Math.max(open, close) + 0.05, l: Math.min(open, close) - 0.05, c: close,
    v: 1000 + ((seed + i * 37) % 5000), n: 10 + (i % 40), vw: Math.round((open + close) * 50) / 100 };
}
function barsOf(sym, startMs, endMs) {
  const out = [];
  for (let i = 0; i < data.cursor; i++) {
    const t = data.open + i * 60000;
    if (t < startMs || t >= endMs) continue;
    const b = dataBar(sym, i);
    if (b) out.push(b);
  }
  return out;
}
function dataRest(url, path, res) {
  data.stats.rest_requests++;
  const q = url.searchParams;
  if (q.get('timeframe') !== '1Min') return err(res, 422, 42210000, 'invalid timeframe');
  if (q.get('feed') === 'sip' && data.sipDenied) return err(res, 403, 40310000, 'subscription does not permit querying recent SIP data');
  const start = q.get('start') ? Date.parse(q.get('start')) : 0;
  const end = q.get('end') ? Date.parse(q.get('end')) : 8.64e15;
  const limit = Math.min(Number(q.get('limit') || 1000), 10000, data.page);
  let single = null, syms;
  const mm = path.match(/^\/v2\/stocks\/([A-Z.]+)\/bars$/);
  if (mm) { single = mm[1]; syms = [single]; } else syms = (q.get('symbols') || '').split(',').filter(Boolean).sort();
  const all = [];
  for (const s of syms) for (const b of barsOf(s, start, end)) all.push([s, b]);
  const off = q.get('page_token') ? Number(Buffer.from(q.get('page_token'), 'base64').toString().split(':')[1]) : 0;
  const page = all.slice(off, off + limit);
  const next = off + limit < all.length ? Buffer.from(`off:${off + limit}`).toString('base64') : null;
  data.stats.rest_pages++;
  if (single) return send(res, 200, { bars: page.map((x) => x[1]), symbol: single, next_page_token: next });
  const bars = {};
  for (const [s, b] of page) (bars[s] = bars[s] || []).push(b);
  return send(res, 200, { bars, next_page_token: next });
}
const dsend = (c, arr) => c.send(JSON.stringify(arr), false); // the data streams use text frames
function barMsg(T, sym, b) { return Object.assign({ T, S: sym }, b); }
function onDataMessage(c, text) {
  let m;
  try { m = JSON.parse(text); } catch (e) { return dsend(c, [{ T: 'error', code: 400, msg: 'invalid syntax' }]); }
  if (m.action === 'auth') {
    if (c.authed) return dsend(c, [{ T: 'error', code: 403, msg: 'already authenticated' }]);
    if (m.key === KEY && m.secret === SECRET) { c.authed = true; data.stats.auths++; return dsend(c, [{ T: 'success', msg: 'authenticated' }]); }
    data.stats.auth_failures++;
    dsend(c, [{ T: 'error', code: 402, msg: 'auth failed' }]);
    return c.close(1000);
  }
  if (m.action === 'subscribe') {
    if (!c.authed) return dsend(c, [{ T: 'error', code: 401, msg: 'not authenticated' }]);
    data.stats.subscribes++;
    c.bars = [...new Set([...(c.bars || []), ...(m.bars || [])])];
    c.updated = [...new Set([...(c.updated || []), ...(m.updatedBars || [])])];
    dsend(c, [{ T: 'subscription', trades: [], quotes: [], bars: c.bars, updatedBars: c.updated, dailyBars: [], statuses: [], lulds: [], corrections: [], cancelErrors: [] }]);
    // As a reconnecting client may see: the last minute's bar again, right after subscribing.
    if (data.cursor > 0) {
      const msgs = c.bars.map((s) => dataBar(s, data.cursor - 1)).map((b, k) => b && barMsg('b', c.bars[k], b)).filter(Boolean);
      if (msgs.length) dsend(c, msgs);
    }
  }
}
function dataControl(p, b, res) {
  if (p === 'data_advance') {
    for (let k = 0; k < (b.minutes || 1); k++) {
      const i = data.cursor++;
      for (const c of data.conns) {
        if (!c.authed || !c.bars || c.silent) continue;
        const msgs = c.bars.map((s) => [s, dataBar(s, i)]).filter((x) => x[1]).map(([s, bar]) => barMsg('b', s, bar));
        if (msgs.length) { dsend(c, msgs); data.stats.bars_sent += msgs.length; }
      }
    }
    return send(res, 200, { cursor: data.cursor });
  }
  if (p === 'data_correct') {
    data.corrections.set(`${b.symbol}|${b.minute}`, Number(b.close));
    const bar = dataBar(b.symbol, b.minute);
    for (const c of data.conns) if (c.authed && !c.silent && (c.updated || []).includes(b.symbol)) dsend(c, [barMsg('u', b.symbol, bar)]);
    return send(res, 200, bar);
  }
  if (p === 'data_drop') {
    const n = data.conns.size;
    for (const c of data.conns) c.drop();
    data.halfAliveUntil = Date.now() + Number(b && b.half_alive_ms || 0);
    return send(res, 200, { n });
  }
  if (p === 'data_silent') {
    for (const c of data.conns) c.silent = !!b.on;
    return send(res, 200, { n: data.conns.size });
  }
  if (p === 'data_error') { for (const c of data.conns) dsend(c, [{ T: 'error', code: b.code, msg: b.msg || 'error' }]); return send(res, 200, { ok: true }); }
  if (p === 'data_stats') return send(res, 200, Object.assign({ connections: data.conns.size, cursor: data.cursor }, data.stats));
  return null;
}
function dataUpgrade(req, socket) {
  const c = ws.accept(req, socket, onDataMessage, (x) => data.conns.delete(x));
  if (!c) return;
  // One data connection per key; a dropped one stays "half alive" for a while (field-lessons).
  if (data.conns.size > 0 || Date.now() < data.halfAliveUntil) {
    data.stats.rejected_406++;
    dsend(c, [{ T: 'error', code: 406, msg: 'connection limit exceeded' }]);
    return c.close(1000);
  }
  data.stats.opens++;
  data.conns.add(c);
  dsend(c, [{ T: 'success', msg: 'connected' }]);
}

function onStreamMessage(c, text) {
  let m;
  try { m = JSON.parse(text); } catch (e) { return c.send(JSON.stringify({ stream: 'error', data: { error_message: 'invalid syntax' } }), st.binary); }
  if (m.action === 'auth' || m.action === 'authenticate') {
    const key = m.key || (m.data && m.data.key_id), secret = m.secret || (m.data && m.data.secret_key);
    c.authed = key === KEY && secret === SECRET;
    c.send(JSON.stringify({ stream: 'authorization', data: { status: c.authed ? 'authorized' : 'unauthorized', action: 'authenticate' } }), st.binary);
    if (!c.authed) c.close(1000);
  } else if (m.action === 'listen' && c.authed) {
    const streams = (m.data && m.data.streams) || [];
    c.listening = streams.includes('trade_updates');
    c.send(JSON.stringify({ stream: 'listening', data: { streams } }), st.binary);
  }
}

const handler = (req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => route(req, res, body));
};
// With a certificate it serves https and wss (TLS tests of the adapter); otherwise plain.
const server = args['tls-cert']
  ? https.createServer({ cert: fs.readFileSync(args['tls-cert']), key: fs.readFileSync(args['tls-key']) }, handler)
  : http.createServer(handler);
server.keepAliveTimeout = 60000;
server.on('upgrade', (req, socket) => {
  const up = new URL(req.url, 'http://127.0.0.1').pathname;
  if (/^\/v2\/(iex|sip|test)$/.test(up)) return dataUpgrade(req, socket);
  if (up !== '/stream') return socket.destroy();
  const c = ws.accept(req, socket, onStreamMessage, (x) => st.streams.delete(x));
  if (c) st.streams.add(c);
});
server.listen(Number(args.port || 0), '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
