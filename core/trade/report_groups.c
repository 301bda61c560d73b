#include "trade/report_groups.h"

#include <stdlib.h>
#include <string.h>

static tb_report_group *group_of(tb_report_group *g, size_t *n, size_t cap, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(g[i].name, name) == 0) return &g[i];
    if (*n + 1 >= cap) name = "other"; /* the last slot sums the rest */
    for (size_t i = 0; i < *n; i++)
        if (strcmp(g[i].name, name) == 0) return &g[i];
    tb_report_group *x = &g[(*n)++];
    memset(x, 0, sizeof *x);
    snprintf(x->name, sizeof x->name, "%s", name);
    return x;
}

size_t tb_report_groups(const tb_runner *r, int by_symbol, tb_report_group *out, size_t cap)
{
    size_t n = 0, nt;
    const tb_trade_rec *tr = tb_trader_trades(r->trader, &nt);
    for (size_t i = 0; i < nt && cap; i++) {
        tb_report_group *g = group_of(out, &n, cap, by_symbol ? tr[i].symbol : tr[i].strategy);
        g->trades++;
        g->wins += tr[i].pnl > 0;
        g->gross += tr[i].pnl;
        g->fees += tr[i].fees;
    }
    return n;
}

tb_report_day *tb_report_days(const tb_runner *r, size_t *n)
{
    *n = 0;
    tb_report_day *d = r->ncurve ? malloc(r->ncurve * sizeof *d) : NULL;
    if (!d) return NULL;
    double prev = tb_money_to_double(r->o.initial_cash);
    for (size_t i = 0; i < r->ncurve; i++) {
        tb_date day = tb_cal_session_day(r->curve[i].t_ns);
        if (i + 1 < r->ncurve && tb_cal_session_day(r->curve[i + 1].t_ns) == day) continue;
        double eq = r->curve[i].equity;
        d[*n] = (tb_report_day){.day = day, .equity = eq, .ret = prev > 0 ? eq / prev - 1 : 0};
        prev = eq;
        (*n)++;
    }
    return d;
}

void tb_report_print_groups(const tb_runner *r, FILE *f)
{
    size_t nd;
    tb_report_day *d = tb_report_days(r, &nd);
    char a[16], b[16];
    if (nd)
        fprintf(f, "%-18s %s .. %s (%zu sessions)%s\n", "period",
                tb_date_fmt(d[0].day, a, sizeof a), tb_date_fmt(d[nd - 1].day, b, sizeof b), nd,
                nd < TB_SHARPE_MIN_SESSIONS ? ": too short for sharpe to mean anything" : "");
    free(d);
    tb_report_group g[TB_REPORT_GROUPS_MAX];
    size_t ng = tb_report_groups(r, 0, g, TB_REPORT_GROUPS_MAX);
    for (size_t i = 0; i < ng; i++)
        fprintf(f, "%-18s %s: %zu trades, %.1f%% won, net P&L %.2f (fees %.2f)\n", "strategy",
                g[i].name, g[i].trades, 100.0 * (double)g[i].wins / (double)g[i].trades,
                tb_money_to_double(g[i].gross - g[i].fees), tb_money_to_double(g[i].fees));
}

void tb_report_json_groups(const tb_runner *r, json_t *j)
{
    size_t nd;
    tb_report_day *d = tb_report_days(r, &nd);
    char a[16], b[16];
    if (nd) {
        json_object_set_new(j, "period_from", json_string(tb_date_fmt(d[0].day, a, sizeof a)));
        json_object_set_new(j, "period_to", json_string(tb_date_fmt(d[nd - 1].day, b, sizeof b)));
    }
    free(d);
    json_object_set_new(j, "sessions", json_integer((json_int_t)nd));
    json_object_set_new(j, "sharpe_basis", json_string(TB_SHARPE_BASIS));
    json_object_set_new(j, "sharpe_meaningful", json_boolean(nd >= TB_SHARPE_MIN_SESSIONS));
    tb_report_group g[TB_REPORT_GROUPS_MAX];
    size_t ng = tb_report_groups(r, 0, g, TB_REPORT_GROUPS_MAX);
    json_t *ps = json_object();
    for (size_t i = 0; i < ng; i++)
        json_object_set_new(ps, g[i].name,
                            json_pack("{s:I, s:I, s:f, s:f}", "trades", (json_int_t)g[i].trades,
                                      "wins", (json_int_t)g[i].wins, "gross_pnl",
                                      tb_money_to_double(g[i].gross), "fees",
                                      tb_money_to_double(g[i].fees)));
    json_object_set_new(j, "per_strategy", ps);
}
