#include "feed/polygon_json.h"

#include <jansson.h>
#include <math.h>
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

int pg_parse_aggs(const char *text, size_t len, uint32_t sym, int32_t tf_sec, tb_bar_vec *out,
                  pg_page *page, tb_err *e)
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
        if (row_bar(r, sym, tf_sec, &b) != 0 || !tb_bar_valid(&b)) continue; /* skipped, counted */
        if ((rc = tb_bar_vec_push(out, &b, e)) == 0) page->count++;
    }
    json_decref(j);
    return rc;
}

int pg_parse_grouped(const char *text, size_t len, tb_symtab *syms, tb_bar_vec *out, pg_page *page,
                     tb_err *e)
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
        const char *t = json_string_value(json_object_get(r, "T"));
        if (!t || !*t || strlen(t) > 15) continue;
        int64_t id = tb_symtab_intern(syms, t, e);
        if (id < 0) {
            rc = -1;
            break;
        }
        if (row_bar(r, (uint32_t)id, 86400, &b) != 0 || !tb_bar_valid(&b)) continue;
        if ((rc = tb_bar_vec_push(out, &b, e)) == 0) page->count++;
    }
    json_decref(j);
    return rc;
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
