#include "trade/report_html.h"
#include "trade/report_groups.h"
#include "util/atomic.h"
#include "util/clock.h"
#include "util/sbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHART_W      960
#define CHART_H      220
#define CHART_POINTS 1500 /* a longer curve is sampled: the page stays small */

const char tb_report_html_style[] =
    "body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}"
    "h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:6px 0}td,th{padding:2px 10px;text-align:right;"
    "border-bottom:1px solid #eee}th{background:#f4f4f4}td:first-child,th:first-child{"
    "text-align:left}.neg{color:#b00}.pos{color:#070}.note{color:#a60}"
    "svg{background:#fafafa;border:1px solid #ddd}";

void tb_report_html_esc(tb_sbuf *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            tb_sbuf_puts(o, "&lt;");
        else if (*s == '>')
            tb_sbuf_puts(o, "&gt;");
        else if (*s == '&')
            tb_sbuf_puts(o, "&amp;");
        else if (*s == '"')
            tb_sbuf_puts(o, "&quot;");
        else
            tb_sbuf_add(o, s, 1);
    }
}

/* A money or percent cell, red when negative. */
static void cell(tb_sbuf *o, double v, const char *fmt)
{
    tb_sbuf_printf(o, "<td class=\"%s\">", v < 0 ? "neg" : v > 0 ? "pos" : "");
    tb_sbuf_printf(o, fmt, v);
    tb_sbuf_puts(o, "</td>");
}

/* A line chart of y over the curve's points: x is the point's index, so nights, weekends and
 * holidays take no room (a session time axis); a dashed line and a date mark each session
 * start, at most about a dozen labelled. */
static void chart(tb_sbuf *o, const tb_runner *r, const double *y, const char *label)
{
    size_t n = r->ncurve, step = n > CHART_POINTS ? (n + CHART_POINTS - 1) / CHART_POINTS : 1;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
    if (!(hi > lo)) hi = lo + 1;
    if (hi == 0) hi = 0; /* a drawdown's top: 0.00, not -0.00 */
    double sx = n > 1 ? (CHART_W - 70.0) / (double)(n - 1) : 0, sy = (CHART_H - 30.0) / (hi - lo);
    tb_sbuf_printf(o, "<svg width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"", CHART_W,
                   CHART_H);
    tb_report_html_esc(o, label);
    tb_sbuf_printf(o,
                   "\"><text x=\"4\" y=\"14\" font-size=\"11\">%.2f</text><text x=\"4\" "
                   "y=\"%d\" font-size=\"11\">%.2f</text>",
                   hi, CHART_H - 18, lo);
    size_t sessions = 0, every;
    for (size_t i = 0; i < n; i++)
        sessions += i == 0 || tb_cal_session_day(r->curve[i].t_ns) !=
                                  tb_cal_session_day(r->curve[i - 1].t_ns);
    every = sessions > 12 ? (sessions + 11) / 12 : 1;
    for (size_t i = 0, k = 0; i < n; i++) {
        tb_date d = tb_cal_session_day(r->curve[i].t_ns);
        if (i && d == tb_cal_session_day(r->curve[i - 1].t_ns)) continue;
        if (k++ % every) continue;
        char ds[16];
        double x = 60 + sx * (double)i;
        tb_sbuf_printf(o,
                       "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"4\" y2=\"%d\" stroke=\"#ddd\" "
                       "stroke-dasharray=\"3\"/><text x=\"%.1f\" y=\"%d\" font-size=\"10\">%s"
                       "</text>",
                       x, x, CHART_H - 26, x, CHART_H - 6, tb_date_fmt(d, ds, sizeof ds) + 5);
    }
    tb_sbuf_puts(o, "<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.2\" points=\"");
    for (size_t i = 0; i < n; i += step)
        tb_sbuf_printf(o, "%.1f,%.1f ", 60 + sx * (double)i, 4 + (hi - y[i]) * sy);
    tb_sbuf_puts(o, "\"/></svg>\n");
}

static void charts(tb_sbuf *o, const tb_runner *r)
{
    double *eq = malloc((r->ncurve + 1) * sizeof *eq), *dd = malloc((r->ncurve + 1) * sizeof *dd);
    if (eq && dd && r->ncurve) {
        double peak = tb_money_to_double(r->o.initial_cash);
        for (size_t i = 0; i < r->ncurve; i++) {
            eq[i] = r->curve[i].equity;
            peak = fmax(peak, eq[i]);
            dd[i] = peak > 0 ? -100.0 * (peak - eq[i]) / peak : 0;
        }
        tb_sbuf_puts(o, "<h2 id=\"equity\">Equity</h2>\n");
        chart(o, r, eq, "equity");
        tb_sbuf_puts(o, "<h2 id=\"drawdown\">Drawdown (% below the peak)</h2>\n");
        chart(o, r, dd, "drawdown");
    }
    free(eq);
    free(dd);
}

static void summary(tb_sbuf *o, const tb_report *p, size_t sessions)
{
    tb_sbuf_puts(o, "<h2 id=\"summary\">Summary</h2><table>");
    tb_sbuf_printf(o, "<tr><td>trades</td><td id=\"trade-count\">%zu</td></tr>", p->trades);
    tb_sbuf_printf(o, "<tr><td>win rate</td><td>%.1f%%</td></tr>", p->win_rate * 100);
    tb_sbuf_puts(o, "<tr><td>net P&amp;L</td>");
    cell(o, p->pnl, "%.2f");
    tb_sbuf_puts(o, "</tr><tr><td>gross P&amp;L (before fees)</td>");
    cell(o, p->gross_pnl, "%.2f");
    tb_sbuf_printf(o, "</tr><tr><td>fees</td><td>%.2f</td></tr>", p->fees);
    tb_sbuf_printf(o, "<tr><td>max drawdown</td><td>%.2f (%.2f%%)</td></tr>", p->max_drawdown,
                   p->max_drawdown_pct * 100);
    tb_sbuf_printf(o, "<tr><td>sharpe (" TB_SHARPE_BASIS ")</td><td>%.2f</td></tr>", p->sharpe);
    tb_sbuf_printf(o,
                   "<tr><td>exposure (share of bars with a position open)</td><td>%.1f%%</td>"
                   "</tr><tr><td>start equity</td><td>%.2f</td></tr><tr><td>end equity</td>"
                   "<td>%.2f</td></tr><tr><td>bars, orders, fills, blocked, rejected</td>"
                   "<td>%llu, %llu, %llu, %llu, %llu</td></tr></table>\n",
                   p->exposure * 100, p->start_equity, p->end_equity, (unsigned long long)p->bars,
                   (unsigned long long)p->orders, (unsigned long long)p->fills,
                   (unsigned long long)p->blocked, (unsigned long long)p->rejected);
    if (sessions < TB_SHARPE_MIN_SESSIONS)
        tb_sbuf_printf(o,
                       "<p class=\"note\" id=\"sharpe-note\">%zu sessions: fewer than %d, so "
                       "the sharpe ratio is not meaningful.</p>\n",
                       sessions, TB_SHARPE_MIN_SESSIONS);
}

static void groups(tb_sbuf *o, const tb_runner *r, int by_symbol)
{
    tb_report_group g[TB_REPORT_GROUPS_MAX];
    size_t n = tb_report_groups(r, by_symbol, g, TB_REPORT_GROUPS_MAX);
    tb_sbuf_printf(o,
                   "<h2 id=\"%s\">By %s</h2><table><tr><th>%s</th><th>trades</th><th>won"
                   "</th><th>gross P&amp;L</th><th>fees</th><th>net P&amp;L</th></tr>",
                   by_symbol ? "symbols" : "strategies", by_symbol ? "symbol" : "strategy",
                   by_symbol ? "symbol" : "strategy");
    for (size_t i = 0; i < n; i++) {
        tb_sbuf_puts(o, "<tr><td>");
        tb_report_html_esc(o, g[i].name);
        tb_sbuf_printf(o, "</td><td>%zu</td><td>%.1f%%</td>", g[i].trades,
                       100.0 * (double)g[i].wins / (double)g[i].trades);
        cell(o, tb_money_to_double(g[i].gross), "%.2f");
        tb_sbuf_printf(o, "<td>%.2f</td>", tb_money_to_double(g[i].fees));
        cell(o, tb_money_to_double(g[i].gross - g[i].fees), "%.2f");
        tb_sbuf_puts(o, "</tr>");
    }
    tb_sbuf_puts(o, "</table>\n");
}

/* Monthly returns (each month's last session on the previous month's) and daily returns. */
static void returns(tb_sbuf *o, const tb_report_day *d, size_t n, double start)
{
    tb_sbuf_puts(o, "<h2 id=\"monthly\">Monthly returns</h2><table><tr><th>month</th><th>end "
                    "equity</th><th>return</th></tr>");
    double base = start;
    for (size_t i = 0; i < n; i++) {
        char a[16], b[16];
        tb_date_fmt(d[i].day, a, sizeof a);
        if (i + 1 < n && strncmp(a, tb_date_fmt(d[i + 1].day, b, sizeof b), 7) == 0) continue;
        tb_sbuf_printf(o, "<tr><td>%.7s</td><td>%.2f</td>", a, d[i].equity);
        cell(o, base > 0 ? 100 * (d[i].equity / base - 1) : 0, "%.2f%%");
        tb_sbuf_puts(o, "</tr>");
        base = d[i].equity;
    }
    tb_sbuf_puts(o, "</table>\n<h2 id=\"daily\">Daily returns</h2><table><tr><th>session</th>"
                    "<th>end equity</th><th>return</th></tr>");
    for (size_t i = 0; i < n; i++) {
        char a[16];
        tb_sbuf_printf(o, "<tr><td>%s</td><td>%.2f</td>", tb_date_fmt(d[i].day, a, sizeof a),
                       d[i].equity);
        cell(o, 100 * d[i].ret, "%.3f%%");
        tb_sbuf_puts(o, "</tr>");
    }
    tb_sbuf_puts(o, "</table>\n");
}

static void trade_list(tb_sbuf *o, const tb_runner *r)
{
    size_t n;
    const tb_trade_rec *tr = tb_trader_trades(r->trader, &n);
    tb_sbuf_puts(o,
                 "<h2 id=\"trades\">Trades (closing fills, times UTC)</h2><table "
                 "id=\"trade-list\"><tr><th>entry</th><th>exit</th><th>strategy</th><th>symbol"
                 "</th><th>side</th><th>qty</th><th>entry price</th><th>exit price</th><th>P&amp;L"
                 "</th><th>fees</th><th>reason</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        char a[40], b[40];
        /* the closing fill's realised P&L gives the average entry: a sell closed a long */
        int long_ = tr[i].side == OMS_SELL;
        double exit = tb_money_to_double(tr[i].price), pnl = tb_money_to_double(tr[i].pnl);
        double entry = tr[i].qty ? exit + (long_ ? -pnl : pnl) / (double)tr[i].qty : exit;
        tb_sbuf_printf(o, "<tr class=\"trade\"><td>%.19s</td><td>%.19s</td><td>",
                       tb_clock_fmt_utc(tr[i].entry_ns, a, sizeof a),
                       tb_clock_fmt_utc(tr[i].t_ns, b, sizeof b));
        tb_report_html_esc(o, tr[i].strategy);
        tb_sbuf_puts(o, "</td><td>");
        tb_report_html_esc(o, tr[i].symbol);
        tb_sbuf_printf(o, "</td><td>%s</td><td>%lld</td><td>%.4f</td><td>%.4f</td>",
                       long_ ? "long" : "short", (long long)tr[i].qty, entry, exit);
        cell(o, pnl, "%.2f");
        tb_sbuf_printf(o, "<td>%.2f</td><td>", tb_money_to_double(tr[i].fees));
        tb_report_html_esc(o, tr[i].reason);
        tb_sbuf_puts(o, "</td></tr>\n");
    }
    tb_sbuf_puts(o, "</table>\n");
}

static void header(tb_sbuf *o, const tb_runner *r, const tb_report_day *d, size_t nd)
{
    char a[16] = "-", b[16] = "-";
    if (nd) tb_date_fmt(d[0].day, a, sizeof a), tb_date_fmt(d[nd - 1].day, b, sizeof b);
    tb_sbuf_printf(o,
                   "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
                   "tradebot backtest %s .. %s</title><style>%s</style></head><body>\n"
                   "<h1>tradebot backtest</h1>\n<p id=\"period\">Period: <b>%s .. %s</b> (%zu "
                   "sessions)</p>\n<p id=\"symbols\">Symbols: ",
                   a, b, tb_report_html_style, a, b, nd);
    uint32_t ns = tb_symtab_count(&r->syms);
    for (uint32_t i = 0; i < ns; i++) {
        if (i) tb_sbuf_puts(o, ", ");
        tb_report_html_esc(o, tb_symtab_name(&r->syms, i));
    }
    tb_sbuf_puts(o, "</p>\n<p>Strategies: ");
    for (int i = 0; r->o.shost && i < r->o.shost->n; i++) {
        if (i) tb_sbuf_puts(o, ", ");
        tb_report_html_esc(o, r->o.shost->s[i]->name);
    }
    tb_sbuf_puts(o, "</p>\n");
}

int tb_report_write_html(const tb_runner *r, const tb_report *rep, const char *path, tb_err *e)
{
    size_t nd;
    tb_report_day *d = tb_report_days(r, &nd);
    tb_sbuf o = {0};
    header(&o, r, d, nd);
    summary(&o, rep, nd);
    charts(&o, r);
    groups(&o, r, 0);
    groups(&o, r, 1);
    returns(&o, d, nd, rep->start_equity);
    trade_list(&o, r);
    tb_sbuf_puts(&o, "</body></html>\n");
    free(d);
    int rc = o.oom ? tb_errf(e, "%s: out of memory building the report", path)
                   : tb_atomic_write(path, o.s, o.len, 0644, e);
    tb_sbuf_free(&o);
    return rc;
}
