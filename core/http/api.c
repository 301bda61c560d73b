/*
 * api.c - the JSON API's views of engine state: status, account, positions, orders, fills,
 * equity, strategies, symbols with bars and indicators, gate blocks. Each handler reads what
 * the engine already keeps; nothing here changes state. docs/dashboard.md shows the shapes.
 */
#include "http/dash_priv.h"
#include "broker/posdiff.h"
#include "risk/gates.h"
#include "risk/macro.h"
#include "ind/ind_set.h"
#include "util/clock.h"
#include "version.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRADER(d) ((d)->en->runner_open ? (d)->en->runner.trader : NULL)

static json_t *money(tb_money m)
{
    return json_real(tb_money_to_double(m));
}

static json_t *iso(int64_t ns)
{
    char ts[40];
    return ns ? json_string(tb_clock_fmt_utc(ns, ts, sizeof ts)) : json_null();
}

/* Finite numbers only: JSON has no NaN. */
static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static const char *replay_state_name(tb_replay_state s)
{
    static const char *const n[] = {"idle", "running", "paused", "finished", "stopped"};
    return (unsigned)s < 5 ? n[s] : "unknown";
}

static json_t *feed_status(tb_dashboard *d)
{
    if (d->en->runner_open && d->en->runner.live)
        return tb_live_status_json(d->en->runner.live, tb_clock_now_ns());
    tb_replay_progress p = {0};
    if (d->en->runner_open && d->en->runner.replay)
        tb_replay_get_progress(d->en->runner.replay, &p);
    int up = p.state == TB_REPLAY_RUNNING || p.state == TB_REPLAY_PAUSED;
    const tb_runner *r = &d->en->runner;
    int catching = d->en->runner_open && r->catching_up;
    const char *status = catching ? "Catching up after a restart: strategies trade after it"
                         : up     ? "Connected"
                         : p.state == TB_REPLAY_FINISHED
                             ? "Finished: the replay has played every bar"
                         : p.state == TB_REPLAY_IDLE ? "Not started"
                                                     : "Stopped";
    return json_pack("{s:s, s:b, s:s, s:s, s:I, s:I, s:o, s:b, s:o, s:I}", "name", d->en->cfg.feed,
                     "connected", up, "status", status, "state", replay_state_name(p.state),
                     "played", (json_int_t)p.played, "total", (json_int_t)p.total, "sim_time",
                     iso(p.sim_ns), "catching_up", catching, "catch_up_to",
                     catching ? iso(r->catch_up_to_ns) : json_null(), "catch_up_bars",
                     (json_int_t)(catching ? r->catch_up_bars : 0));
}

/* The broker orders go to (the real adapter when one is configured), and whether it takes new
 * orders now (trade/admit.h): connected is the connection, ready adds pauses and windows. */
static json_t *broker_status(tb_dashboard *d)
{
    tb_trader *t = TRADER(d);
    broker b = t ? tb_trader_broker(t) : (broker){0};
    broker_state s = t ? broker_get_state(b) : BROKER_DISCONNECTED;
    char why[200] = "", status[240];
    const char *code = t ? broker_not_ready(b, why, sizeof why) : "disconnected";
    int up = s == BROKER_READY;
    if (!code)
        snprintf(status, sizeof status, "Connected");
    else if (why[0])
        snprintf(status, sizeof status, "%s: %s", up ? "Not taking orders" : "Not connected", why);
    else
        snprintf(status, sizeof status, "Not connected: %s", broker_state_name(s));
    json_t *j = json_pack("{s:s, s:s, s:b, s:b, s:s, s:s}", "name", d->en->cfg.broker, "adapter",
                          t ? b.vt->name : d->en->cfg.broker, "connected", up, "ready", !code,
                          "status", status, "state", broker_state_name(s));
    if (code) json_object_set_new(j, "not_ready", json_string(code));
    return j;
}

/* The position differences that persisted across reconciliations (broker/posdiff.h): each
 * holds new entries on its symbol until it is resolved; the Overview shows them as an alert. */
static json_t *position_differences(tb_dashboard *d)
{
    tb_trader *t = TRADER(d);
    const posdiff *p = t ? broker_differences(tb_trader_broker(t)) : NULL;
    json_t *a = json_array();
    for (int i = 0; p && i < p->n; i++) {
        const posdiff_entry *e = &p->d[i];
        if (!e->persistent) continue;
        json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:o, s:i}", "symbol", e->symbol,
                                           "engine_qty", (json_int_t)e->local, "broker_qty",
                                           (json_int_t)e->broker, "since", iso(e->since_ns),
                                           "reconciliations", e->rounds));
    }
    return a;
}

/* Peak and drawdown over the curve and the current equity. */
static void peak_drawdown(tb_dashboard *d, double now, double *peak, double *dd, double *maxdd)
{
    const tb_runner *r = &d->en->runner;
    double p = d->en->cfg.paper.initial_cash, m = 0;
    for (size_t i = 0; d->en->runner_open && i < r->ncurve; i++) {
        if (r->curve[i].equity > p) p = r->curve[i].equity;
        double x = p > 0 ? (p - r->curve[i].equity) / p : 0;
        if (x > m) m = x;
    }
    if (now > p) p = now;
    *peak = p;
    *dd = p > 0 ? (p - now) / p : 0;
    *maxdd = *dd > m ? *dd : m;
}

static json_t *account(tb_dashboard *d)
{
    tb_trader *t = TRADER(d);
    if (!t) return json_object();
    broker_account a = tb_trader_account(t);
    /* Realised P&L and fees from the positions the journal holds (restored from the database
     * at start), not this process's counters: the same figures before and after a restart. */
    const oms_position *ps[4096];
    int n = oms_positions(tb_trader_oms(t), ps, 4096);
    tb_money realized = 0, fees = 0;
    for (int i = 0; i < n && i < 4096; i++) {
        realized += ps[i]->realized_pnl;
        fees += ps[i]->fees;
    }
    double eq = tb_money_to_double(a.equity), peak, dd, maxdd;
    peak_drawdown(d, eq, &peak, &dd, &maxdd);
    return json_pack("{s:o, s:o, s:o, s:f, s:f, s:f, s:f, s:o, s:o, s:o}", "cash", money(a.cash),
                     "equity", money(a.equity), "buying_power", money(a.buying_power),
                     "initial_cash", d->en->cfg.paper.initial_cash, "peak_equity", peak, "drawdown",
                     dd, "max_drawdown", maxdd, "realized_pnl", money(realized), "unrealized_pnl",
                     money(tb_trader_unrealized(t)), "fees", money(fees));
}

/* Day trades as the risk gate counts them (ledger, pending orders, operator edits). */
static json_t *pdt(tb_dashboard *d)
{
    tb_trader *t = TRADER(d);
    if (!t || !d->en->risk) return json_pack("{s:b}", "applies", 0);
    tb_gate_ctx cx;
    tb_trader_gate_ctx(t, &cx);
    tb_risk_dt_state s;
    tb_risk_dt_get(d->en->risk, &cx, &s);
    return json_pack("{s:s, s:i, s:i, s:i, s:b, s:b}", "policy", d->en->cfg.risk.day_trades.policy,
                     "day_trade_count", s.count, "pending", s.pending, "left", s.left, "applies",
                     s.applies, "at_limit", s.applies && s.left <= 0);
}

static json_t *kill_state(tb_dashboard *d)
{
    char why[200];
    int engaged = tb_engine_kill_engaged(d->en, why, sizeof why);
    return json_pack("{s:b, s:s}", "engaged", engaged, "reason", why);
}

static json_t *survival(tb_dashboard *d)
{
    if (!d->en->risk) return json_pack("{s:b}", "active", 0);
    tb_macro m;
    int now = 0, stale = 0;
    tb_risk_macro_get(d->en->risk, &m, &now, &stale);
    return json_pack("{s:b, s:f, s:s, s:b}", "active", now, "vix", m.valid ? m.vix : 0.0, "source",
                     m.source, "stale", stale);
}

json_t *tb_api_status(tb_dashboard *d)
{
    tb_engine *en = d->en;
    tb_latency lat;
    tb_loop_latency(en->loop, &lat);
    tb_trader_stats st = {0};
    if (TRADER(d)) tb_trader_stats_get(TRADER(d), &st);
    json_t *o = json_pack(
        "{s:s, s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, "
        "s:{s:s, s:f, s:f, s:f, s:f, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
        "version", TB_VERSION, "uptime_s", (double)(tb_clock_now_ns() - en->started_ns) / 1e9,
        "time", iso(tb_clock_now_ns()), "broker", broker_status(d), "feed", feed_status(d),
        "account", account(d), "kill_switch", kill_state(d), "survival_mode", survival(d), "pdt",
        pdt(d), "strategies", en->shost.n, "loop_latency_us", "mode",
        tb_loop_mode_name(tb_loop_get_mode(en->loop)), "p50", tb_latency_quantile(&lat, 0.5), "p99",
        tb_latency_quantile(&lat, 0.99), "max", lat.max_us, "last", lat.last_us, "count",
        (json_int_t)lat.count, "trading", "bars", (json_int_t)st.bars, "intents",
        (json_int_t)st.intents, "orders", (json_int_t)st.orders, "fills", (json_int_t)st.fills,
        "blocked", (json_int_t)st.blocked, "rejected", (json_int_t)st.rejected, "errors",
        (json_int_t)st.errors);
    json_object_set_new(o, "sim_time",
                        json_incref(json_object_get(json_object_get(o, "feed"), "sim_time")));
    json_object_set_new(o, "catching_up", json_boolean(en->runner_open && en->runner.catching_up));
    json_object_set_new(o, "position_differences", position_differences(d));
    return o;
}

void tb_api_get_status(const tb_http_req *q)
{
    tb_http_reply_json(q->r, 200, tb_api_status(q->ud));
}

void tb_api_get_account(const tb_http_req *q)
{
    tb_http_reply_json(q->r, 200, account(q->ud));
}

/* A position as the API shows it, marked to the last price. */
static json_t *position_json(tb_trader *t, const oms_position *p)
{
    double last = tb_trader_last_price_of(t, p->symbol);
    double upl =
        isfinite(last)
            ? (last * (double)p->qty - (p->qty > 0 ? 1 : -1) * tb_money_to_double(p->cost_basis))
            : NAN;
    return json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "symbol", p->symbol, "qty",
                     (json_int_t)p->qty, "avg_price", money(p->avg_price), "last", num(last),
                     "unrealized_pnl", num(upl), "realized_pnl", money(p->realized_pnl));
}

/* The account's net position per symbol, each with "strategies": the owners' own positions
 * (they sum to the net). A symbol is listed while the account or any strategy holds shares. */
void tb_api_get_positions(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    json_t *arr = json_array();
    tb_trader *t = TRADER(d);
    oms *m = t ? tb_trader_oms(t) : NULL;
    const oms_position *ps[4096], *own[64];
    const char *names[64];
    int n = m ? oms_positions(m, ps, 4096) : 0;
    for (int i = 0; i < n && i < 4096; i++) {
        int k = oms_symbol_strategies(m, ps[i]->symbol, names, own, 64), held = ps[i]->qty != 0;
        json_t *by = json_array();
        for (int j = 0; j < k && j < 64; j++) {
            if (!own[j]->qty) continue;
            held = 1;
            json_t *sj = position_json(t, own[j]);
            json_object_set_new(sj, "strategy", json_string(names[j]));
            json_array_append_new(by, sj);
        }
        if (!held) {
            json_decref(by);
            continue;
        }
        json_t *pj = position_json(t, ps[i]);
        json_object_set_new(pj, "strategies", by);
        json_array_append_new(arr, pj);
    }
    tb_http_reply_json(q->r, 200, arr);
}

static json_t *order_json(const oms_order *o)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:s, s:o}", "client_id",
                          o->client_id, "symbol", o->symbol, "strategy", o->strategy, "side",
                          oms_side_name(o->side), "type", oms_type_name(o->type), "status",
                          oms_status_name(o->status), "qty", (json_int_t)o->qty, "filled_qty",
                          (json_int_t)o->filled_qty, "avg_price", money(o->filled_avg_price),
                          "reason", o->reason, "created", iso(o->created_ns));
    if (o->limit_price) json_object_set_new(j, "limit", money(o->limit_price));
    if (o->stop_price) json_object_set_new(j, "stop", money(o->stop_price));
    if (o->note[0]) json_object_set_new(j, "note", json_string(o->note));
    return j;
}

void tb_api_get_orders(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    char want[32];
    int filter = tb_http_query_get(q->query, "symbol", want, sizeof want);
    json_t *arr = json_array();
    tb_trader *t = TRADER(d);
    for (uint32_t id = 0; t && id < tb_symtab_count(&d->en->runner.syms); id++) {
        const char *sym = tb_symtab_name(&d->en->runner.syms, id);
        if (filter && strcmp(sym, want) != 0) continue;
        const oms_order *open[256];
        int n = oms_open_orders(tb_trader_oms(t), sym, open, 256);
        for (int i = 0; i < n && i < 256; i++) json_array_append_new(arr, order_json(open[i]));
    }
    tb_http_reply_json(q->r, 200, arr);
}

void tb_api_get_fills(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    char want[32];
    int filter = tb_http_query_get(q->query, "symbol", want, sizeof want);
    json_t *arr = json_array();
    static tb_fill_rec f[TB_TRADER_RECENT_FILLS];
    int n = TRADER(d) ? tb_trader_recent_fills(TRADER(d), f, TB_TRADER_RECENT_FILLS) : 0;
    for (int i = 0; i < n; i++) {
        if (filter && strcmp(f[i].symbol, want) != 0) continue;
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o}", "client_id", f[i].client_id,
                           "symbol", f[i].symbol, "strategy", f[i].strategy, "side",
                           oms_side_name((oms_side)f[i].side), "qty", (json_int_t)f[i].qty, "price",
                           money(f[i].price), "time", iso(f[i].t_ns)));
    }
    tb_http_reply_json(q->r, 200, arr);
}

json_t *tb_api_equity_points(tb_dashboard *d, size_t from, size_t max)
{
    json_t *arr = json_array();
    const tb_runner *r = &d->en->runner;
    if (!d->en->runner_open) return arr;
    double peak = d->en->cfg.paper.initial_cash;
    size_t first = r->ncurve > from + max ? r->ncurve - max : from;
    for (size_t i = 0; i < r->ncurve; i++) {
        const tb_equity_point *p = &r->curve[i];
        if (p->equity > peak) peak = p->equity;
        if (i < first) continue;
        json_array_append_new(arr, json_pack("[I, f, f]", (json_int_t)(p->t_ns / 1000000),
                                             p->equity, peak > 0 ? (peak - p->equity) / peak : 0));
    }
    return arr;
}

void tb_api_get_equity(const tb_http_req *q)
{
    tb_http_reply_json(q->r, 200,
                       json_pack("{s:o, s:s}", "points", tb_api_equity_points(q->ud, 0, 20000),
                                 "columns", "time_ms,equity,drawdown"));
}

void tb_api_get_strategies(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    json_t *arr = json_array();
    for (int i = 0; i < d->en->shost.n; i++) {
        const tb_strategy *s = d->en->shost.s[i];
        json_t *syms = json_array();
        for (int k = 0; k < s->nsymbols; k++)
            json_array_append_new(syms, json_string(s->symbols[k]));
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:I, s:I, s:b, s:s, s:o}", "name",
                                             s->name, "file", s->rel, "version", s->version,
                                             "events", (json_int_t)s->events, "errors",
                                             (json_int_t)s->errors, "disabled", s->disabled,
                                             "last_error", s->last_error, "symbols", syms));
    }
    tb_http_reply_json(q->r, 200, arr);
}

void tb_api_get_symbols(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    json_t *arr = json_array();
    tb_trader *t = TRADER(d);
    for (uint32_t id = 0; t && id < tb_symtab_count(&d->en->runner.syms); id++) {
        const char *sym = tb_symtab_name(&d->en->runner.syms, id);
        json_array_append_new(arr, json_pack("{s:s, s:o}", "symbol", sym, "last",
                                             num(tb_trader_last_price_of(t, sym))));
    }
    tb_http_reply_json(q->r, 200, arr);
}

void tb_api_get_gates(const tb_http_req *q)
{
    tb_dashboard *d = q->ud;
    tb_trader *t = TRADER(d);
    json_t *by_gate = json_object(), *rejects = json_object();
    const tb_counters *g = t ? tb_trader_gate_blocks(t) : NULL,
                      *r = t ? tb_trader_rejects(t) : NULL;
    for (int i = 0; g && i < g->n; i++)
        json_object_set_new(by_gate, g->c[i].name, json_integer((json_int_t)g->c[i].count));
    for (int i = 0; r && i < r->n; i++)
        json_object_set_new(rejects, r->c[i].name, json_integer((json_int_t)r->c[i].count));
    tb_trader_stats st = {0};
    if (t) tb_trader_stats_get(t, &st);
    tb_http_reply_json(q->r, 200,
                       json_pack("{s:I, s:o, s:I, s:o}", "blocked_total", (json_int_t)st.blocked,
                                 "by_gate", by_gate, "rejected_total", (json_int_t)st.rejected,
                                 "rejects_by_reason", rejects));
}
