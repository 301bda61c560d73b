#!/usr/bin/env python3
"""The 390,000-bar CSV set of issue 21: 100 symbols x 3,900 minute bars (10 regular sessions of
390 minutes, 2026-01-05 to 2026-01-16), one Alpaca-style file per symbol (t,o,h,l,c,v,vw,n).

    python3 bench/gen_csv390.py OUT_DIR [--seed N] [--symbols N] [--sessions N]

Prices are a seeded random walk with intraday volatility and mean reversion, so RSI/MACD
strategies trade; the same seed gives the same files on any machine (Python's Mersenne Twister).
"""
import argparse
import datetime as dt
import os
import random


def sessions(n):
    day = dt.date(2026, 1, 5)
    out = []
    while len(out) < n:
        if day.weekday() < 5 and day != dt.date(2026, 1, 19):  # MLK day is a holiday
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=21)
    ap.add_argument("--symbols", type=int, default=100)
    ap.add_argument("--sessions", type=int, default=10)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rnd = random.Random(a.seed)
    days = sessions(a.sessions)
    for k in range(a.symbols):
        sym = "SPY" if k == 0 else "S%03d" % k
        px = rnd.uniform(10, 500)
        vol = rnd.uniform(0.0005, 0.002)
        rows = ["t,o,h,l,c,v,vw,n"]
        for day in days:
            # 09:30 New York is 14:30 UTC in January (EST)
            t0 = dt.datetime(day.year, day.month, day.day, 14, 30)
            for m in range(390):
                o = px
                c = max(0.5, o * (1 + rnd.gauss(0, vol)))
                h = max(o, c) * (1 + abs(rnd.gauss(0, vol / 2)))
                lo = min(o, c) * (1 - abs(rnd.gauss(0, vol / 2)))
                v = int(rnd.lognormvariate(8, 1))
                vw = (h + lo + c) / 3
                n = max(1, v // 50)
                t = (t0 + dt.timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%SZ")
                rows.append("%s,%.2f,%.2f,%.2f,%.2f,%d,%.4f,%d" % (t, o, h, lo, c, v, vw, n))
                px = float("%.2f" % c)
        with open(os.path.join(a.out, sym + ".csv"), "w") as f:
            f.write("\n".join(rows) + "\n")
    print("%d symbols x %d bars = %d bars in %s" % (a.symbols, 390 * len(days),
                                                     a.symbols * 390 * len(days), a.out))


if __name__ == "__main__":
    main()
