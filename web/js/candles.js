// Candlesticks on a session time axis for uPlot, with buy and sell markers at the fills and the
// prices of working orders as dashed lines. Drawn in uPlot's draw hook on its own canvas: no
// plug-in, nothing fetched from elsewhere. What was drawn is kept on the chart's element
// (box.markers, box.orderLines) for the browser test.
import { sessionX } from './common.js';

export const COLORS = { up: '#3fb950', down: '#f85149', buy: '#2ea0ff', sell: '#ff9f1c' };

// The index of the last bar that starts at or before t (seconds), or -1 before the first.
export function barIndex(times, t) {
  let lo = 0, hi = times.length - 1, at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) { at = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return at;
}

function drawCandles(u, bars) {
  const ctx = u.ctx, [i0, i1] = [u.series[0].idxs[0], u.series[0].idxs[1]];
  const step = Math.abs(u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true));
  const w = Math.max(1, Math.min(step * 0.7, 14 * devicePixelRatio));
  for (let i = i0; i <= i1; i++) {
    const o = bars.open[i], c = bars.close[i], h = bars.high[i], l = bars.low[i];
    if (o == null || c == null) continue;
    const x = Math.round(u.valToPos(i, 'x', true));
    const yo = u.valToPos(o, 'y', true), yc = u.valToPos(c, 'y', true);
    ctx.fillStyle = ctx.strokeStyle = c >= o ? COLORS.up : COLORS.down;
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    ctx.beginPath();
    ctx.moveTo(x, u.valToPos(h, 'y', true));
    ctx.lineTo(x, u.valToPos(l, 'y', true));
    ctx.stroke();
    ctx.fillRect(x - w / 2, Math.min(yo, yc), w, Math.max(1, Math.abs(yc - yo)));
  }
}

// Each fill a disc at its price on the bar it filled in, blue for a buy, orange for a sell,
// ringed in the page's background so it stands out on a candle.
function drawFills(u, box, bars, fills) {
  const ctx = u.ctx, r = 4.5 * devicePixelRatio;
  box.markers = [];
  for (const f of fills) {
    const i = barIndex(bars.t, f.t);
    if (i < 0) continue;
    const x = u.valToPos(i, 'x', true), y = u.valToPos(f.price, 'y', true);
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = f.side === 'buy' ? COLORS.buy : COLORS.sell;
    ctx.fill();
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.strokeStyle = '#0f1419';
    ctx.stroke();
    box.markers.push({ i, side: f.side, price: f.price, time: f.time, x: x / devicePixelRatio, y: y / devicePixelRatio });
  }
}

// A dashed line across the chart at each working order's limit and stop price, labelled.
function drawOrders(u, box, orders) {
  const ctx = u.ctx, { left, width } = u.bbox;
  box.orderLines = [];
  ctx.save();
  ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
  ctx.lineWidth = devicePixelRatio;
  ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
  ctx.textAlign = 'right';
  for (const o of orders) {
    for (const kind of ['limit', 'stop']) {
      if (o[kind] == null) continue;
      const y = Math.round(u.valToPos(o[kind], 'y', true));
      ctx.strokeStyle = ctx.fillStyle = o.side === 'buy' ? COLORS.buy : COLORS.sell;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.fillText(`${o.side} ${o.qty} ${kind} ${o[kind].toFixed(2)}`, left + width - 4, y - 3 * devicePixelRatio);
      box.orderLines.push({ kind, side: o.side, price: o[kind], y: y / devicePixelRatio });
    }
  }
  ctx.restore();
}

// The price chart: candles plus the indicator lines in lines ([label, color, dash, key]).
// setData(bars, fills, orders) redraws it.
export function candleChart(box, height, lines) {
  let bars = { t: [], open: [], high: [], low: [], close: [], indicators: {} };
  let fills = [], orders = [];
  const x = sessionX(() => bars.t);
  const hidden = (label) => ({ label, stroke: 'transparent', points: { show: false }, paths: () => null });
  // The y range covers the candles' lows and highs and the working orders' prices.
  const range = (u, lo, hi) => {
    const prices = orders.flatMap((o) => [o.limit, o.stop]).filter((p) => p != null);
    let a = Math.min(lo ?? Infinity, ...prices), b = Math.max(hi ?? -Infinity, ...prices);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return [0, 1];
    const pad = (b - a) * 0.05 || Math.abs(a) * 0.01 || 1;
    return [a - pad, b + pad];
  };
  const u = new uPlot({
    width: box.clientWidth || 800, height,
    scales: { x: x.scale, y: { range } },
    series: [x.series, hidden('open'), hidden('high'), hidden('low'), hidden('close'),
      ...lines.map(([label, stroke, dash]) => ({ label, stroke, ...(dash ? { dash } : {}) }))],
    axes: [x.axis, { stroke: '#8a96a3', grid: { stroke: '#2a323c' }, size: 60 }],
    hooks: { draw: [(p) => { drawCandles(p, bars); drawOrders(p, box, orders); drawFills(p, box, bars, fills); }] },
  }, [[], [], [], [], [], ...lines.map(() => [])], box);
  box.uplot = u;
  return {
    u,
    setData(b, f, o) {
      bars = b, fills = f, orders = o;
      box.bars = b, box.orders = o;
      u.setData([b.t.map((_, i) => i), b.open, b.high, b.low, b.close, ...lines.map(([, , , k]) => b.indicators[k])]);
    },
  };
}
