#!/usr/bin/env node
'use strict';
// Emulator fidelity: @stoqey/ib (a widely used TWS API client) connects to ibgw_emu.js and must
// see the handshake, nextValidId, managed accounts, the farm notices and the 1100/1102 codes
// exactly as from a real Gateway. Orders are not emulated yet. Exits 0 when every check passes.
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
    ib.disconnect();
  } finally {
    p.kill();
  }
  console.log(fails ? `${fails} failed` : 'all passed');
  process.exit(fails ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(1); });
