/*
 * pdt_state.c - data/pdt_state.json: the day-trade count and the dated list behind it, rewritten
 * from the ledger (the database: each day trade is committed with its fill) at every change and
 * at shutdown, and read back when someone else changed it. As the original's runbook (2.3)
 * says, an operator may set day_trade_count by hand to match the broker: the edit is validated,
 * logged, and kept as a dated correction (a higher count adds "operator" entries dated today,
 * which leave the window like any day trade; a lower one waives the oldest).
 *
 * What is an operator edit: a file whose bytes are not what the engine last wrote. The hash of
 * every write is recorded in the database (kv "pdt_state_hash") after the file is in place, so
 * a start after a clean stop or a crash finds its own file (perhaps behind the database: it is
 * rewritten, never read as an edit), while a file changed by hand between runs, or while
 * running, differs. A crash between the rename and that record leaves a file written from the
 * database's count: read as an edit it changes nothing and logs nothing.
 */
#include "risk/risk_priv.h"
#include "util/hash.h"
#include "util/atomic.h"
#include "log/log.h"
#include "util/clock.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPERATOR_COUNT    1000
#define PDT_FILL_WRITE_GAP_NS 1000000000LL

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
    const oms_daytrade *x = r->dt_extra; /* committed, not yet in the ledger: the newest */
    if (x && x->day >= first && x->day <= last && !risk_dt_in_ledger(cx, x->client_id)) {
        fmt_ymd(x->day, d, sizeof d);
        json_array_insert_new(a, 0,
                              json_pack("{s:s, s:s, s:s, s:s}", "date", d, "symbol", x->symbol,
                                        "order", x->client_id, "source", "fill"));
    }
    for (int i = 0; i < r->nadj; i++) {
        if (r->adj[i].day < first || r->adj[i].day > last || !r->adj[i].count) continue;
        fmt_ymd(r->adj[i].day, d, sizeof d);
        json_array_append_new(a, json_pack("{s:s, s:i, s:s}", "date", d, "count", r->adj[i].count,
                                           "source", r->adj[i].source));
    }
    return a;
}

/* FNV-1a: tells our own bytes from anyone else's (not a defence against a forger). */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = tb_fnv64(TB_FNV64_SEED, p, n);
    return h ? h : 1;
}

#define HASH_KEY "pdt_state_hash"

/* Records what the file now holds, after it is in place (see the top of the file). */
static void record_hash(tb_risk *r, uint64_t h)
{
    if (!r->kv) return;
    char v[24];
    tb_err e;
    snprintf(v, sizeof v, "%016llx", (unsigned long long)h);
    if (tb_kv_set(r->kv, HASH_KEY, v, &e) != 0) {
        TB_WARN("risk",
                "pdt_state.json written but not recorded in the database (%s): the next "
                "start may read it as an operator edit of the same count",
                e.msg);
        return;
    }
    r->pdt_db_hash = h;
    r->pdt_db_known = 1;
}

void tb_risk_set_kv(tb_risk *r, tb_kv *kv)
{
    r->kv = kv;
    tb_err e;
    char *v = kv ? tb_kv_get(kv, HASH_KEY, &e) : NULL;
    if (v) {
        r->pdt_db_hash = strtoull(v, NULL, 16);
        r->pdt_db_known = 1;
    }
    free(v);
}

/* The file's bytes (NUL-terminated, at most 1 MB) and their length; NULL when unreadable. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    enum { CAP = 1 << 20 };
    char *b = malloc(CAP + 1);
    size_t n = b ? fread(b, 1, CAP + 1, f) : 0;
    fclose(f);
    if (!b || n > CAP) {
        free(b);
        return NULL;
    }
    b[n] = 0;
    *len = n;
    return b;
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
    char *text = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    size_t len = text ? strlen(text) : 0;
    char *buf = text ? realloc(text, len + 2) : NULL;
    tb_err e;
    if (!buf) {
        free(text);
        TB_ERROR("risk", "%s: cannot write: out of memory", r->pdt_path);
        return;
    }
    buf[len++] = '\n';
    buf[len] = 0;
    int rc = tb_atomic_write(r->pdt_path, buf, len, TB_STATE_FILE_MODE, &e);
    uint64_t h = hash_bytes(buf, len);
    free(buf);
    if (rc != 0) {
        TB_ERROR("risk", "cannot write: %s", e.msg);
        return;
    }
    r->pdt_mtime = risk_mtime(r->pdt_path);
    r->pdt_dirty = 0;
    r->pdt_written_count = count;
    r->pdt_written_day = cx->session_day;
    r->pdt_written_hash = h;
    record_hash(r, h);
}

/* Corrections and waivers survive a restart; the count itself is checked at the first poll. */
void risk_pdt_load(tb_risk *r)
{
    size_t len;
    char *text = slurp(r->pdt_path, &len);
    json_error_t je;
    json_t *j = text ? json_loadb(text, len, 0, &je) : NULL;
    if (text) r->pdt_file_hash = hash_bytes(text, len);
    free(text);
    r->pdt_mtime = risk_mtime(r->pdt_path);
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

/* At the first poll after a start: the file as found is an operator edit only when it is not the
 * one the engine last wrote (the database says which), e.g. `tradebot pdt --set` while stopped;
 * one the engine wrote stays ours even when the database has moved on (a crash). Without a
 * record (a new home, or a database from before it was kept) the file's count is taken as an
 * edit, as it always was. Either way only for the session day it was written for. */
static void start_edit(tb_risk *r, const tb_gate_ctx *cx)
{
    int ours = r->pdt_db_known && r->pdt_file_hash == r->pdt_db_hash;
    if (ours) r->pdt_written_hash = r->pdt_file_hash;
    if (ours || r->pdt_file_count < 0 || r->pdt_file_day != cx->session_day) return;
    json_t *c = json_integer(r->pdt_file_count);
    apply_edit(r, cx, c);
    json_decref(c);
}

/* A file changed since we looked: an edit unless its bytes are what we last wrote. */
static void check_edit(tb_risk *r, const tb_gate_ctx *cx)
{
    int64_t mt = risk_mtime(r->pdt_path);
    if (!mt || mt == r->pdt_mtime) return;
    r->pdt_mtime = mt;
    size_t len;
    char *text = slurp(r->pdt_path, &len);
    if (text && hash_bytes(text, len) == r->pdt_written_hash) {
        free(text);
        return;
    }
    json_error_t je;
    json_t *j = text ? json_loadb(text, len, 0, &je) : NULL;
    free(text);
    if (!j)
        TB_ERROR("risk", "pdt_state.json: invalid JSON at line %d (%s): edit ignored", je.line,
                 je.text);
    else
        apply_edit(r, cx, json_object_get(j, "day_trade_count"));
    json_decref(j);
    r->pdt_written_count = -2; /* rewrite: the file shows what is in force */
}

void risk_pdt_sync(tb_risk *r, const tb_gate_ctx *cx, int force)
{
    if (r->pdt_written_count == -1) start_edit(r, cx);
    check_edit(r, cx);
    int32_t first, last;
    int count = risk_dt_count(r, cx, &first, &last);
    if (force || count != r->pdt_written_count || cx->session_day != r->pdt_written_day)
        risk_pdt_save(r, cx);
}

void risk_pdt_poll(tb_risk *r, const tb_gate_ctx *cx)
{
    if (!cx->oms || !cx->session_day) return;
    int64_t now = tb_clock_mono_ns();
    if (r->pdt_written_count >= 0 && now - r->pdt_last_poll_mono < 1000000000LL) return;
    r->pdt_last_poll_mono = now;
    risk_pdt_sync(r, cx, 0);
}

/* The context the last gate call or tick showed, for writes between them. */
static int saved_ctx(tb_risk *r, tb_gate_ctx *cx)
{
    *cx = (tb_gate_ctx){.oms = r->oms, .cal = r->cal, .session_day = r->dt_day};
    return r->files && r->cfg.enabled && r->oms && r->dt_day;
}

/*
 * A day trade committed with its fill is in the file at once, unless a day trade wrote the file
 * less than a second ago (and the database recorded that write): then the next poll writes it
 * (the 1 s timer, or a bar's tick: within about two seconds), and a stop writes it too. The
 * ledger in the database is what the gates count; the file shows it.
 * An atomic write is an fsync on the loop, 1-3 ms on a virtual disk: when hundreds of positions
 * close in the same minute (the session-end flatten) one write per fill held the loop that long
 * for every fill, and fills and acknowledgements waited behind it.
 */
void tb_risk_dt_recorded(tb_risk *r, const oms_daytrade *dt)
{
    if (dt->day > r->dt_day) r->dt_day = dt->day;
    tb_gate_ctx cx;
    if (!saved_ctx(r, &cx)) return;
    int64_t now = tb_clock_mono_ns();
    /* Only behind a write the database has recorded: after a crash the start must find the
     * file it left, or it reads the file's lower count as an operator edit and waives. */
    int recorded = r->pdt_db_known && r->pdt_db_hash == r->pdt_written_hash;
    if (recorded && r->pdt_written_count >= 0 &&
        now - r->pdt_fill_write_mono < PDT_FILL_WRITE_GAP_NS) {
        r->pdt_dirty = 1;
        return;
    }
    r->pdt_fill_write_mono = now;
    r->dt_extra = dt;
    risk_pdt_sync(r, &cx, 0);
    r->dt_extra = NULL;
}

void risk_pdt_dirty_poll(tb_risk *r)
{
    tb_gate_ctx cx;
    if (!r->pdt_dirty || !saved_ctx(r, &cx)) return;
    risk_pdt_sync(r, &cx, 1);
}

void tb_risk_pdt_flush(tb_risk *r)
{
    tb_gate_ctx cx;
    if (r && saved_ctx(r, &cx)) risk_pdt_sync(r, &cx, 1);
}
