#include "feed/polygon_json.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static json_t *load(const char *text, size_t len, pg_page *page, tb_err *e)
{
    memset(page, 0, sizeof *page);
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    if (!j) {
        tb_errf(e, "polygon: malformed JSON: %s (line %d)", je.text, je.line);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        tb_errf(e, "polygon: answer is not an object");
        return NULL;
    }
    const char *st = json_string_value(json_object_get(j, "status"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (!msg) msg = json_string_value(json_object_get(j, "error"));
    if (msg) snprintf(page->message, sizeof page->message, "%s", msg);
    page->status = !st                                 ? PG_ERROR
                   : strcmp(st, "OK") == 0             ? PG_OK
                   : strcmp(st, "DELAYED") == 0        ? PG_DELAYED
                   : strcmp(st, "NOT_AUTHORIZED") == 0 ? PG_NOT_AUTHORIZED
                                                       : PG_ERROR;
    const char *next = json_string_value(json_object_get(j, "next_url"));
    if (next) snprintf(page->next_url, sizeof page->next_url, "%s", next);
    return j;
}

static int num(json_t *o, const char *k, double *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_number(v)) return -1;
    *out = json_number_value(v);
    return isfinite(*out) ? 0 : -1;
}

/* One result row as a bar; -1 when a price or the time is missing. */
static int row_bar(json_t *r, uint32_t sym, int32_t tf_sec, tb_bar *b)
{
    double t, n = 0, vw = 0;
    memset(b, 0, sizeof *b);
    if (num(r, "t", &t) || num(r, "o", &b->open) || num(r, "h", &b->high) || num(r, "l", &b->low) ||
        num(r, "c", &b->close) || num(r, "v", &b->volume))
        return -1;
    if (t < 0 || t > 9.2e12) return -1;
    num(r, "n", &n);
    num(r, "vw", &vw);
    b->start_ns = (int64_t)t * 1000000;
    b->trades = n >= 0 && n < 9e18 ? (int64_t)n : 0;
    b->vwap = vw;
    b->tf_sec = tf_sec;
    b->sym = sym;
    return 0;
}

static int results(json_t *j, pg_page *page, tb_err *e)
{
    if (page->status == PG_NOT_AUTHORIZED)
        return tb_errf(e, "polygon: NOT_AUTHORIZED: %s", page->message);
    if (page->status == PG_ERROR)
        return tb_errf(e, "polygon: error: %s", page->message[0] ? page->message : "no status");
    return 0;
}

/* The bars of an answer's results: every row of one symbol `sym` (aggregates), or, with `syms`,
 * each row's own symbol "T" interned there (grouped daily). A row without a price or the time, or
 * whose bar is not valid, is skipped (page->count counts the bars appended). */
static int parse_bars(const char *text, size_t len, tb_symtab *syms, uint32_t sym, int32_t tf_sec,
                      tb_bar_vec *out, pg_page *page, tb_err *e)
{
    json_t *j = load(text, len, page, e);
    if (!j) return -1;
    int rc = results(j, page, e);
    size_t i;
    json_t *r;
    tb_bar b;
    json_array_foreach(json_object_get(j, "results"), i, r)
    {
        if (rc != 0) break;
        uint32_t id = sym;
        if (syms) {
            const char *t = json_string_value(json_object_get(r, "T"));
            if (!t || !*t || strlen(t) > 15) continue;
            int64_t k = tb_symtab_intern(syms, t, e);
            if (k < 0) {
                rc = -1;
                break;
            }
            id = (uint32_t)k;
        }
        if (row_bar(r, id, tf_sec, &b) != 0 || !tb_bar_valid(&b)) continue; /* skipped, counted */
        if ((rc = tb_bar_vec_push(out, &b, e)) == 0) page->count++;
    }
    json_decref(j);
    return rc;
}

int pg_parse_aggs(const char *text, size_t len, uint32_t sym, int32_t tf_sec, tb_bar_vec *out,
                  pg_page *page, tb_err *e)
{
    return parse_bars(text, len, NULL, sym, tf_sec, out, page, e);
}

int pg_parse_grouped(const char *text, size_t len, tb_symtab *syms, tb_bar_vec *out, pg_page *page,
                     tb_err *e)
{
    return parse_bars(text, len, syms, 0, 86400, out, page, e);
}

int pg_parse_index_value(const char *text, size_t len, double *value, pg_page *page, tb_err *e)
{
    json_t *j = load(text, len, page, e);
    if (!j) return -1;
    int rc = results(j, page, e);
    json_t *r0 = json_array_get(json_object_get(j, "results"), 0);
    if (rc == 0 && num(r0, "value", value) != 0)
        rc = tb_errf(e, "polygon: index snapshot without results[0].value");
    json_decref(j);
    return rc;
}

/* Snapshots. A field is absent (missing or null: 1), a finite number (0) or bad (-1). */
static int opt_num(json_t *o, const char *k, double *out)
{
    json_t *v = json_object_get(o, k);
    *out = 0;
    if (!v || json_is_null(v)) return 1;
    if (!json_is_number(v)) return -1;
    *out = json_number_value(v);
    return isfinite(*out) ? 0 : -1;
}

typedef struct snap_ctx {
    char *why; /* where the first bad field is described */
    size_t cap;
    const char *obj; /* "day", "min", ... */
} snap_ctx;

static int bad(snap_ctx *c, const char *field, const char *what)
{
    snprintf(c->why, c->cap, "%s%s%s %s", c->obj, *field ? "." : "", field, what);
    return -1;
}

/* A price: absent or 0 (0 when absent), else finite and > 0. */
static int price(snap_ctx *c, json_t *o, const char *k, double *out)
{
    int r = opt_num(o, k, out);
    if (r < 0) return bad(c, k, "is not a finite number");
    if (*out < 0) return bad(c, k, "is negative");
    return 0;
}

static int snap_bar(snap_ctx *c, json_t *j, const char *name, pg_snap_bar *b)
{
    json_t *o = json_object_get(j, name);
    memset(b, 0, sizeof *b);
    c->obj = name;
    if (!o || json_is_null(o)) return 0;
    if (!json_is_object(o)) return bad(c, "", "is not an object");
    if (price(c, o, "o", &b->o) || price(c, o, "h", &b->h) || price(c, o, "l", &b->l) ||
        price(c, o, "c", &b->c) || price(c, o, "v", &b->v) || price(c, o, "vw", &b->vw))
        return -1;
    if (b->o == 0 && b->h == 0 && b->l == 0 && b->c == 0) return 0; /* cleared: no data yet */
    if (b->o == 0 || b->h == 0 || b->l == 0 || b->c == 0)
        return bad(c, b->o == 0 ? "o" : b->h == 0 ? "h" : b->l == 0 ? "l" : "c", "is 0 or missing");
    if (b->h < b->l) return bad(c, "h", "is below l");
    b->present = 1;
    return 0;
}

static int snap_time(snap_ctx *c, json_t *o, const char *k, int64_t *out)
{
    double t;
    int r = opt_num(o, k, &t);
    if (r < 0 || t < 0 || t > 9.2e18) return bad(c, k, "is not a valid time");
    *out = (int64_t)t;
    return 0;
}

static int snap_trade_quote(snap_ctx *c, json_t *j, pg_snap *s)
{
    json_t *t = json_object_get(j, "lastTrade"), *q = json_object_get(j, "lastQuote");
    c->obj = "lastTrade";
    if (t && !json_is_null(t)) {
        if (!json_is_object(t)) return bad(c, "", "is not an object");
        if (price(c, t, "p", &s->trade_p) || price(c, t, "s", &s->trade_s) ||
            snap_time(c, t, "t", &s->trade_t_ns))
            return -1;
        s->has_trade = s->trade_p > 0;
    }
    c->obj = "lastQuote";
    if (q && !json_is_null(q)) {
        if (!json_is_object(q)) return bad(c, "", "is not an object");
        if (price(c, q, "P", &s->ask) || price(c, q, "S", &s->ask_size) ||
            price(c, q, "p", &s->bid) || price(c, q, "s", &s->bid_size))
            return -1;
        s->has_quote = s->ask > 0 || s->bid > 0;
    }
    return 0;
}

/* One element of "tickers"; -1 with c->why when a present field is not valid. */
static int snap_one(snap_ctx *c, json_t *j, pg_snap *s)
{
    memset(s, 0, sizeof *s);
    c->obj = "ticker";
    if (!json_is_object(j)) return bad(c, "", "entry is not an object");
    const char *t = json_string_value(json_object_get(j, "ticker"));
    if (!t || !*t || strlen(t) >= sizeof s->ticker ||
        strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "abcdefghijklmnopqrstuvwxyz"
                  "0123456789.:-") != strlen(t))
        return bad(c, "", "is missing or not a ticker symbol");
    memcpy(s->ticker, t, strlen(t) + 1);
    c->obj = "snapshot";
    int r1 = opt_num(j, "todaysChange", &s->todays_change);
    int r2 = opt_num(j, "todaysChangePerc", &s->todays_change_perc);
    if (r1 < 0) return bad(c, "todaysChange", "is not a finite number");
    if (r2 < 0) return bad(c, "todaysChangePerc", "is not a finite number");
    s->has_change = r1 == 0 && r2 == 0;
    if (snap_time(c, j, "updated", &s->updated_ns)) return -1;
    if (snap_bar(c, j, "day", &s->day) || snap_bar(c, j, "min", &s->min) ||
        snap_bar(c, j, "prevDay", &s->prev_day))
        return -1;
    json_t *m = json_object_get(j, "min");
    c->obj = "min";
    if (json_is_object(m) && snap_time(c, m, "t", &s->min_t_ms)) return -1;
    return snap_trade_quote(c, j, s);
}

static int snap_push(pg_snap_vec *v, const pg_snap *s, tb_err *e)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        pg_snap *nv = realloc(v->v, cap * sizeof *nv);
        if (!nv) return tb_errf(e, "polygon: out of memory");
        v->v = nv, v->cap = cap;
    }
    v->v[v->n++] = *s;
    return 0;
}

int pg_parse_snapshot(const char *text, size_t len, pg_snap_vec *out, pg_page *page, tb_err *e)
{
    json_t *j = load(text, len, page, e);
    if (!j) return -1;
    int rc = results(j, page, e);
    json_t *arr = json_object_get(j, "tickers");
    if (rc == 0 && !json_is_array(arr))
        rc = tb_errf(e, "polygon: snapshot without a tickers array");
    size_t i;
    json_t *r;
    pg_snap s;
    char why[160];
    snap_ctx c = {why, sizeof why, ""};
    json_array_foreach(arr, i, r)
    {
        if (rc != 0) break;
        if (snap_one(&c, r, &s) != 0) {
            if (!out->skipped++)
                snprintf(out->why, sizeof out->why, "tickers[%zu]%s%s%s: %s", i,
                         s.ticker[0] ? " (" : "", s.ticker, s.ticker[0] ? ")" : "", why);
            continue;
        }
        if ((rc = snap_push(out, &s, e)) == 0) page->count++;
    }
    json_decref(j);
    return rc;
}

const pg_snap *pg_snap_find(const pg_snap_vec *v, const char *ticker)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i].ticker, ticker) == 0) return &v->v[i];
    return NULL;
}

void pg_snap_vec_free(pg_snap_vec *v)
{
    free(v->v);
    memset(v, 0, sizeof *v);
}
