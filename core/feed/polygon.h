/*
 * polygon.h - Polygon.io (now Massive) REST data: aggregates with next_url pagination, grouped
 * daily, stock snapshots (tickers, gainers, losers) and the I:VIX index value, through the
 * engine's HTTP client.
 *
 * The key goes in an Authorization header, never in a URL (URLs end up in logs). next_url is
 * followed only on the configured host, so the key is never sent elsewhere. Every page is one
 * request against the host's rate limit (the free plan: 5 a minute). NOT_AUTHORIZED (403) means
 * the plan lacks the data: a configuration error reported once, never retried. The base URL
 * comes from config (api.polygon.io, or api.massive.com): a change of host needs no code.
 */
#ifndef TB_FEED_POLYGON_H
#define TB_FEED_POLYGON_H

#include "data/bar.h"
#include "data/symbols.h"
#include "feed/polygon_json.h"
#include "net/http.h"

typedef struct polygon_opts {
    tb_http *http;
    const char *base_url; /* https://api.polygon.io */
    const char *api_key;
    double rate_per_minute; /* 5 on the free plan; 0: unlimited */
} polygon_opts;

/* The outcome of one fetch: bars (owned by the caller after the call: move them out), status. */
typedef struct polygon_result {
    int ok;           /* 1: every page fetched */
    pg_status status; /* the worst status seen (DELAYED marks delayed data) */
    int pages;
    long http_status;  /* of the last page (0: no answer) */
    tb_bar_vec bars;   /* the callee frees it after the callback: copy or swap it out */
    double value;      /* polygon_index_value */
    pg_snap_vec snaps; /* polygon_snapshot / polygon_movers: freed like bars */
    const char *error; /* when !ok */
} polygon_result;

typedef void (*polygon_done_fn)(void *ud, polygon_result *r);

typedef struct polygon polygon;

polygon *polygon_new(const polygon_opts *o, tb_err *e);

/* Frees the client and what is still in flight: free the HTTP client first (it then calls
 * nothing back), or wait for the callbacks. */
void polygon_free(polygon *p);

/* Aggregates of ticker (mult x timespan, from..to as YYYY-MM-DD), every page. */
int polygon_aggs(polygon *p, const char *ticker, uint32_t sym, int mult, const char *timespan,
                 const char *from, const char *to, polygon_done_fn fn, void *ud, tb_err *e);

/* The whole market's daily bars of one day; tickers interned into syms. */
int polygon_grouped(polygon *p, const char *day, tb_symtab *syms, polygon_done_fn fn, void *ud,
                    tb_err *e);

/* Snapshots of n tickers (n 0: the whole market, one request) from
 * /v2/snapshot/locale/us/markets/stocks/tickers. Symbols with characters outside [A-Za-z0-9.:-]
 * are refused (they would change the URL). */
int polygon_snapshot(polygon *p, const char *const *tickers, int n, polygon_done_fn fn, void *ud,
                     tb_err *e);

/* Today's top 20 gainers (gainers 1) or losers (0): snapshots as above. */
int polygon_movers(polygon *p, int gainers, polygon_done_fn fn, void *ud, tb_err *e);

/* The latest value of an index ("I:VIX"). */
int polygon_index_value(polygon *p, const char *ticker, polygon_done_fn fn, void *ud, tb_err *e);

/* Reads the Polygon key: POLYGON_API_KEY, else file (mode 0600: "POLYGON_API_KEY=..." or the
 * bare key). */
int tb_polygon_load_key(const char *file, char *key, size_t cap, tb_err *e);

#endif
