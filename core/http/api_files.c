/*
 * api_files.c - API views of files the engine and its agents write: the decision log, today's
 * candidates, Sentinel and Healer trails, recent errors from the engine log. A missing file is
 * an empty list: those writers (orchestrator, Sentinel, Healer) may not have run yet.
 */
#include "http/dash_priv.h"
#include "cand/cand_file.h"
#include "home/home.h"
#include "log/tail.h"
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct tail_ctx {
    json_t *arr;
    int max;
    int (*keep)(json_t *obj, void *ud);
    void *ud;
} tail_ctx;

static void on_jsonl(const char *line, size_t len, void *ud)
{
    tail_ctx *c = ud;
    json_t *o = json_loadb(line, len, 0, NULL);
    if (!json_is_object(o) || (c->keep && !c->keep(o, c->ud))) {
        json_decref(o);
        return;
    }
    json_array_append_new(c->arr, o);
    if ((int)json_array_size(c->arr) > c->max) json_array_remove(c->arr, 0);
}

json_t *tb_api_jsonl_tail(const char *rel, size_t max_bytes, int max,
                          int (*keep)(json_t *obj, void *ud), void *ud)
{
    char path[4096];
    tail_ctx c = {.arr = json_array(), .max = max, .keep = keep, .ud = ud};
    tb_tail_lines(tb_home_path(path, sizeof path, rel), max_bytes, on_jsonl, &c);
    return c.arr;
}

static int same_symbol(json_t *o, void *ud)
{
    const char *s = json_string_value(json_object_get(o, "symbol"));
    return s && strcmp(s, ud) == 0;
}

/* Newest first reads best in a table. */
static json_t *reversed(json_t *arr)
{
    json_t *out = json_array();
    for (size_t i = json_array_size(arr); i-- > 0;) json_array_append(out, json_array_get(arr, i));
    json_decref(arr);
    return out;
}

void tb_api_get_decisions(const tb_http_req *q)
{
    char sym[32], lim[16];
    int filter = tb_http_query_get(q->query, "symbol", sym, sizeof sym);
    int limit = tb_http_query_get(q->query, "limit", lim, sizeof lim) ? atoi(lim) : 100;
    if (limit < 1 || limit > 1000) limit = 100;
    json_t *arr = tb_api_jsonl_tail("logs/enhanced_decision_log.jsonl", 2 << 20, limit,
                                    filter ? same_symbol : NULL, sym);
    tb_http_reply_json(q->r, 200, reversed(arr));
}

/* One CSV row: every comma splits, so an empty field keeps the columns after it in place. */
static json_t *csv_row(char *line, json_t *cols)
{
    char *f[64];
    int n = tb_cand_split(line, f, 64);
    json_t *row = cols ? json_object() : json_array();
    for (int i = 0; i < n && i < 64; i++) {
        if (!cols)
            json_array_append_new(row, json_string(f[i]));
        else if (i < (int)json_array_size(cols))
            json_object_set_new(row, json_string_value(json_array_get(cols, i)), json_string(f[i]));
    }
    if (cols && n != (int)json_array_size(cols))
        json_object_set_new(
            row, "error", json_sprintf("%d fields, the header has %zu", n, json_array_size(cols)));
    return row;
}

void tb_api_get_candidates(const tb_http_req *q)
{
    static const char rel[] = "data/top_20_day_trading_candidates.csv";
    char path[4096], line[2048];
    json_t *rows = json_array(), *cols = NULL, *loaded = json_null();
    struct stat st;
    FILE *f = fopen(tb_home_path(path, sizeof path, rel), "r");
    if (f && fstat(fileno(f), &st) == 0) {
        json_decref(loaded);
        loaded = json_string(tb_clock_fmt_utc((int64_t)st.st_mtime * 1000000000LL, line, 40));
        while (fgets(line, sizeof line, f) && json_array_size(rows) < 200) {
            line[strcspn(line, "\n")] = 0;
            if (!line[0]) continue;
            if (!cols)
                cols = csv_row(line, NULL);
            else
                json_array_append_new(rows, csv_row(line, cols));
        }
    }
    if (f) fclose(f);
    /* The rows the engine refuses to load, with file:line and why (the same reader). */
    json_t *refused = json_array();
    tb_cand_set *set = malloc(sizeof *set);
    tb_err e;
    if (set && tb_cand_read(path, set, &e) == 0)
        for (int i = 0; i < set->nbad && i < TB_CAND_BAD_MSGS; i++)
            json_array_append_new(refused, json_string(set->bad[i]));
    free(set);
    tb_http_reply_json(q->r, 200,
                       json_pack("{s:s, s:o, s:o, s:o, s:o}", "file", rel, "loaded_at", loaded,
                                 "columns", cols ? cols : json_array(), "candidates", rows,
                                 "refused", refused));
}

/* data/healer_active_directives.json: a list, or {"directives": [...]}. */
json_t *tb_api_load_directives(json_t **root_out)
{
    char path[4096];
    json_t *root = json_load_file(
        tb_home_path(path, sizeof path, "data/healer_active_directives.json"), 0, NULL);
    json_t *list = json_is_array(root) ? root : json_object_get(root, "directives");
    if (root_out) *root_out = root;
    return json_is_array(list) ? list : NULL;
}

void tb_api_get_health(const tb_http_req *q)
{
    json_t *root = NULL, *list = tb_api_load_directives(&root);
    json_t *dirs = list ? json_incref(list) : json_array();
    json_decref(root);
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:o}", "sentinel",
        reversed(tb_api_jsonl_tail("logs/sentinel_activity.jsonl", 1 << 20, 100, NULL, NULL)),
        "directives", dirs, "healer_history",
        reversed(tb_api_jsonl_tail("logs/healer_history.jsonl", 1 << 20, 100, NULL, NULL)),
        "control_audit",
        reversed(tb_api_jsonl_tail("logs/control_audit_log.jsonl", 256 << 10, 50, NULL, NULL)));
    tb_http_reply_json(q->r, 200, o);
}

/* "<time> <LEVEL> [<component>] <message>": warnings and errors only. */
static void on_log_line(const char *line, size_t len, void *ud)
{
    char ts[40], level[8], comp[48];
    int off = 0;
    if (sscanf(line, "%39s %7s [%47[^]]]%n", ts, level, comp, &off) != 3 || off == 0) return;
    if (strcmp(level, "ERROR") != 0 && strcmp(level, "WARN") != 0) return;
    json_t *arr = ud;
    json_array_append_new(arr,
                          json_pack("{s:s, s:s, s:s, s:s}", "time", ts, "level", level, "component",
                                    comp, "message", line + off + (line[off] == ' ')));
    if (json_array_size(arr) > 100) json_array_remove(arr, 0);
}

void tb_api_get_errors(const tb_http_req *q)
{
    char path[4096];
    json_t *arr = json_array();
    tb_tail_lines(tb_home_path(path, sizeof path, "logs/trading_bot.log"), 512 << 10, on_log_line,
                  arr);
    tb_http_reply_json(q->r, 200, reversed(arr));
}
