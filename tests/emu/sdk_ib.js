#!/usr/bin/env node
'use strict';
// Emulator fidelity: @stoqey/ib (a widely used TWS API client) connects to ibgw_emu.js and must
// see the handshake, nextValidId, managed accounts, the farm notices and the 1100/1102 codes
// exactly as from a real Gateway, and place and cancel orders: the emulator parses @stoqey/ib's
// placeOrder at the negotiated version, and @stoqey/ib decodes the emulator's openOrder,
// orderStatus, execDetails, commissionReport, position and account summary messages into the
// right fields; for market data the emulator parses @stoqey/ib's reqRealTimeBars and
// reqHistoricalData, and @stoqey/ib decodes its realtimeBar and historicalData messages (server
// version 151: no version field and no hasGaps in HISTORICAL_DATA). Exits 0 when every check
// passes.
const { spawn } = require('child_process');
const path = require('path');
const { IBApi, EventName } = require('@stoqey/ib');

let fails = 0;
const check = (name, ok) => { console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`); if (!ok) fails++; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const p = spawn('node', [path.join(__dirname, 'ibgw_emu.js'), '--port', '0', '--next-id', '4242'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port, ctl } = await new Promise((r) => p.stdout.once('data', (d) => r(JSON.parse(d.toString()))));
  try {
    const ib = new IBApi({ host: '127.0.0.1', port, clientId: 5 });
    const seen = { codes: [] };
    ib.on(EventName.nextValidId, (id) => { seen.nextId = id; });
    ib.on(EventName.managedAccounts, (a) => { seen.accounts = a; });
    ib.on(EventName.connected, () => { seen.connected = true; });
    ib.on(EventName.error, (err, code) => { seen.codes.push(code); });
    ib.on(EventName.info, (msg, code) => { seen.codes.push(code); });
    ib.on(EventName.openOrderEnd, () => { seen.openOrderEnd = true; });
    ib.on(EventName.positionEnd, () => { seen.positionEnd = true; });
    const orders = {}, execs = [], comms = [], positions = {}, summary = {};
    ib.on(EventName.openOrder, (id, contract, order, state) => { orders[id] = Object.assign(orders[id] || {}, { contract, order, state }); });
    ib.on(EventName.orderStatus, (id, status, filled, remaining) => { orders[id] = Object.assign(orders[id] || {}, { status, filled, remaining }); });
    ib.on(EventName.execDetails, (reqId, contract, exec) => { execs.push({ contract, exec }); });
    ib.on(EventName.commissionReport, (c) => { comms.push(c); });
    ib.on(EventName.position, (acct, contract, pos, avg) => { positions[contract.symbol] = { pos, avg }; });
    ib.on(EventName.accountSummary, (reqId, acct, tag, value) => { summary[tag] = Number(value); });
    ib.connect();
    await sleep(700);
    check('connects', seen.connected === true);
    check('server version negotiated in the pinned range', ib.serverVersion >= 100 && ib.serverVersion <= 151);
    check('nextValidId arrives with the Gateway\'s id', seen.nextId === 4242);
    check('managed accounts arrive', seen.accounts === 'DU1234567');
    check('farm notices 2104/2106/2158 arrive', [2104, 2106, 2158].every((c) => seen.codes.includes(c)));
    ib.reqAllOpenOrders();
    ib.reqPositions();
    await sleep(300);
    check('openOrderEnd and positionEnd answer the sync requests', seen.openOrderEnd && seen.positionEnd);
    await fetch(`http://127.0.0.1:${ctl}/lost`, { method: 'POST' });
    await fetch(`http://127.0.0.1:${ctl}/restored`, { method: 'POST' });
    await sleep(300);
    check('1100 and 1102 arrive as codes', seen.codes.includes(1100) && seen.codes.includes(1102));

    const stock = { symbol: 'AAPL', secType: 'STK', exchange: 'SMART', currency: 'USD' };
    ib.placeOrder(4242, stock, { action: 'BUY', totalQuantity: 5, orderType: 'LMT', lmtPrice: 95, tif: 'DAY', orderRef: 'sdk-lmt-1', transmit: true });
    await sleep(300);
    const st1 = await (await fetch(`http://127.0.0.1:${ctl}/stats`)).json();
    check('the emulator parsed @stoqey/ib\'s placeOrder (110 fields at version 151)', st1.place_order === 1 && st1.bad_place === 0);
    const o = orders[4242] || {};
    check('openOrder decodes: symbol, action, quantity, type, limit, orderRef',
      o.contract?.symbol === 'AAPL' && o.order?.action === 'BUY' && o.order?.totalQuantity === 5 &&
      o.order?.orderType === 'LMT' && o.order?.lmtPrice === 95 && o.order?.orderRef === 'sdk-lmt-1');
    check('openOrder carries the order state and orderStatus says Submitted', o.state?.status === 'Submitted' && o.status === 'Submitted' && o.remaining === 5);
    ib.cancelOrder(4242);
    await sleep(300);
    check('cancelOrder gives Cancelled and error 202', orders[4242].status === 'Cancelled' && seen.codes.includes(202));

    ib.placeOrder(4243, stock, { action: 'BUY', totalQuantity: 3, orderType: 'MKT', tif: 'DAY', orderRef: 'sdk-mkt-1', transmit: true });
    await sleep(500);
    check('a market order fills: execDetails with execId, shares, price, cumQty, orderRef',
      execs.length === 1 && execs[0].exec.execId && execs[0].exec.shares === 3 && execs[0].exec.price === 100 &&
      execs[0].exec.cumQty === 3 && execs[0].exec.orderRef === 'sdk-mkt-1' && execs[0].contract.symbol === 'AAPL');
    check('commissionReport follows for the same execId', comms.length === 1 && comms[0].execId === execs[0].exec.execId && comms[0].commission > 0);
    check('orderStatus says Filled', orders[4243]?.status === 'Filled' && orders[4243]?.filled === 3);
    ib.reqPositions();
    ib.reqAccountSummary(9, 'All', 'NetLiquidation,TotalCashValue,BuyingPower');
    await sleep(300);
    check('position decodes (AAPL 3 @ 100)', positions.AAPL?.pos === 3 && positions.AAPL?.avg === 100);
    check('account summary decodes the three tags', summary.NetLiquidation > 0 && summary.TotalCashValue > 0 && summary.BuyingPower > 0);
    await fetch(`http://127.0.0.1:${ctl}/reject_next?text=NO%20TRADING%20PERMISSIONS`, { method: 'POST' });
    ib.placeOrder(4244, stock, { action: 'BUY', totalQuantity: 1, orderType: 'MKT', tif: 'DAY', orderRef: 'sdk-rej-1', transmit: true });
    await sleep(300);
    check('a rejected order gives error 201 with the reason', seen.codes.includes(201));
    ib.placeOrder(4244, stock, { action: 'BUY', totalQuantity: 1, orderType: 'MKT', tif: 'DAY', orderRef: 'sdk-dup-1', transmit: true });
    await sleep(300);
    check('reusing an order id gives error 103', seen.codes.includes(103));

    // Market data: 5-second bars while the emulated market moves, then 1-minute history of the
    // same series (the engine's aggregation must equal IB's minute bars).
    const OPEN = Date.parse('2026-11-30T14:30:00Z') / 1000;
    const rt = [], hist = [];
    let histEnd = null;
    ib.on(EventName.realtimeBar, (reqId, time, open, high, low, close, volume, wap, count) => rt.push({ reqId, time, open, high, low, close, volume, wap, count }));
    ib.on(EventName.historicalData, (reqId, time, open, high, low, close, volume, count, wap) => {
      if (String(time).startsWith('finished')) histEnd = time; else hist.push({ reqId, time: Number(time), open, high, low, close, volume, count, wap });
    });
    ib.reqRealTimeBars(31, stock, 5, 'TRADES', true);
    await sleep(200);
    await fetch(`http://127.0.0.1:${ctl}/data_advance?minutes=2`);
    await sleep(300);
    const st2 = await (await fetch(`http://127.0.0.1:${ctl}/stats`)).json();
    check('the emulator parsed @stoqey/ib\'s reqRealTimeBars (19 fields at version 151)', st2.rt_subs === 1 && st2.rt_bad === 0);
    check('realtimeBar decodes: reqId, 5-second starts from the open, OHLC, volume, WAP, count',
      rt.length >= 2 && rt.every((b) => b.reqId === 31 && b.time >= OPEN && b.time < OPEN + 120 && (b.time - OPEN) % 5 === 0 &&
        b.low <= Math.min(b.open, b.close) && b.high >= Math.max(b.open, b.close) && b.volume > 0 && b.wap > 0 && b.count > 0));
    ib.reqHistoricalData(32, stock, '20261130-14:32:00', '120 S', '1 min', 'TRADES', 1, 2, false);
    await sleep(300);
    const st3 = await (await fetch(`http://127.0.0.1:${ctl}/stats`)).json();
    check('the emulator parsed @stoqey/ib\'s reqHistoricalData (23 fields at version 151)', st3.hist_reqs === 1 && st3.hist_bad === 0);
    const agg = (m) => {
      const p = rt.filter((b) => b.time >= m && b.time < m + 60);
      return p.length ? { time: m, open: p[0].open, high: Math.max(...p.map((b) => b.high)), low: Math.min(...p.map((b) => b.low)),
        close: p[p.length - 1].close, volume: p.reduce((a, b) => a + b.volume, 0), count: p.reduce((a, b) => a + b.count, 0) } : null;
    };
    const want = [agg(OPEN), agg(OPEN + 60)].filter(Boolean);
    check('historicalData decodes: epoch dates, the 5-second bars aggregated, then the end marker',
      histEnd !== null && hist.length === want.length && hist.every((b, i) => b.reqId === 32 && b.time === want[i].time &&
        b.open === want[i].open && b.high === want[i].high && b.low === want[i].low && b.close === want[i].close &&
        b.volume === want[i].volume && b.count === want[i].count));
    ib.reqHistoricalData(33, stock, '20261130-14:32:00', '120 S', '1 min', 'TRADES', 1, 2, false);
    await sleep(300);
    check('an identical historical request within 15 s gives error 162 (pacing)', seen.codes.includes(162));
    ib.disconnect();
  } finally {
    p.kill();
  }
  console.log(fails ? `${fails} failed` : 'all passed');
  process.exit(fails ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(1); });
