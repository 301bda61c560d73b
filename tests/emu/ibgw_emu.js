#!/usr/bin/env node
'use strict';
// IB Gateway emulator (loopback only): the TWS socket API's connection part, following
// ../../../shared/reference/ibkr-tws.md: "API\0" + version range, server version and time,
// START_API, NEXT_VALID_ID, MANAGED_ACCTS, farm notices 2104/2106/2158, 326 for a client id in
// use, REQ_ALL_OPEN_ORDERS / REQ_POSITIONS / REQ_EXECUTIONS answered with their End messages,
// and the connectivity codes 1100/1101/1102 and the daily restart on request.
// Orders (placeOrder/cancelOrder, orderStatus, openOrder, execDetails) are NOT emulated yet.
// Usage: node ibgw_emu.js [--port N] [--next-id N] [--max-version N]
// Prints {"port":N,"ctl":M}; control: POST http://127.0.0.1:M/<lost|restored|restored_lost|
// restart?ms=N|hold_id?id=N>; GET /stats.
const net = require('net');
const http = require('http');
const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => {
  if (v.startsWith('--')) a.push([v.slice(2), all[i + 1]]);
  return a;
}, []));
const SERVER_MAX = Number(args['max-version'] || 151), SERVER_MIN = 100;
const st = { nextId: Number(args['next-id'] || 1000), clients: new Map(), down: false, held: new Set(), stats: { connects: 0, start_api: 0, req_open: 0, req_pos: 0, req_exec: 0, rejected_326: 0 } };

const frame = (fields) => {
  const body = Buffer.from(fields.map((f) => String(f) + '\0').join(''));
  const h = Buffer.alloc(4); h.writeUInt32BE(body.length);
  return Buffer.concat([h, body]);
};
const err = (id, code, msg) => frame([4, 2, id, code, msg]);

function onConn(sock) {
  if (st.down) return sock.destroy(); // behind socat a down Gateway looks like this
  st.stats.connects++;
  let buf = Buffer.alloc(0), stage = 'greeting', clientId = null;
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
      if (!m || Number(m[2]) < SERVER_MIN || Number(m[1]) > SERVER_MAX) return sock.destroy();
      sock.write(frame([Math.min(Number(m[2]), SERVER_MAX), '20261127 09:30:00 EST']));
      stage = 'api';
    }
    while (buf.length >= 4) {
      const n = buf.readUInt32BE(0);
      if (buf.length < 4 + n) return;
      const f = buf.subarray(4, 4 + n).toString().split('\0'); f.pop();
      buf = buf.subarray(4 + n);
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
      s.write(Buffer.concat([frame([9, 1, st.nextId]), frame([15, 1, 'DU1234567']),
        err(-1, 2104, 'Market data farm connection is OK:usfarm'), err(-1, 2106, 'HMDS data farm connection is OK:ushmds'),
        err(-1, 2158, 'Sec-def data farm connection is OK:secdefnj')]));
      return;
    }
    if (id === 16) { st.stats.req_open++; return s.write(frame([53, 1])); }
    if (id === 61) { st.stats.req_pos++; return s.write(frame([62, 1])); }
    if (id === 7) { st.stats.req_exec++; return s.write(frame([55, 1, f[2]])); }
    if (id === 8) return s.write(frame([9, 1, st.nextId]));
    s.write(err(-1, 10, `message ${id} not supported by the emulator`));
  }
}

const server = net.createServer(onConn);
const broadcast = (b) => { for (const s of st.clients.values()) s.write(b); };
const ctl = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://127.0.0.1');
  const p = u.pathname;
  if (p === '/lost') broadcast(err(-1, 1100, 'Connectivity between IB and Trader Workstation has been lost.'));
  if (p === '/restored_lost') broadcast(err(-1, 1101, 'Connectivity between IB and TWS has been restored- data lost.'));
  if (p === '/restored') broadcast(err(-1, 1102, 'Connectivity between IB and TWS has been restored- data maintained.'));
  if (p === '/restart') {
    st.down = true;
    for (const s of st.clients.values()) s.destroy();
    st.clients.clear();
    setTimeout(() => { st.down = false; }, Number(u.searchParams.get('ms') || 1000));
  }
  if (p === '/hold_id') st.held.add(Number(u.searchParams.get('id')));
  if (p === '/drop_mid') for (const s of st.clients.values()) { s.write(Buffer.from([0, 0, 0, 40, 0x34, 0])); s.destroy(); }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(Object.assign({ clients: [...st.clients.keys()] }, st.stats)));
});
server.listen(Number(args.port || 0), '127.0.0.1', () => ctl.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port, ctl: ctl.address().port }) + '\n');
}));
process.on('SIGTERM', () => process.exit(0));
