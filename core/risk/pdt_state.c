/*
 * pdt_state.c - data/pdt_state.json: the day-trade count and the dated list behind it, written
 * whenever the count changes, and read back when someone else changed it. As the original's
 * runbook (2.3) says, an operator may set day_trade_count by hand to match the broker: the edit
 * is validated, logged, and kept as a dated correction (a higher count adds "operator" entries
 * dated today, which leave the window like any day trade; a lower one waives the oldest).
 */
#include "risk/risk_priv.h"
#include "util/atomic.h"
#include "log/log.h"
#include "util/clock.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define MAX_OPERATOR_COUNT 1000

static void fmt_ymd(int32_t ymd, char *buf, size_t n)
{
    snprintf(buf, n, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
}

static int32_t parse_ymd(const char *s)
{
    int y, m, d;
    return s && sscanf(s, "%d-%d-%d", &y, &m, &d) == 3 ? y * 10000 + m * 100 + d : 0;
}

static json_t *day_trade_list(tb_risk *r, const tb_gate_ctx *cx, int32_t first, int32_t last)
{
    json_t *a = json_array();
    char d[16];
    const oms_daytrades *dl = oms_get_daytrades(cx->oms);
    for (uint32_t i = dl->count; i-- > 0;) {
        const oms_daytrade *t = oms_daytrades_get(dl, i);
        if (!t || t->day < first || t->day > last) continue;
        fmt_ymd(t->day, d, sizeof d);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "date", d, "symbol", t->symbol,
                                           "order", t->client_id, "source", "fill"));
    }
    for (int i = 0; i < r->nadj; i++) {
        if (r->adj[i].day < first || r->adj[i].day > last || !r->adj[i].count) continue;
        fmt_ymd(r->adj[i].day, d, sizeof d);
        json_array_append_new(a, json_pack("{s:s, s:i, s:s}", "date", d, "count", r->adj[i].count,
                                           "source", r->adj[i].source));
    }
    return a;
}

void risk_pdt_save(tb_risk *r, const tb_gate_ctx *cx)
{
    int32_t first, last;
    int count = risk_dt_count(r, cx, &first, &last);
    char f[16], l[16], ts[40];
    fmt_ymd(first, f, sizeof f);
    fmt_ymd(last, l, sizeof l);
    json_t *waived = json_array();
    for (int i = 0; i < r->nwaived; i++) json_array_append_new(waived, json_string(r->waived[i]));
    static const char *const pol[] = {"pdt_legacy", "budget", "off"};
    json_t *j =
        json_pack("{s:i, s:i, s:s, s:{s:s, s:s, s:i}, s:o, s:o, s:s}", "day_trade_count", count,
                  "max_day_trades", r->cfg.dt.max_day_trades, "policy", pol[r->cfg.dt.policy],
                  "window", "first", f, "last", l, "business_days", r->cfg.dt.window_days,
                  "day_trades", day_trade_list(r, cx, first, last), "waived", waived, "updated",
                  tb_clock_fmt_utc(tb_clock_now_ns(), ts, sizeof ts));
    tb_err e;
    int rc = tb_atomic_write_json(r->pdt_path, j, JSON_INDENT(2), TB_STATE_FILE_MODE, &e);
    json_decref(j);
    if (rc != 0) {
        TB_ERROR("risk", "cannot write: %s", e.msg);
        return;
    }
    r->pdt_mtime = risk_mtime(r->pdt_path);
    r->pdt_written_count = count;
    r->pdt_written_day = cx->session_day;
}

/* Corrections and waivers survive a restart; the count itself is checked at the first poll. */
void risk_pdt_load(tb_risk *r)
{
    json_error_t je;
    json_t *j = json_load_file(r->pdt_path, 0, &je);
    if (!j) return;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, "day_trades"), i, v)
    {
        const char *src = json_string_value(json_object_get(v, "source"));
        json_t *c = json_object_get(v, "count");
        if (!src || strcmp(src, "fill") == 0 || !json_is_integer(c) || r->nadj >= RISK_ADJ_MAX)
            continue;
        risk_dt_adj *a = &r->adj[r->nadj++];
        a->day = parse_ymd(json_string_value(json_object_get(v, "date")));
        a->count = (int)json_integer_value(c);
        snprintf(a->source, sizeof a->source, "%s", src);
    }
    json_array_foreach(json_object_get(j, "waived"), i, v)
    {
        if (json_is_string(v) && r->nwaived < RISK_WAIVED_MAX)
            snprintf(r->waived[r->nwaived++], sizeof r->waived[0], "%s", json_string_value(v));
    }
    json_t *c = json_object_get(j, "day_trade_count");
    r->pdt_file_count = json_is_integer(c) ? (int)json_integer_value(c) : -1;
    r->pdt_file_day =
        parse_ymd(json_string_value(json_object_get(json_object_get(j, "window"), "last")));
    r->pdt_mtime = risk_mtime(r->pdt_path);
    json_decref(j);
}

/* An edit of day_trade_count: validated, logged, applied. */
static void apply_edit(tb_risk *r, const tb_gate_ctx *cx, json_t *c)
{
    int32_t first, last;
    int ours = risk_dt_count(r, cx, &first, &last);
    if (!json_is_integer(c) || json_integer_value(c) < 0 ||
        json_integer_value(c) > MAX_OPERATOR_COUNT) {
        TB_ERROR("risk",
                 "pdt_state.json: day_trade_count must be an integer from 0 to %d: edit "
                 "ignored, keeping %d",
                 MAX_OPERATOR_COUNT, ours);
        return;
    }
    int want = (int)json_integer_value(c);
    if (want == ours) return;
    risk_dt_set_count(r, cx, want, "operator");
    TB_WARN("risk", "pdt_state.json edited: day_trade_count %d -> %d (operator)", ours,
            risk_dt_count(r, cx, &first, &last));
}

void risk_pdt_poll(tb_risk *r, const tb_gate_ctx *cx)
{
    if (!cx->oms || !cx->session_day) return;
    int64_t now = tb_clock_mono_ns();
    if (r->pdt_written_count >= 0 && now - r->pdt_last_poll_mono < 1000000000LL) return;
    r->pdt_last_poll_mono = now;
    if (r->pdt_written_count < 0 && r->pdt_file_count >= 0 && r->pdt_file_day == cx->session_day) {
        json_t *c = json_integer(r->pdt_file_count); /* edited while the engine was stopped */
        apply_edit(r, cx, c);
        json_decref(c);
    }
    int64_t mt = risk_mtime(r->pdt_path);
    if (mt && mt != r->pdt_mtime) {
        r->pdt_mtime = mt;
        json_error_t je;
        json_t *j = json_load_file(r->pdt_path, 0, &je);
        if (!j)
            TB_ERROR("risk", "pdt_state.json: invalid JSON at line %d (%s): edit ignored", je.line,
                     je.text);
        else
            apply_edit(r, cx, json_object_get(j, "day_trade_count"));
        json_decref(j);
        r->pdt_written_count = -2; /* rewrite: the file shows what is in force */
    }
    int32_t first, last;
    int count = risk_dt_count(r, cx, &first, &last);
    if (count != r->pdt_written_count || cx->session_day != r->pdt_written_day)
        risk_pdt_save(r, cx);
}
