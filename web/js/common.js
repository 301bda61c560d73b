// Shared helpers of the dashboard pages: API calls, the live stream, formatting, tables.
// Plain ES modules served as they are: no build step.

export async function api(path, opts = {}) {
  const res = await fetch(path, { cache: 'no-store', ...opts });
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok) {
    const err = new Error((body && body.error) || `${res.status} ${res.statusText}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

// POST with the operator's token (kept for this tab only, never sent anywhere else).
export function token() {
  return sessionStorage.getItem('tb-token') || '';
}

export function setToken(t) {
  sessionStorage.setItem('tb-token', t.trim());
}

export function post(path, body) {
  return api(path, {
    method: 'POST',
    headers: { 'Authorization': `Bearer ${token()}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body || {}),
  });
}

// Server-sent events from /api/stream; handlers: { status(obj), equity(points), decision(obj) }.
export function stream(handlers) {
  const live = document.getElementById('live');
  const es = new EventSource('/api/stream');
  const set = (ok) => {
    if (!live) return;
    live.textContent = ok ? 'Live' : 'Reconnecting…';
    live.className = ok ? 'pill ok' : 'pill warn';
  };
  es.onopen = () => set(true);
  es.onerror = () => set(false);
  for (const [name, fn] of Object.entries(handlers)) {
    es.addEventListener(name, (ev) => fn(JSON.parse(ev.data)));
  }
  return es;
}

// Rounded to the cent first (plus 0 turns -0 into 0): a loss of a fraction of a cent is $0.00,
// not -$0.00.
export const usd = (v) =>
  v === null || v === undefined ? '–'
    : (Math.round(v * 100) / 100 + 0).toLocaleString('en-US',
      { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });
export const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);
export const num = (v, d = 2) => (v === null || v === undefined ? '–' : Number(v).toFixed(d));
export const time = (s) => (s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–');

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
  return e;
}

export function setText(id, text, cls) {
  const e = document.getElementById(id);
  if (!e) return;
  e.textContent = text;
  if (cls !== undefined) e.className = cls;
}

// Fills the table #id: columns are [label, row => value]; an empty list shows `empty`.
export function table(id, columns, rows, empty = 'none') {
  const t = document.getElementById(id);
  if (!t) return;
  const head = el('tr', {}, ...columns.map(([label]) => el('th', {}, label)));
  const body = rows.length
    ? rows.map((r) => el('tr', {}, ...columns.map(([, f]) => {
      const v = f(r);
      return el('td', {}, v instanceof Node ? v : String(v ?? ''));
    })))
    : [el('tr', {}, el('td', { colspan: String(columns.length), class: 'empty' }, empty))];
  t.replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
}

export function showError(where, err) {
  setText(where, err ? `Error: ${err.message}` : '', err ? 'error' : '');
}

// A session time axis for uPlot: the x of a point is its index, so nights, weekends and
// holidays take no room; the axis and the legend show the point's market time (UTC) from
// times() (seconds, one per index).
export function sessionX(times) {
  const when = (x) => {
    const t = times()[Math.round(x)];
    return t === undefined ? '' : new Date(t * 1000).toISOString().slice(5, 16).replace('T', ' ');
  };
  return {
    scale: { time: false },
    series: { value: (u, v) => when(v) },
    axis: { stroke: '#8a96a3', grid: { stroke: '#2a323c' }, values: (u, vs) => vs.map(when), space: 110,
      incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000] },
  };
}
