/*
 * facts.c - the Sentinel's facts from SQLite (ml_db/ml_data.db, read through the tables'
 * owners: oms_store for orders and fills, orch/history for orch_runs, ml_store for the model's
 * decisions; PRAGMA quick_check) and the assembly of the whole facts object (files: facts_logs.c;
 * missed moves: facts_missed.c).
 */
#include "data/calendar.h"
#include "ml/ml_store.h"
#include "oms/oms_store.h"
#include "orch/history.h"
#include "home/home.h"
#include "sentinel/facts.h"
#include "util/clock.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static json_t *obj_at(json_t *parent, const char *key)
{
    json_t *o = json_object_get(parent, key);
    if (!o) json_object_set_new(parent, key, o = json_object());
    return o;
}

/* oms_store keeps session_day as YYYYMMDD. */
static const char *day_str(int64_t v, char *buf)
{
    snprintf(buf, 16, "%04d-%02d-%02d", (int)(v / 10000) % 10000, (int)(v / 100) % 100,
             (int)(v % 100));
    return buf;
}

/* Orders and fills per strategy and session of the window. */
static void on_activity(void *ud, const char *strategy, int32_t session_day, int64_t orders,
                        int64_t filled)
{
    json_t *facts = ud, *act = obj_at(facts, "strategy_activity");
    char day[16];
    day_str(session_day, day);
    if (!json_object_get(json_object_get(facts, "window_set"), day)) return;
    json_t *s = obj_at(act, strategy);
    json_object_set_new(obj_at(s, "orders_by_session"), day, json_integer(orders));
    json_object_set_new(obj_at(s, "fills_by_session"), day, json_integer(filled));
}

static void db_trades(sqlite3 *db, json_t *facts)
{
    obj_at(facts, "strategy_activity");
    oms_store_activity(db, on_activity, facts);
}

typedef struct pnl_acc {
    json_t *win, *by;
    double cum, peak, dd;
} pnl_acc;

static void on_cashflow(void *ud, int32_t session_day, tb_money net)
{
    pnl_acc *a = ud;
    char day[16];
    day_str(session_day, day);
    if (!json_object_get(a->win, day)) return;
    double pnl = (double)net / 1e6;
    json_object_set_new(a->by, day, json_real(pnl));
    a->cum += pnl;
    if (a->cum > a->peak) a->peak = a->cum;
    if (a->peak - a->cum > a->dd) a->dd = a->peak - a->cum;
}

/* Realized P&L per session: the session's fills as cash flows (positions are flat at the close:
 * the engine flattens what strategies leave), less commissions. Money is micro-dollars. */
static void db_pnl(sqlite3 *db, json_t *facts, double initial_cash)
{
    pnl_acc a = {.win = json_object_get(facts, "window_set"), .by = json_object()};
    oms_store_cashflow_by_day(db, on_cashflow, &a);
    json_object_set_new(facts, "pnl",
                        json_pack("{s:o, s:f, s:f, s:f}", "by_session", a.by, "window", a.cum,
                                  "max_drawdown", a.dd, "max_drawdown_pct",
                                  initial_cash > 0 ? 100.0 * a.dd / initial_cash : 0.0));
}

static int has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1, &st,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* Model calibration against outcomes: mean predicted probability against the hit rate, when
 * the ML gate's decisions (ml_decisions: confidence, outcome) exist. */
static void db_model(sqlite3 *db, json_t *facts)
{
    json_t *m = json_pack("{s:b}", "available", 0);
    tb_ml_calibration c;
    if (has_table(db, "ml_decisions") && tb_ml_decisions_calibration(db, &c) == 0 && c.n > 0) {
        json_decref(m);
        m = json_pack("{s:b, s:I, s:f, s:f}", "available", 1, "n", (json_int_t)c.n,
                      "mean_probability", c.mean_probability, "hit_rate", c.hit_rate);
    }
    json_object_set_new(facts, "model", m);
}

static void on_failure(void *ud, const char *step, const char *status, const char *message)
{
    json_array_append_new(
        ud, json_pack("{s:s, s:s, s:s}", "step", step, "status", status, "message", message));
}

static void db_checks(sqlite3 *db, json_t *facts)
{
    sqlite3_stmt *st;
    char result[512] = "not run";
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(result, sizeof result, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    } else {
        snprintf(result, sizeof result, "%s", sqlite3_errmsg(db));
    }
    json_t *failed = json_array();
    if (has_table(db, "orch_runs")) tb_history_failures(db, 20, on_failure, failed);
    json_object_set_new(facts, "db", json_pack("{s:s}", "quick_check", result));
    json_object_set_new(facts, "orchestrator_failures", failed);
}

/* The audited day: the one asked for, else the last session played, else today (UTC). */
static int pick_date(json_t *facts, const char *date, char out[16], tb_err *e)
{
    tb_date d;
    if (date && *date) {
        if (tb_date_parse(date, &d, e) != 0) return -1;
        tb_date_fmt(d, out, 16);
        return 0;
    }
    const char *key, *last = NULL;
    json_t *v;
    json_object_foreach(json_object_get(facts, "sessions_played"), key, v)
    {
        if (!last || strcmp(key, last) > 0) last = key;
    }
    if (last) {
        snprintf(out, 16, "%s", last);
        return 0;
    }
    char ts[40];
    snprintf(out, 16, "%.10s", tb_clock_fmt_utc(tb_clock_now_ns(), ts, sizeof ts));
    return 0;
}

/* The window: the last cfg.sentinel.sessions sessions played up to the audited day. */
static void make_window(json_t *facts, const char *date, int n)
{
    json_t *days = json_array(), *set = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(facts, "sessions_played"), key, v)
    {
        if (strcmp(key, date) <= 0) json_array_append_new(days, json_string(key));
    }
    /* newest last; keep the last n */
    size_t count = json_array_size(days);
    json_t *win = json_array();
    for (size_t i = 0; i < count; i++) {
        const char *di = json_string_value(json_array_get(days, i));
        size_t newer = 0;
        for (size_t j = 0; j < count; j++)
            if (strcmp(json_string_value(json_array_get(days, j)), di) > 0) newer++;
        if (newer < (size_t)n) json_object_set_new(set, di, json_true());
    }
    const char *k2;
    json_object_foreach(set, k2, v) json_array_append_new(win, json_string(k2));
    json_decref(days);
    json_object_set_new(facts, "sessions", win);
    json_object_set_new(facts, "window_set", set);
}

static void add_strategies(json_t *facts, const tb_config *cfg)
{
    json_t *list = json_array();
    for (int i = 0; i < cfg->nstrategies; i++) {
        const tb_strategy_cfg *s = &cfg->strategies[i];
        json_array_append_new(list, json_pack("{s:s, s:s, s:b, s:O?}", "name", s->name, "file",
                                              s->file, "enabled", s->enabled, "params", s->params));
    }
    json_object_set_new(facts, "strategies", list);
}

json_t *tb_facts_gather(const tb_config *cfg, const char *date, json_t *state, tb_err *e)
{
    json_t *facts = json_object();
    char day[16], path[4096], ts[40];
    tb_facts_logs(facts, cfg, state);
    if (pick_date(facts, date, day, e) != 0) {
        json_decref(facts);
        return NULL;
    }
    json_object_set_new(facts, "date", json_string(day));
    json_object_set_new(facts, "generated_at",
                        json_string(tb_clock_fmt_utc(tb_clock_now_ns(), ts, sizeof ts)));
    json_object_set_new(
        facts, "settings",
        json_pack("{s:I, s:f, s:f, s:f, s:I, s:f, s:O}", "sessions",
                  (json_int_t)cfg->sentinel.sessions, "missed_move_pct",
                  cfg->sentinel.missed_move_pct, "gate_block_pct", cfg->sentinel.gate_block_pct,
                  "drawdown_pct", cfg->sentinel.drawdown_pct, "log_growth_mb",
                  (json_int_t)cfg->sentinel.log_growth_mb, "initial_cash", cfg->paper.initial_cash,
                  "state_known", state && json_object_size(state) ? json_true() : json_false()));
    make_window(facts, day, (int)cfg->sentinel.sessions);
    add_strategies(facts, cfg);
    tb_facts_decisions(facts, day);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(tb_home_path(path, sizeof path, "ml_db/ml_data.db"), &db,
                        SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        db_trades(db, facts);
        db_pnl(db, facts, cfg->paper.initial_cash);
        db_model(db, facts);
        db_checks(db, facts);
    } else {
        json_object_set_new(facts, "db",
                            json_pack("{s:s}", "quick_check", "cannot open ml_db/ml_data.db"));
    }
    sqlite3_close(db);
    tb_facts_missed(facts, cfg);
    json_object_del(facts, "window_set");
    return facts;
}
