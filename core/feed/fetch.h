/*
 * fetch.h - history from a market-data vendor into the bar store (`tradebot data fetch`):
 * Polygon's (Massive's) aggregates with next_url pagination, Polygon's grouped daily (the whole
 * market's daily bars, one request a day) or Alpaca's minute bars with page_token pagination.
 *
 * Runs on a private event loop until done (a one-shot command, never the engine's loop). What
 * the fetch ledger (feed/fetch_ledger.h) says is complete is not asked for again; the missing
 * trading days of a symbol are asked for in spans of consecutive days, one span at a time.
 * Minute bars are kept for the regular session only (what the live feed stores); a minute the
 * vendor has no bar for stays a gap, counted, never invented. The bars of a span and its
 * finished days' ledger rows are committed in one transaction; a day whose session (20:00 ET)
 * is not over is stored but not marked, so the next fetch asks again. 401/403 (bad key, plan
 * without the data) stop the fetch as a configuration error, without retries; 429 and 5xx are
 * retried by the HTTP client (Retry-After honoured); other failures skip the span and go on.
 */
#ifndef TB_FEED_FETCH_H
#define TB_FEED_FETCH_H

#include "data/calendar.h"
#include "store/db.h"

#include <stdint.h>

typedef enum { TB_FETCH_POLYGON, TB_FETCH_ALPACA } tb_fetch_vendor;

typedef struct tb_fetch_report {
    int64_t wanted;      /* (symbol, trading day) pairs in the range (grouped: days) */
    int64_t already;     /* of them complete in the ledger: not asked for */
    int64_t spans;       /* vendor calls (each one or more pages) */
    int64_t requests;    /* HTTP requests sent, retries included */
    int64_t pages;       /* answers read */
    int64_t bars;        /* bars stored */
    int64_t outside;     /* bars dropped: outside the regular session or the range */
    int64_t marked;      /* ledger rows written (days now complete) */
    int64_t gap_minutes; /* regular-session minutes without a bar, on complete days */
    int64_t failures;    /* spans that failed */
    int config_error;    /* 401/403: the fetch stopped */
    long http_status;    /* of the first failure */
    char error[320];     /* the first failure */
    char current[64];    /* what is being fetched (progress) */
} tb_fetch_report;

typedef struct tb_fetch_opts {
    tb_fetch_vendor vendor;
    const char *base_url;     /* Polygon base_url, or Alpaca's data_url */
    const char *key, *secret; /* Polygon: key only */
    const char *feed;         /* Alpaca: iex | sip */
    double rate_per_minute;   /* the vendor's limit (Polygon free: 5); 0: none */
    const char *ca_file;      /* tests */
    const char *const *symbols;
    int nsymbols;     /* ignored with grouped */
    tb_date from, to; /* inclusive; days after today are not asked for */
    int tf_sec;       /* 60 or 86400 (Alpaca: 60 only) */
    int grouped;      /* Polygon grouped daily (tf 86400, every ticker) */
    int64_t now_ns;   /* sessions over by now are complete */
    tb_db *db;
    void (*progress)(void *ud, const tb_fetch_report *r); /* after every span (optional) */
    void *ud;
} tb_fetch_opts;

/* The ledger's name of a vendor ("polygon", "alpaca"). */
const char *tb_fetch_vendor_name(tb_fetch_vendor v);

/* Fetches what is missing; fills r. 0 when every span succeeded, else -1 with e (the first
 * failure; r->config_error says whether it was the key or the plan). */
int tb_fetch_run(const tb_fetch_opts *o, tb_fetch_report *r, tb_err *e);

#endif
