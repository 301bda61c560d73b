// Screenshot comparison of every dashboard page. The pages (HTML, CSS, scripts, uPlot) are the
// running engine's; their /api answers are fixed sample data recorded once from an engine that
// replayed the sample data (screens/fixtures.json), so nothing in the pictures moves: no clock,
// no live stream (it is refused: the "Live" pill is masked).
//
// Each page is compared with its reference (screens/<page>.png, kept at half size) at a quarter
// of its size: a pixel differs when a channel differs by more than PIXEL_DELTA (of 255), and a
// page fails when more than MAX_DIFF_FRACTION of its pixels differ or its height differs by
// more than MAX_HEIGHT_DIFF. Shrinking averages away antialiasing, hinting and kerning
// differences between machines (turning kerning off, or spacing every letter 0.02 px wider,
// stays under 0.4%), while a missing row, chart or section, or text of another size, fails
// (2% and more). Thin details (a candle's colour) are below what this sees: the browser test
// checks those itself. On a failure ARTIFACT_DIR/screens/ gets <page>.actual.png (half size),
// <page>.reference.png and <page>.diff.png (quarter size, differing pixels red).
//
// Usage: node screens.test.mjs BASE_URL ARTIFACT_DIR            compare
//        node screens.test.mjs BASE_URL ARTIFACT_DIR --record
//            records fixtures and references from the engine at BASE_URL
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { symbolWithWorkingOrder } from './pick.mjs';

const SHRINK = 2;
const PIXEL_DELTA = 40;
const MAX_DIFF_FRACTION = 0.005;
const MAX_HEIGHT_DIFF = 6;
const SCREENS = join(dirname(fileURLToPath(import.meta.url)), 'screens');
const FIXTURES = join(SCREENS, 'fixtures.json');

const [base, artifacts, mode] = process.argv.slice(2);
const record = mode === '--record';
const out = join(artifacts, 'screens');
mkdirSync(out, { recursive: true });
let failed = 0;
const check = (name, cond) => { console.log(`${cond ? 'ok  ' : 'FAIL'} ${name}`); if (!cond) failed++; };

// What makes each page ready to be taken: its data drawn.
const pages = (symbol) => [
  ['overview', '/', () => Number(document.querySelector('#equity-chart').dataset.points) >= 2
    && document.querySelector('#positions tbody') && document.querySelector('#broker-status').textContent !== '…'],
  ['trades', '/trades.html', () => document.querySelector('#trades tbody tr td:not(.empty)')
    && document.querySelector('#open-positions tbody')],
  ['symbol', `/symbol.html?s=${encodeURIComponent(symbol)}`, () => {
    const b = document.querySelector('#price-chart');
    return b.markers && b.orderLines && document.querySelector('#decisions tbody') && document.querySelector('#fills tbody');
  }],
  ['health', '/health.html', () => document.querySelector('#sentinel tbody tr') && document.querySelector('#gates tbody')],
];

const key = (u) => { const x = new URL(u); return x.pathname + x.search; };

// Record: the answers each page asked the live engine for, the first of each. The symbol page
// shows the symbol with the most fills among those with a working order with a price; a record
// whose symbol lost its working orders before its page loaded is taken again.
async function recordFixtures(page) {
  for (let attempt = 0; attempt < 10; attempt++) {
    const symbol = await symbolWithWorkingOrder(base);
    if (!symbol) { await page.waitForTimeout(1000); continue; }
    const responses = {};
    const seen = async (r) => {
      const k = key(r.url());
      if (!k.startsWith('/api/') || k.startsWith('/api/stream') || k in responses) return;
      responses[k] = null;
      try { responses[k] = { status: r.status(), body: await r.json() }; } catch { delete responses[k]; }
    };
    page.on('response', seen);
    for (const [, path, ready] of pages(symbol)) {
      await page.goto(base + path);
      await page.waitForFunction(ready, null, { timeout: 30000 });
      await page.waitForTimeout(1500);
    }
    page.off('response', seen);
    // the newest trades are enough for a picture (the page says how many there are)
    for (const [k, v] of Object.entries(responses)) if (k.startsWith('/api/trades')) v.body.trades = v.body.trades.slice(0, 25);
    const orders = responses[`/api/orders?symbol=${encodeURIComponent(symbol)}`];
    if (!orders || !orders.body.some((o) => o.limit != null || o.stop != null)) continue;
    writeFileSync(FIXTURES, `${JSON.stringify({ symbol, responses })}\n`);
    return;
  }
  throw new Error('no symbol kept a working order while its page was recorded');
}

// Compare: every /api call answered from the fixtures; one that was not recorded is a 404 (the
// page's own error shows in the picture).
async function serveFixtures(page, fx) {
  await page.route('**/api/**', (route) => {
    const k = key(route.request().url());
    if (k.startsWith('/api/stream')) return route.abort();
    const hit = fx.responses[k] ?? fx.responses[new URL(route.request().url()).pathname];
    return route.fulfill(hit ? { status: hit.status, contentType: 'application/json', body: JSON.stringify(hit.body) }
      : { status: 404, contentType: 'application/json', body: '{"error":"no fixture"}' });
  });
}

// In the browser: the actual screenshot is halved (what a reference keeps), then both are
// shrunk SHRINK times more and compared pixel by pixel. Returns the share of differing pixels,
// the halved heights, the halved actual picture and a diff picture (PNG, base64): the reference
// dimmed, differing pixels red.
async function compare(cmp, actualPng, refPng) {
  return cmp.evaluate(async ([a64, r64, delta, shrink]) => {
    const bitmap = async (b64) => createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
    const scaled = (img, w, h) => {
      const c = new OffscreenCanvas(w, h), x = c.getContext('2d');
      x.imageSmoothingQuality = 'high';
      x.drawImage(img, 0, 0, w, h);
      return c;
    };
    const png = async (c) => {
      const u8 = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let s = '';
      for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const a = await bitmap(a64);
    const half = scaled(a, Math.round(a.width / 2), Math.round(a.height / 2));
    if (!r64) return { fraction: 1, h: half.height, rh: 0, half: await png(half), diff: null };
    const r = await bitmap(r64);
    const w = Math.ceil(Math.max(half.width, r.width) / shrink), h = Math.ceil(Math.max(half.height, r.height) / shrink);
    const A = scaled(half, Math.round(half.width / shrink), Math.round(half.height / shrink));
    const R = scaled(r, Math.round(r.width / shrink), Math.round(r.height / shrink));
    const pa = new OffscreenCanvas(w, h).getContext('2d'), pr = new OffscreenCanvas(w, h).getContext('2d');
    pa.drawImage(A, 0, 0);
    pr.drawImage(R, 0, 0);
    const da = pa.getImageData(0, 0, w, h).data, dr = pr.getImageData(0, 0, w, h).data;
    const diff = new OffscreenCanvas(w, h), dc = diff.getContext('2d'), D = dc.createImageData(w, h);
    let n = 0;
    for (let i = 0; i < da.length; i += 4) {
      const x = (i / 4) % w, y = Math.floor(i / 4 / w);
      const outside = x >= A.width || y >= A.height || x >= R.width || y >= R.height;
      const d = outside ? 255 : Math.max(Math.abs(da[i] - dr[i]), Math.abs(da[i + 1] - dr[i + 1]), Math.abs(da[i + 2] - dr[i + 2]));
      const g = 0.2 * (dr[i] + dr[i + 1] + dr[i + 2]);
      if (d > delta) { n++; D.data.set([255, 0, 0, 255], i); } else D.data.set([g, g, g, 255], i);
    }
    dc.putImageData(D, 0, 0);
    return { fraction: n / (w * h), h: half.height, rh: r.height, half: await png(half), diff: await png(diff) };
  }, [actualPng.toString('base64'), refPng ? refPng.toString('base64') : null, PIXEL_DELTA, SHRINK]);
}

const profile = mkdtempSync(join(tmpdir(), 'tb-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--hide-scrollbars', '--font-render-hinting=none', '--disable-lcd-text', '--force-color-profile=srgb'],
  viewport: { width: 1400, height: 1000 },
  deviceScaleFactor: 1,
  locale: 'en-US', // numbers as the references show them, whatever the machine's LANG
  timezoneId: 'UTC',
});
try {
  const page = await browser.newPage();
  if (record) {
    await recordFixtures(page);
  }
  const fx = JSON.parse(readFileSync(FIXTURES, 'utf8'));
  await serveFixtures(page, fx);
  const cmp = await browser.newPage();
  for (const [name, path, ready] of pages(fx.symbol)) {
    await page.goto(base + path);
    const drawn = await page.waitForFunction(ready, null, { timeout: 20000 }).then(() => true, () => false);
    await page.waitForTimeout(800);
    const shot = await page.screenshot({ fullPage: true, mask: [page.locator('#live')], animations: 'disabled' });
    const refPath = join(SCREENS, `${name}.png`);
    const ref = existsSync(refPath) && !record ? readFileSync(refPath) : null;
    const c = await compare(cmp, shot, ref);
    if (record) {
      writeFileSync(refPath, Buffer.from(c.half, 'base64'));
      check(`recorded ${name}.png (height ${c.h})`, drawn);
      continue;
    }
    const same = ref && c.fraction <= MAX_DIFF_FRACTION && Math.abs(c.h - c.rh) <= MAX_HEIGHT_DIFF;
    if (!same) {
      writeFileSync(join(out, `${name}.actual.png`), Buffer.from(c.half, 'base64'));
      if (ref) writeFileSync(join(out, `${name}.reference.png`), ref);
      if (c.diff) writeFileSync(join(out, `${name}.diff.png`), Buffer.from(c.diff, 'base64'));
    }
    check(`${name} looks like screens/${name}.png (${(c.fraction * 100).toFixed(2)}% of pixels differ, at most ${MAX_DIFF_FRACTION * 100}%; height ${c.h} vs ${c.rh})${same ? '' : `: see ${out}/${name}.{actual,reference,diff}.png`}`,
      drawn && same);
  }
} catch (err) {
  check(`screens: ${err.message}`, false);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(failed ? `${failed} failed` : 'all passed');
process.exit(failed ? 1 : 0);
