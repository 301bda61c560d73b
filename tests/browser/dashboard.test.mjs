// The dashboard in a real browser (Debian's chromium, headless, via playwright-core) against a
// running engine. Usage: node dashboard.test.mjs BASE_URL TOKEN_FILE ARTIFACT_DIR [README_PNG]
// Prints "ok   <name>" / "FAIL <name>" lines and exits non-zero when anything failed.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { symbolWithWorkingOrder } from './pick.mjs';

const [base, tokenFile, artifacts, readmePng] = process.argv.slice(2);
const token = readFileSync(tokenFile, 'utf8').trim();
mkdirSync(artifacts, { recursive: true });
let failed = 0;
const check = (name, cond) => { console.log(`${cond ? 'ok  ' : 'FAIL'} ${name}`); if (!cond) failed++; };
const shot = (page, name) => page.screenshot({ path: join(artifacts, name), fullPage: true });
const profile = mkdtempSync(join(tmpdir(), 'tb-chromium-'));

// A fresh profile each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 1000 },
});
const page = await browser.newPage();
const problems = [];
// Refused POSTs are the point of the kill switch checks; any other failed load is a problem.
page.on('console', (m) => {
  if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
});
page.on('response', (r) => {
  if (r.status() >= 400 && !(r.status() === 401 && r.request().method() === 'POST')) problems.push(`${r.status()} ${r.url()}`);
});
page.on('pageerror', (e) => problems.push(String(e)));
const points = () => page.$eval('#equity-chart', (e) => Number(e.dataset.points));

// Candlesticks on the Symbol page of a symbol with fills and a working order with a price (the
// opening range breakout's bracket legs): a disc at each fill's price on the candle of the bar it
// filled in, of its side's colour on the canvas, and a line at each working order's price. The
// markers go to ARTIFACT_DIR/symbol_markers.json for the shell to find in oms_fills.
async function pickSymbol(page) {
  for (let i = 0; i < 120; i++) {
    const sym = await symbolWithWorkingOrder(base);
    if (sym) return sym;
    await page.waitForTimeout(500);
  }
  return null;
}

async function candles(page) {
  // The bracket may close between the pick and the page's load: then pick again.
  let sym = null, drawn = false;
  for (let i = 0; i < 5 && !drawn; i++) {
    if (!(sym = await pickSymbol(page))) break;
    await page.goto(`${base}/symbol.html?s=${encodeURIComponent(sym)}`);
    drawn = await page.waitForFunction(() => {
      const b = document.querySelector('#price-chart');
      return b.markers && b.markers.length && b.orderLines && b.orderLines.length;
    }, null, { timeout: 6000 }).then(() => true, () => false);
  }
  check(`the Symbol page of ${sym} draws fill markers and working order lines`, drawn);
  if (!drawn) return;
  // One synchronous look: what the page last drew and the canvas it drew it on.
  const seen = await page.$eval('#price-chart', (box) => {
    const u = box.uplot, ctx = u.ctx, dpr = devicePixelRatio;
    const px = (x, y) => Array.from(ctx.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data.slice(0, 3));
    // markers and lines are in the canvas's CSS pixels; uPlot's positions are the plot area's
    const top = u.bbox.top / dpr, left = u.bbox.left / dpr;
    const lines = box.orderLines.map((l) => ({ ...l, want: top + u.valToPos(l.price, 'y') }));
    const markers = box.markers.map((m, k) => ({
      ...m, pixel: px(m.x, m.y), at: u.posToVal(m.y - top, 'y'), xAt: u.posToVal(m.x - left, 'x'),
      // a later disc within 10 px covers this one's centre
      covered: box.markers.slice(k + 1).some((n) => Math.hypot(n.x - m.x, n.y - m.y) < 10),
    }));
    const perPx = Math.abs(u.posToVal(0, 'y') - u.posToVal(1, 'y'));
    const bar = markers.map((m) => [box.bars.t[m.i], box.bars.t[m.i + 1] ?? Infinity]);
    return { markers, lines, perPx, bar, orders: box.orders };
  });
  const axis = await page.$eval('#price-chart', (e) => {
    const u = e.uplot, x = u.data[0], n = x.length;
    return { steps: x.every((v, i) => v === i), labels: u.axes[0].values(u, [0, n - 1], 0, 0, 0), n };
  });
  check(`the candlesticks are on a session axis labelled with market time (${axis.labels.join(' .. ')})`,
    axis.steps && axis.n >= 2 && axis.labels.every((l) => /^\d\d-\d\d \d\d:\d\d$/.test(l)) && axis.labels[0] < axis.labels[1]);
  const hex = (c) => [1, 3, 5].map((k) => parseInt(c.slice(k, k + 2), 16));
  const colors = { buy: hex('#2ea0ff'), sell: hex('#ff9f1c') };
  const bad = seen.markers.filter((m) => Math.abs(m.at - m.price) > 1.5 * seen.perPx || Math.abs(m.xAt - m.i) > 0.5);
  check(`${seen.markers.length} fill markers of ${sym} sit at their fill prices on their bars${bad.length ? ': ' + JSON.stringify(bad) : ''}`,
    seen.markers.length > 0 && bad.length === 0);
  // The bar a marker is on is the one the fill's time falls in (a fill may be a little outside
  // its candle: the paper broker's slippage).
  const offBar = seen.markers.filter((m, k) => !(seen.bar[k][0] <= Date.parse(m.time) / 1000 && Date.parse(m.time) / 1000 < seen.bar[k][1]));
  check(`each marker is on the bar its fill's time falls in${offBar.length ? ': ' + JSON.stringify(offBar) : ''}`, offBar.length === 0);
  const wrong = seen.markers.filter((m) => !m.covered && m.pixel.some((v, k) => Math.abs(v - colors[m.side][k]) > 8));
  check(`the canvas shows each marker in its side's colour (buy blue, sell orange)${wrong.length ? ': ' + JSON.stringify(wrong) : ''}`, wrong.length === 0);
  const want = seen.orders.flatMap((o) => ['limit', 'stop'].filter((k) => o[k] != null).map((k) => ({ kind: k, price: o[k] })));
  const onChart = (o) => seen.lines.some((l) => l.kind === o.kind && Math.abs(l.price - o.price) < 1e-9 && Math.abs(l.y - l.want) <= 1);
  check(`each working order's price is a line on the chart (${want.map((o) => `${o.kind} ${o.price}`).join(', ')})`,
    want.length > 0 && want.every(onChart));
  writeFileSync(join(artifacts, 'symbol_markers.json'), JSON.stringify({ symbol: sym, markers: seen.markers }));
}

try {
  // Overview: both connections say Connected, and the equity curve grows while we watch.
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.querySelector('#broker-status').textContent === 'Connected');
  check('the overview shows the paper broker Connected', (await page.textContent('#broker-status')) === 'Connected');
  await page.waitForFunction(() => document.querySelector('#feed-status').textContent === 'Connected');
  check('the overview shows the replay feed Connected', (await page.textContent('#feed-status')) === 'Connected');
  await page.waitForFunction(() => document.querySelector('#live').textContent === 'Live');
  check('the live stream connects', true);
  await page.waitForFunction(() => Number(document.querySelector('#equity-chart').dataset.points) >= 2, null, { timeout: 30000 });
  const before = await points();
  await page.waitForFunction((n) => Number(document.querySelector('#equity-chart').dataset.points) > n, before, { timeout: 30000 });
  const after = await points();
  check(`the equity curve moves without reload (${before} -> ${after} points)`, after > before);
  check('the equity chart is drawn', (await page.$$('#equity-chart canvas')).length === 1);
  // A session time axis: points one step apart whatever the clock gap (a night, a weekend),
  // labelled with their market time in order.
  const axis = await page.$eval('#equity-chart', (e) => {
    const u = e.uplot, x = u.data[0], n = x.length;
    return { steps: x.every((v, i) => v === i), labels: u.axes[0].values(u, [0, n - 1], 0, 0, 0), n };
  });
  check(`the equity chart's x axis is a session axis labelled with market time (${axis.labels.join(' .. ')})`,
    axis.steps && axis.n >= 2 && axis.labels.every((l) => /^\d\d-\d\d \d\d:\d\d$/.test(l)) && axis.labels[0] < axis.labels[1]);
  // the README's picture wants a curve with some shape: wait for more of the session
  if (readmePng) await page.waitForFunction(() => Number(document.querySelector('#equity-chart').dataset.points) >= 60, null, { timeout: 60000 });
  await page.waitForTimeout(1500);
  await shot(page, 'overview.png');
  if (readmePng) copyFileSync(join(artifacts, 'overview.png'), readmePng);

  // Symbol view: a decision of that symbol with its reason.
  const dec = await (await fetch(`${base}/api/decisions?limit=1`)).json();
  check('the engine has made decisions', dec.length === 1);
  const d = dec[0];
  await page.goto(`${base}/symbol.html?s=${encodeURIComponent(d.symbol)}`);
  await page.waitForSelector('#decisions tbody tr td:not(.empty)');
  const text = await page.textContent('#decisions');
  check(`the ${d.symbol} page shows the decision's reason "${d.reason}"`, text.includes(d.reason));
  check('the price chart is drawn', (await page.$$('#price-chart canvas')).length === 1);
  await candles(page);
  await shot(page, 'symbol.png');

  // Trades: the closed trades with filters by strategy, symbol and day; P&L per day and strategy.
  const tradesApi = async (q = '') => (await fetch(`${base}/api/trades${q}`)).json();
  for (let i = 0; i < 120 && (await tradesApi()).strategies.length < 2; i++) await page.waitForTimeout(500);
  const all = await tradesApi();
  check(`closed trades of two strategies or more (${all.count} trades: ${all.strategies.join(', ')})`, all.strategies.length >= 2);
  const netOf = (rows) => rows.reduce((s, r) => s + r.net, 0);
  check('P&L per day and per strategy add up to the same net',
    Math.abs(netOf(all.by_day) - netOf(all.by_strategy)) < 0.01 && all.by_day.reduce((s, r) => s + r.trades, 0) === all.count);
  check('a day that is not a date is refused (400)', (await fetch(`${base}/api/trades?day=2026-13-45`)).status === 400);
  await page.goto(`${base}/trades.html`);
  await page.waitForSelector('#trades tbody tr td:not(.empty)');
  const rowsNow = () => page.$$eval('#trades tbody tr', (rs) => rs.length);
  check(`the trade table lists the closed trades (${await rowsNow()} rows, at least ${Math.min(all.count, 500)})`,
    (await rowsNow()) >= Math.min(all.count, 500));
  const header = await page.$$eval('#trades thead th', (ths) => ths.map((t) => t.textContent));
  check(`the trade table has entry/exit time and price, qty, strategy, P&L, fees, reason (${header.join(', ')})`,
    ['entry', 'exit', 'entry price', 'exit price', 'qty', 'strategy', 'P&L', 'fees', 'reason'].every((h) => header.includes(h)));
  const col = (name) => header.indexOf(name);
  // Each filter: every row shown has the chosen value, and the page's P&L tables follow.
  const only = (column, value) => page.waitForFunction(([c, v]) => {
    const rows = [...document.querySelectorAll('#trades tbody tr')];
    return rows.length > 0 && rows.every((r) => r.children[c] && r.children[c].textContent === v);
  }, [column, value], { timeout: 10000 }).then(() => true, () => false);
  const strat = all.strategies[1];
  await page.selectOption('#f-strategy', strat);
  check(`filtering by strategy ${strat} shows only its trades`, await only(col('strategy'), strat));
  const perStrat = await page.$$eval('#by-strategy tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
  check(`P&L per strategy shows just ${strat} (${perStrat.join(', ')})`, perStrat.length === 1 && perStrat[0] === strat);
  const mine = await tradesApi(`?strategy=${encodeURIComponent(strat)}`);
  const sym = mine.trades[0].symbol;
  await page.selectOption('#f-symbol', sym);
  check(`filtering by symbol ${sym} too shows only ${strat}'s ${sym} trades`,
    (await only(col('symbol'), sym)) && (await only(col('strategy'), strat)));
  await page.selectOption('#f-symbol', '');
  await page.selectOption('#f-strategy', '');
  const day = all.days[0];
  await page.selectOption('#f-day', day);
  const dayRows = await page.waitForFunction((d) => {
    const rs = [...document.querySelectorAll('#by-day tbody tr td:first-child')].map((t) => t.textContent);
    return rs.length === 1 && rs[0] === d;
  }, day, { timeout: 10000 }).then(() => true, () => false);
  const exitCol = col('exit');
  const exits = await page.$$eval('#trades tbody tr', (rs, c) => rs.map((r) => r.children[c].textContent), exitCol);
  check(`filtering by day ${day} leaves one P&L day and trades that exit that day (${exits.length})`,
    dayRows && exits.length > 0 && exits.every((e) => e.startsWith(day)));
  // Open positions: per symbol, the strategies' rows add up to the account's net row (one
  // render of the table, so the live positions cannot move under the comparison).
  const held = await page.$$eval('#open-positions tbody tr', (rs) => rs.map((r) => [...r.children].map((td) => td.textContent)));
  const bySym = {};
  for (const [strategy, symbol, qty] of held.filter((r) => r.length === 3)) {
    const e = (bySym[symbol] ??= { own: 0, net: null, strategies: 0 });
    if (strategy === 'net (account)') e.net = Number(qty); else { e.own += Number(qty); e.strategies++; }
  }
  const syms = Object.entries(bySym);
  check(`open positions list strategies and the account's net, which they add up to (${syms.map(([k, e]) => `${k} ${e.own}/${e.net}`).join(', ')})`,
    syms.length > 0 && syms.every(([, e]) => e.strategies > 0 && e.net === e.own));
  await shot(page, 'trades.png');

  // Kill switch: refused without the token, engaged with it.
  await page.goto(`${base}/`);
  await page.evaluate(() => sessionStorage.clear());
  await page.fill('#token', '');
  await page.click('#kill-engage');
  await page.waitForFunction(() => document.querySelector('#kill-msg').textContent !== '');
  check('the kill switch refuses without the token', (await page.textContent('#kill-msg')).includes('Refused'));
  let st = await (await fetch(`${base}/api/status`)).json();
  check('the engine still trades after the refusal', st.kill_switch.engaged === false);
  await page.fill('#token', 'not-the-token-0123456789');
  await page.click('#kill-engage');
  await page.waitForFunction(() => document.querySelector('#kill-msg').textContent.includes('Refused'));
  st = await (await fetch(`${base}/api/status`)).json();
  check('a wrong token is refused too', st.kill_switch.engaged === false);
  await page.fill('#token', token);
  await page.click('#kill-engage');
  await page.waitForFunction(() => document.querySelector('#kill-msg').textContent.includes('engaged'));
  st = await (await fetch(`${base}/api/status`)).json();
  check('with the token the kill switch engages', st.kill_switch.engaged === true);
  await page.waitForFunction(() => document.querySelector('#kill-state').textContent.startsWith('ENGAGED'));
  check('the overview shows the kill switch engaged', true);
  await shot(page, 'kill_switch.png');

  // Health & Audit: the seeded Sentinel finding and Healer directives, approving with the token.
  await page.goto(`${base}/health.html`);
  await page.waitForSelector('#sentinel tbody tr td:not(.empty)');
  check('Sentinel audits are listed', (await page.textContent('#sentinel')).includes('Strategic Stagnation'));
  check('a failed directive shows its failure log', (await page.textContent('#dir-failed')).includes('View Failure Log'));
  // The page refreshes every 5 s; the first entry the kill switch blocks may come after it loaded.
  const killBlocked = await page
    .waitForFunction(() => document.querySelector('#gates').textContent.includes('kill_switch'), null, { timeout: 60000 })
    .then(() => true, () => false);
  check('gate blocks list the kill switch', killBlocked);
  await page.click('#dir-queued button');
  await page.waitForFunction(() => document.querySelector('#approve-msg').textContent.includes('approved'));
  check('a queued directive is approved with the token', true);
  // The full diff of an executed directive, the proposed patch of a queued one, refusals.
  await page.locator('#dir-executed tr', { hasText: 'd-4' }).locator('details.diff summary').click();
  const diff = await page.locator('#dir-executed tr', { hasText: 'd-4' }).locator('details.diff pre').textContent();
  check('an executed directive shows its full diff', diff.includes('+    { "file": "strategies/momentum.lua", "params": { "min_move_pct": 5 } }'));
  await page.waitForTimeout(5500); // one refresh of the page's data: the open diff stays open
  check('the open diff stays open across the refresh',
    await page.locator('#dir-executed tr', { hasText: 'd-4' }).locator('details.diff').evaluate((e) => e.open));
  check('a queued LLM patch shows its diff', (await page.locator('#dir-queued tr', { hasText: 'd-3' }).locator('details.diff pre').textContent()).includes('+++ b/strategies/x.lua'));
  check('a refused directive says why', (await page.textContent('#dir-failed')).includes('Refused: touches scripts/orchestrator.lua'));
  check('an executed directive has Promote and Reject',
    (await page.locator('#dir-executed tr', { hasText: 'd-4' }).locator('button').allTextContents()).join() === 'Promote,Reject');
  await page.locator('#dir-queued tr', { hasText: 'd-3' }).locator('button', { hasText: 'Reject' }).click();
  await page.waitForFunction(() => document.querySelector('#approve-msg').textContent.includes('d-3 rejected'));
  check('a queued directive is rejected with the token', true);
  await page.waitForFunction(() => document.querySelector('#dir-executed').textContent.includes('d-3'));
  check('the rejected directive moves to the done list', true);
  // Rollback, like every decision, needs the token.
  await page.evaluate(() => sessionStorage.clear());
  await page.fill('#token', '');
  await page.locator('#dir-executed tr', { hasText: 'd-5' }).locator('button', { hasText: 'Rollback' }).click();
  await page.waitForFunction(() => document.querySelector('#approve-msg').textContent.includes('Refused'));
  check('rollback without the token is refused', true);
  await shot(page, 'health.png');

  check(`no script or CSP errors in the pages${problems.length ? ': ' + problems.join(' | ') : ''}`, problems.length === 0);
} catch (err) {
  check(`browser run: ${err.message}`, false);
  await shot(page, 'failure.png').catch(() => {});
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(failed ? `${failed} failed` : 'all passed');
process.exit(failed ? 1 : 0);
