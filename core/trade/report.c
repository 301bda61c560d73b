#include "trade/report.h"
#include "trade/report_groups.h"
#include "util/clock.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Sharpe from session-to-session equity changes, annualised with 252 sessions. */
static double sharpe(const tb_runner *r)
{
    double prev = r->o.initial_cash ? tb_money_to_double(r->o.initial_cash) : 0, sum = 0, sq = 0;
    int n = 0;
    int64_t day = -1;
    for (size_t i = 0; i < r->ncurve; i++) {
        int64_t d = tb_cal_session_day(r->curve[i].t_ns);
        int last_of_day = i + 1 == r->ncurve || tb_cal_session_day(r->curve[i + 1].t_ns) != d;
        if (!last_of_day || d == day) continue;
        day = d;
        double ret = prev > 0 ? r->curve[i].equity / prev - 1 : 0;
        prev = r->curve[i].equity;
        sum += ret, sq += ret * ret, n++;
    }
    if (n < 2) return 0;
    double mean = sum / n, var = (sq - n * mean * mean) / (n - 1);
    return var > 0 ? mean / sqrt(var) * sqrt(252.0) : 0;
}

void tb_report_compute(const tb_runner *r, tb_report *out)
{
    memset(out, 0, sizeof *out);
    size_t n;
    const tb_trade_rec *tr = tb_trader_trades(r->trader, &n);
    out->trades = n;
    for (size_t i = 0; i < n; i++) {
        out->wins += tr[i].pnl > 0;
        out->gross_pnl += tb_money_to_double(tr[i].pnl);
    }
    out->win_rate = n ? (double)out->wins / (double)n : 0;
    tb_trader_stats st;
    tb_trader_stats_get(r->trader, &st);
    out->fees = tb_money_to_double(st.fees);
    out->bars = st.bars, out->orders = st.orders, out->fills = st.fills;
    out->blocked = st.blocked, out->rejected = st.rejected;
    out->lowest_account_qty = st.lowest_account_qty;
    out->lowest_strategy_qty = st.lowest_strategy_qty;
    out->unallowed_shorts = st.unallowed_shorts;
    out->invariant_violations = tb_trader_invariant_violations(r->trader);
    out->start_equity = tb_money_to_double(r->o.initial_cash);
    out->end_equity = tb_money_to_double(tb_trader_account(r->trader).equity);
    out->pnl = out->end_equity - out->start_equity;
    double peak = out->start_equity;
    size_t exposed = 0;
    for (size_t i = 0; i < r->ncurve; i++) {
        double eq = r->curve[i].equity;
        if (eq > peak) peak = eq;
        if (peak - eq > out->max_drawdown) {
            out->max_drawdown = peak - eq;
            out->max_drawdown_pct = peak > 0 ? (peak - eq) / peak : 0;
        }
        exposed += r->curve[i].exposed != 0;
    }
    out->exposure = r->ncurve ? (double)exposed / (double)r->ncurve : 0;
    out->sharpe = sharpe(r);
}

void tb_report_print(const tb_report *p, FILE *f)
{
    fprintf(f, "%-18s %14zu\n", "trades", p->trades);
    fprintf(f, "%-18s %13.1f%%\n", "win rate", p->win_rate * 100);
    fprintf(f, "%-18s %14.2f\n", "net P&L", p->pnl);
    fprintf(f, "%-18s %14.2f\n", "gross P&L", p->gross_pnl);
    fprintf(f, "%-18s %14.2f\n", "fees", p->fees);
    fprintf(f, "%-18s %14.2f  (%.2f%%)\n", "max drawdown", p->max_drawdown,
            p->max_drawdown_pct * 100);
    fprintf(f, "%-18s %14.2f  (" TB_SHARPE_BASIS ")\n", "sharpe", p->sharpe);
    fprintf(f, "%-18s %13.1f%%\n", "exposure", p->exposure * 100);
    fprintf(f, "%-18s %14.2f\n", "end equity", p->end_equity);
    fprintf(f, "%-18s %14llu\n", "bars", (unsigned long long)p->bars);
    fprintf(f, "%-18s %14llu\n", "orders", (unsigned long long)p->orders);
    fprintf(f, "%-18s %14llu\n", "blocked intents", (unsigned long long)p->blocked);
    fprintf(f, "%-18s %14lld\n", "lowest position", (long long)p->lowest_account_qty);
    fprintf(f, "%-18s %14llu\n", "invariant errors",
            (unsigned long long)(p->unallowed_shorts + p->invariant_violations));
}

json_t *tb_report_json(const tb_report *p)
{
    json_t *j = json_pack(
        "{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:I}",
        "trades", (json_int_t)p->trades, "win_rate", p->win_rate, "pnl", p->pnl, "gross_pnl",
        p->gross_pnl, "fees", p->fees, "max_drawdown", p->max_drawdown, "max_drawdown_pct",
        p->max_drawdown_pct, "sharpe", p->sharpe, "exposure", p->exposure, "start_equity",
        p->start_equity, "end_equity", p->end_equity, "bars", (json_int_t)p->bars, "orders",
        (json_int_t)p->orders, "fills", (json_int_t)p->fills, "blocked", (json_int_t)p->blocked,
        "rejected", (json_int_t)p->rejected);
    json_object_set_new(j, "lowest_account_qty", json_integer(p->lowest_account_qty));
    json_object_set_new(j, "lowest_strategy_qty", json_integer(p->lowest_strategy_qty));
    json_object_set_new(j, "invariants",
                        json_pack("{s:I, s:I}", "account_equals_strategy_sum",
                                  (json_int_t)p->invariant_violations, "no_unallowed_short",
                                  (json_int_t)p->unallowed_shorts));
    return j;
}

int tb_report_write_csv(const tb_runner *r, const char *dir, tb_err *e)
{
    char path[4096], ts[40];
    snprintf(path, sizeof path, "%s/equity.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f) return tb_errf(e, "%s: %s", path, strerror(errno));
    fprintf(f, "time,equity,exposed\n");
    for (size_t i = 0; i < r->ncurve; i++)
        fprintf(f, "%s,%.2f,%d\n", tb_clock_fmt_utc(r->curve[i].t_ns, ts, sizeof ts),
                r->curve[i].equity, r->curve[i].exposed);
    fclose(f);
    snprintf(path, sizeof path, "%s/trades.csv", dir);
    if (!(f = fopen(path, "w"))) return tb_errf(e, "%s: %s", path, strerror(errno));
    fprintf(f, "time,strategy,symbol,qty,price,pnl\n");
    size_t n;
    const tb_trade_rec *tr = tb_trader_trades(r->trader, &n);
    char px[32], pnl[32];
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s,%s,%s,%lld,%s,%s\n", tb_clock_fmt_utc(tr[i].t_ns, ts, sizeof ts),
                tr[i].strategy, tr[i].symbol, (long long)tr[i].qty,
                tb_money_fmt(tr[i].price, px, sizeof px), tb_money_fmt(tr[i].pnl, pnl, sizeof pnl));
    fclose(f);
    return 0;
}
