// What the browser tests look for in a running engine.

// Among the symbols with a working order with a price (a limit or a stop: the opening range
// breakout's bracket legs), the one with the most persisted fills; null when there is none.
export async function symbolWithWorkingOrder(base) {
  const orders = await (await fetch(`${base}/api/orders`)).json();
  let sym = null, most = 0;
  for (const s of new Set(orders.filter((x) => x.limit != null || x.stop != null).map((x) => x.symbol))) {
    const b = await (await fetch(`${base}/api/symbol/${encodeURIComponent(s)}`)).json();
    if (b.fills && b.fills.length > most) { sym = s; most = b.fills.length; }
  }
  return sym;
}
