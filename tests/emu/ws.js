'use strict';
// Minimal RFC 6455 server side for the emulators (Node core modules only): handshake, framing
// (text and binary, masked client frames, fragmentation, ping/pong, close).
const crypto = require('crypto');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function accept(req, socket, onMessage, onClose) {
  const key = req.headers['sec-websocket-key'];
  if (!key || (req.headers.upgrade || '').toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return null;
  }
  const acceptKey = crypto.createHash('sha1').update(key + GUID).digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
               `Sec-WebSocket-Accept: ${acceptKey}\r\n\r\n`);
  socket.setNoDelay(true);
  let buf = Buffer.alloc(0);
  let frag = [];
  const conn = {
    socket,
    open: true,
    send(data, binary) {
      if (!conn.open) return;
      socket.write(frame(binary ? 2 : 1, Buffer.from(data)));
    },
    sendRaw(bytes) { if (conn.open) socket.write(bytes); },
    close(code) {
      if (!conn.open) return;
      const p = Buffer.alloc(2); p.writeUInt16BE(code || 1000);
      socket.write(frame(8, p));
      conn.open = false;
      socket.end();
    },
    drop() { conn.open = false; socket.destroy(); },
  };
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const f = parse(buf);
      if (!f) break;
      buf = buf.subarray(f.used);
      if (f.op === 8) { conn.close(1000); break; }
      if (f.op === 9) { socket.write(frame(10, f.payload)); continue; }
      if (f.op === 10) continue;
      frag.push(f.payload);
      if (f.fin) { const msg = Buffer.concat(frag); frag = []; onMessage(conn, msg.toString('utf8')); }
    }
  });
  // The HTTP server's sockets allow half-open: a client that went away must end ours too, or
  // 'close' (and the bookkeeping of who is connected) would wait for a failed write.
  socket.on('end', () => { conn.open = false; socket.end(); });
  socket.on('close', () => { conn.open = false; if (onClose) onClose(conn); });
  socket.on('error', () => {});
  return conn;
}

function frame(op, payload) {
  const n = payload.length;
  let head;
  if (n < 126) { head = Buffer.from([0x80 | op, n]); }
  else if (n < 65536) { head = Buffer.alloc(4); head[0] = 0x80 | op; head[1] = 126; head.writeUInt16BE(n, 2); }
  else { head = Buffer.alloc(10); head[0] = 0x80 | op; head[1] = 127; head.writeBigUInt64BE(BigInt(n), 2); }
  return Buffer.concat([head, payload]);
}

function parse(b) {
  if (b.length < 2) return null;
  const fin = (b[0] & 0x80) !== 0, op = b[0] & 0x0f, masked = (b[1] & 0x80) !== 0;
  let n = b[1] & 0x7f, off = 2;
  if (n === 126) { if (b.length < 4) return null; n = b.readUInt16BE(2); off = 4; }
  else if (n === 127) { if (b.length < 10) return null; n = Number(b.readBigUInt64BE(2)); off = 10; }
  const mask = masked ? b.subarray(off, off + 4) : null;
  if (masked) off += 4;
  if (b.length < off + n) return null;
  const payload = Buffer.from(b.subarray(off, off + n));
  if (mask) for (let i = 0; i < n; i++) payload[i] ^= mask[i & 3];
  return { fin, op, payload, used: off + n };
}

module.exports = { accept, frame };
