/*
 * api_trades.c - GET /api/trades: the account's closed trades (closing fills, newest first),
 * built from the persisted fills so they survive a restart (trade_log.h), with filters strategy=,
 * symbol= and day=YYYY-MM-DD (the session day of the exit), and the matching trades' P&L per day
 * and per strategy. The lists of strategies, symbols and days traded come with it, for the page's
 * filter menus.
 */
#include "http/dash_priv.h"
#include "data/calendar.h"
#include "log/log.h"
#include "util/clock.h"

#include <stdlib.h>
#include <string.h>

#define TRADES_DEFAULT 500
#define TRADES_MAX     5000
#define GROUPS_MAX     1024

typedef struct group {
    char name[48];
    size_t trades, wins;
    tb_money pnl, fees;
} group;

typedef struct groups {
    group g[GROUPS_MAX];
    size_t n;
} groups;

static void add(groups *gs, const char *name, const tb_trade_rec *t)
{
    size_t i = 0;
    while (i < gs->n && strcmp(gs->g[i].name, name) != 0) i++;
    if (i == gs->n) {
        if (gs->n == GROUPS_MAX) return; /* a run with more days than this: the oldest kept */
        memset(&gs->g[i], 0, sizeof gs->g[i]);
        snprintf(gs->g[i].name, sizeof gs->g[i].name, "%s", name);
        gs->n++;
    }
    group *g = &gs->g[i];
    g->trades++, g->wins += t->pnl > 0, g->pnl += t->pnl, g->fees += t->fees;
}

static json_t *rows(const groups *gs, const char *key)
{
    json_t *a = json_array();
    for (size_t i = 0; i < gs->n; i++) {
        const group *g = &gs->g[i];
        json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:f, s:f, s:f}", key, g->name, "trades",
                                           (json_int_t)g->trades, "wins", (json_int_t)g->wins,
                                           "pnl", tb_money_to_double(g->pnl), "fees",
                                           tb_money_to_double(g->fees), "net",
                                           tb_money_to_double(g->pnl - g->fees)));
    }
    return a;
}

static json_t *names(const groups *gs)
{
    json_t *a = json_array();
    for (size_t i = 0; i < gs->n; i++) json_array_append_new(a, json_string(gs->g[i].name));
    return a;
}

static json_t *trade_json(const tb_trade_rec *t, const char *day)
{
    char a[40], b[40];
    int long_ = t->side == OMS_SELL; /* a sell closed a long */
    tb_money per = t->qty ? t->pnl / t->qty : 0;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:f, s:f, s:s, s:s}", "day", day,
                     "entry_time", t->entry_ns ? tb_clock_fmt_utc(t->entry_ns, a, sizeof a) : "",
                     "exit_time", tb_clock_fmt_utc(t->t_ns, b, sizeof b), "strategy", t->strategy,
                     "symbol", t->symbol, "qty", (json_int_t)t->qty, "entry_price",
                     tb_money_to_double(long_ ? t->price - per : t->price + per), "exit_price",
                     tb_money_to_double(t->price), "pnl", tb_money_to_double(t->pnl), "fees",
                     tb_money_to_double(t->fees), "side", long_ ? "long" : "short", "reason",
                     t->reason);
}

void tb_api_get_trades(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    char strat[48], sym[16], day[16], lim[16];
    int fs = tb_http_query_get(q->query, "strategy", strat, sizeof strat);
    int fy = tb_http_query_get(q->query, "symbol", sym, sizeof sym);
    int fd = tb_http_query_get(q->query, "day", day, sizeof day);
    long limit = tb_http_query_get(q->query, "limit", lim, sizeof lim) ? atol(lim) : TRADES_DEFAULT;
    tb_date want;
    if (fd && tb_date_parse(day, &want, NULL) != 0) {
        tb_http_reply_error(q->r, 400, "day: not a date (YYYY-MM-DD)");
        return;
    }
    if (limit < 1 || limit > TRADES_MAX) limit = limit < 1 ? 1 : TRADES_MAX;
    size_t n = 0;
    tb_err e = {0};
    if (d->en->db && tb_trade_log_sync(d->trades, d->en->db->h, tb_clock_mono_ns(), &e) < 0)
        TB_WARN("dashboard", "trade list: %s", e.msg); /* the trades read so far still show */
    const tb_trade_rec *tr = tb_trade_log_trades(d->trades, &n);
    static groups by_day, by_strat, all_strat, all_sym, all_day; /* the loop's thread only */
    by_day.n = by_strat.n = all_strat.n = all_sym.n = all_day.n = 0;
    json_t *list = json_array();
    size_t count = 0;
    for (size_t i = n; i-- > 0;) { /* newest first */
        const tb_trade_rec *t = &tr[i];
        char ds[16];
        tb_date td = tb_cal_session_day(t->t_ns);
        tb_date_fmt(td, ds, sizeof ds);
        add(&all_strat, t->strategy, t), add(&all_sym, t->symbol, t), add(&all_day, ds, t);
        if ((fs && strcmp(t->strategy, strat) != 0) || (fy && strcmp(t->symbol, sym) != 0) ||
            (fd && td != want))
            continue;
        add(&by_day, ds, t), add(&by_strat, t->strategy, t);
        if (count++ < (size_t)limit) json_array_append_new(list, trade_json(t, ds));
    }
    json_t *j = json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "trades", list, "count",
                          (json_int_t)count, "by_day", rows(&by_day, "day"), "by_strategy",
                          rows(&by_strat, "strategy"), "strategies", names(&all_strat), "symbols",
                          names(&all_sym), "days", names(&all_day));
    tb_http_reply_json(q->r, 200, j);
}
