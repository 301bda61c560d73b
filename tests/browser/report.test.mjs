// A backtest's HTML report (tradebot backtest --report) in headless Chromium, offline: every
// request that is not the file itself is refused and counted, the charts draw, no console
// errors. Usage: node report.test.mjs REPORT_HTML TRADES ARTIFACT_DIR
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [file, trades, artifacts] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
let failed = 0;
const check = (name, cond) => { console.log(`${cond ? 'ok  ' : 'FAIL'} ${name}`); if (!cond) failed++; };
const profile = mkdtempSync(join(tmpdir(), 'tb-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1200, height: 900 },
});
const page = await browser.newPage();
const problems = [], fetched = [];
page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
page.on('pageerror', (e) => problems.push(String(e)));
const url = `file://${resolve(file)}`;
await page.route('**/*', (r) => {
  if (r.request().url() === url) return r.continue();
  fetched.push(r.request().url());
  return r.abort();
});
try {
  await page.goto(url);
  check('the report loads without asking for anything else (self-contained)', fetched.length === 0);
  if (fetched.length) console.log(`  requested: ${fetched.join(', ')}`);
  for (const id of ['summary', 'equity', 'drawdown', 'strategies', 'symbols', 'monthly', 'daily', 'trades'])
    check(`section #${id} is shown`, await page.isVisible(`#${id}`));
  const lines = await page.$$eval('svg polyline', (ps) => ps.map((p) => p.points.numberOfItems));
  check(`the equity and drawdown charts draw lines (${lines.join(', ')} points)`,
    lines.length === 2 && lines.every((n) => n > 10));
  const box = await page.$eval('svg polyline', (p) => { const b = p.getBBox(); return [b.width, b.height]; });
  check(`the equity line spans the chart (${box.map(Math.round).join('x')})`, box[0] > 500 && box[1] > 20);
  const rows = await page.$$eval('#trade-list tr.trade', (r) => r.length);
  check(`the trade list has every trade of trades.csv (${rows} rows, ${trades} trades)`, rows === Number(trades));
  check(`no console errors (${problems.join('; ')})`, problems.length === 0);
  await page.screenshot({ path: join(artifacts, 'backtest-report.png'), fullPage: false });
} catch (e) {
  check(`report test ran: ${e}`, false);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
