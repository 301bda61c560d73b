/*
 * polygon_json.h - Polygon's (Massive's) REST answers parsed into bars: aggregates (with their
 * next_url), grouped daily and the index snapshot (I:VIX). Pure functions, unit-tested and fuzzed.
 *
 * Every answer carries `status`: OK, DELAYED (delayed data: usable, and said so on status),
 * ERROR, NOT_AUTHORIZED (the plan lacks this data: a configuration error, never retried).
 */
#ifndef TB_FEED_POLYGON_JSON_H
#define TB_FEED_POLYGON_JSON_H

#include "data/bar.h"
#include "data/symbols.h"

#include <stddef.h>

typedef enum { PG_OK, PG_DELAYED, PG_NOT_AUTHORIZED, PG_ERROR } pg_status;

typedef struct pg_page {
    pg_status status;
    char next_url[2048]; /* "" when this is the last page */
    char message[256];   /* error or message text, if any */
    size_t count;        /* bars appended from this page */
} pg_page;

/* Aggregates of one ticker: appends its results as bars of tf_sec to out. */
int pg_parse_aggs(const char *text, size_t len, uint32_t sym, int32_t tf_sec, tb_bar_vec *out,
                  pg_page *page, tb_err *e);

/* Grouped daily: one daily bar per ticker ("T"), symbols interned into syms. */
int pg_parse_grouped(const char *text, size_t len, tb_symtab *syms, tb_bar_vec *out, pg_page *page,
                     tb_err *e);

/* /v3/snapshot/indices: results[0].value (I:VIX). */
int pg_parse_index_value(const char *text, size_t len, double *value, pg_page *page, tb_err *e);

#endif
