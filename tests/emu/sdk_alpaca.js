#!/usr/bin/env node
'use strict';
// Emulator fidelity: Alpaca's official SDK (@alpacahq/alpaca-trade-api) drives alpaca_emu.js
// through REST and the trade_updates stream. Exits 0 when every check passes.
const { spawn } = require('child_process');
const path = require('path');
const Alpaca = require('@alpacahq/alpaca-trade-api');

let fails = 0;
const check = (name, ok) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`); if (!ok) fails++; };

function startEmu(args) {
  return new Promise((resolve, reject) => {
    const p = spawn('node', [path.join(__dirname, 'alpaca_emu.js'), '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.once('data', (d) => resolve({ p, port: JSON.parse(d.toString()).port }));
    p.once('error', reject);
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const { p, port } = await startEmu(['--fill', 'manual']);
  try {
    const api = new Alpaca({ keyId: 'PKEMULATOR', secretKey: 'emulator-secret', baseUrl: `http://127.0.0.1:${port}` });
    const acct = await api.getAccount();
    check('getAccount gives an ACTIVE account with cash and equity', acct.status === 'ACTIVE' && acct.cash && acct.equity);
    check('the current account schema has no PDT fields', !('pattern_day_trader' in acct));
    const clock = await api.getClock();
    check('getClock has is_open and next_open', typeof clock.is_open === 'boolean' && clock.next_open);
    const cal = await api.getCalendar({ start: '2026-11-27', end: '2026-11-27' });
    check('getCalendar has the early close', cal[0].close === '13:00');

    const updates = [];
    api.trade_ws.onConnect(() => api.trade_ws.subscribe(['trade_updates']));
    api.trade_ws.onOrderUpdate((u) => updates.push(u));
    api.trade_ws.connect();
    await sleep(300);

    const o = await api.createOrder({ symbol: 'AAPL', qty: 10, side: 'buy', type: 'limit', time_in_force: 'day', limit_price: 99, client_order_id: 'sdk-1' });
    check('createOrder returns the order with our client_order_id', o.client_order_id === 'sdk-1' && o.qty === '10');
    const dup = await api.createOrder({ symbol: 'AAPL', qty: 10, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: 'sdk-1' }).then(() => null, (e) => e);
    check('a second use of a client_order_id is refused with 422', dup && dup.response && dup.response.status === 422);
    const byc = await api.getOrderByClientId('sdk-1');
    check('getOrderByClientId finds it', byc.id === o.id);
    await fetch(`http://127.0.0.1:${port}/__emu/fill`, { method: 'POST', body: JSON.stringify({ client_order_id: 'sdk-1', qty: 4, price: 98.5 }) });
    await sleep(200);
    const pf = updates.find((u) => u.event === 'partial_fill');
    check('the stream delivers partial_fill with per-fill qty and price', pf && pf.qty === '4' && pf.price === '98.5' && pf.order.filled_qty === '4');
    const rep = await api.replaceOrder(o.id, { limit_price: 97, client_order_id: 'sdk-1b' });
    check('replaceOrder returns the new order that replaces the old', rep.replaces === o.id && rep.client_order_id === 'sdk-1b');
    const old = await api.getOrder(o.id);
    check('the old order is replaced', old.status === 'replaced' && old.replaced_by === rep.id);
    await api.cancelOrder(rep.id);
    await sleep(200);
    check('the stream delivers canceled', updates.some((u) => u.event === 'canceled' && u.order.id === rep.id));
    const pos = await api.getPositions();
    check('getPositions shows the partial fill', pos.length === 1 && pos[0].qty === '4' && pos[0].side === 'long');
    const br = await api.createOrder({ symbol: 'MSFT', qty: 5, side: 'buy', type: 'market', time_in_force: 'day', order_class: 'bracket', take_profit: { limit_price: 110 }, stop_loss: { stop_price: 90 } });
    check('a bracket order comes back with two legs', br.order_class === 'bracket' && br.legs && br.legs.length === 2);
    const open = await api.getOrders({ status: 'open', nested: true });
    check('getOrders(open, nested) lists the bracket parent only', open.length === 1 && open[0].id === br.id);
    const bad = await new Alpaca({ keyId: 'PKWRONG', secretKey: 'x', baseUrl: `http://127.0.0.1:${port}` }).getAccount().then(() => null, (e) => e);
    check('wrong keys get 401', bad && bad.response && bad.response.status === 401);
    api.trade_ws.disconnect();
  } finally {
    p.kill();
  }
  console.log(fails ? `${fails} failed` : 'all passed');
  process.exit(fails ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(1); });
