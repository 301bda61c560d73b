/*
 * polygon_json.h - Polygon's (Massive's) REST answers parsed into bars: aggregates (with their
 * next_url), grouped daily, the stock snapshots (tickers, gainers, losers) and the index snapshot
 * (I:VIX). Pure functions, unit-tested and fuzzed.
 *
 * Every answer carries `status`: OK, DELAYED (delayed data: usable, and said so on status),
 * ERROR, NOT_AUTHORIZED (the plan lacks this data: a configuration error, never retried).
 */
#ifndef TB_FEED_POLYGON_JSON_H
#define TB_FEED_POLYGON_JSON_H

#include "data/bar.h"
#include "data/symbols.h"

#include <stddef.h>
#include <stdint.h>

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

/* One bar of a snapshot (day, min, prevDay). Polygon clears the day at 03:30 ET and fills it as
 * trades come: an object that is missing, null or all zero is absent (present 0), not a price. */
typedef struct pg_snap_bar {
    int present;
    double o, h, l, c, v, vw;
} pg_snap_bar;

/* One ticker of /v2/snapshot/locale/us/markets/stocks/{tickers,gainers,losers}. Every price
 * that is present is finite and > 0; what is absent says so (present / has_* 0). */
typedef struct pg_snap {
    char ticker[16];
    int has_change;
    double todays_change, todays_change_perc;
    int64_t updated_ns; /* 0: absent */
    pg_snap_bar day, min, prev_day;
    int64_t min_t_ms; /* start of the min bar (Unix ms); 0: absent */
    int has_trade;    /* lastTrade: p (price), s (size), t (SIP ns) */
    double trade_p, trade_s;
    int64_t trade_t_ns;
    int has_quote; /* lastQuote: P/S ask, p/s bid */
    double ask, ask_size, bid, bid_size;
} pg_snap;

typedef struct pg_snap_vec {
    pg_snap *v;
    size_t n, cap;
    size_t skipped; /* tickers refused (a present field that is not a valid number) */
    char why[200];  /* the first refusal: "tickers[3] (AAPL): day.c is not a finite number" */
} pg_snap_vec;

/* Snapshot answers: appends every valid ticker to out (the "tickers" array; a ticker with a bad
 * field is skipped and counted, the first reason kept in out->why). -1 with e on malformed JSON,
 * a status of ERROR / NOT_AUTHORIZED, or a "tickers" that is not an array. */
int pg_parse_snapshot(const char *text, size_t len, pg_snap_vec *out, pg_page *page, tb_err *e);

/* The ticker's entry in v, or NULL. */
const pg_snap *pg_snap_find(const pg_snap_vec *v, const char *ticker);

void pg_snap_vec_free(pg_snap_vec *v);

/* /v3/snapshot/indices: results[0].value (I:VIX). */
int pg_parse_index_value(const char *text, size_t len, double *value, pg_page *page, tb_err *e);

#endif
