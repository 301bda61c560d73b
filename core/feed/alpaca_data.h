/*
 * alpaca_data.h - Alpaca market data v2 as a feed: minute bars over REST (one or many symbols,
 * every page_token page, feed iex or sip, limit 10000) and the real-time bars stream
 * (wss://stream.data.alpaca.markets/v2/<feed>) on the engine's loop.
 *
 * Stream: connect -> [{"T":"success","msg":"connected"}] -> auth -> "authenticated" -> subscribe
 * bars and updatedBars -> "subscription". Closed bars are delivered once per (symbol, start), in
 * order per symbol; an updated bar ("u") replaces the bar of the same (symbol, start) and is
 * delivered with corrected = 1. A minute without a bar is a gap, counted, never invented.
 *
 * Faults (alpaca.md, field-lessons.md): 406 "connection limit exceeded" means another socket
 * holds the key or our dropped one is still "half alive" on their side for ~90 s: we back off
 * that long (with jitter). 401/402 (auth): the stream stops, no tight retry; it is a
 * configuration problem the log says once. 409 (insufficient subscription: sip without the
 * plan) likewise. Other drops reconnect with the websocket client's backoff and jitter, one
 * reconnect at a time; after every reconnect we resubscribe and backfill the gap over REST
 * (bars from the stream that arrive meanwhile wait, so the order holds and nothing repeats).
 */
#ifndef TB_FEED_ALPACA_DATA_H
#define TB_FEED_ALPACA_DATA_H

#include "data/bar.h"
#include "data/symbols.h"
#include "feed/alpaca_data_json.h"
#include "net/http.h"

struct event_base;

typedef enum {
    AD_IDLE,
    AD_CONNECTING,     /* socket and websocket handshake, then "connected" */
    AD_AUTHENTICATING, /* auth sent */
    AD_SUBSCRIBING,    /* subscribe sent */
    AD_BACKFILLING,    /* subscribed; fetching the gap over REST */
    AD_LIVE,           /* bars flow */
    AD_WAITING,        /* dropped: reconnect scheduled */
    AD_AUTH_FAILED,    /* 401/402: stopped until the keys are fixed */
    AD_NOT_ENTITLED    /* 409: the plan lacks the feed (sip): stopped */
} ad_state;

typedef struct alpaca_data_opts {
    struct event_base *base;
    tb_http *http;
    const char *data_url;   /* https://data.alpaca.markets */
    const char *stream_url; /* wss://stream.data.alpaca.markets/v2 (the feed is appended) */
    const char *feed;       /* "iex" | "sip" */
    const char *key_id, *secret_key;
    const char *ca_file;    /* tests: an extra CA bundle */
    tb_symtab *syms;        /* symbols are interned here */
    double rate_per_minute; /* data API requests a minute (Alpaca's free plan: 200); 0: none */
    long limit_backoff_ms;  /* wait after 406 (default 90000) */
    long reconnect_min_ms, reconnect_max_ms; /* other drops (defaults 2000, 60000) */
    void (*on_bar)(void *ud, const tb_bar *b, int corrected);
    void (*on_state)(void *ud, ad_state s, const char *why); /* optional */
    void *ud;
} alpaca_data_opts;

typedef struct alpaca_data_result {
    int ok;
    int pages;
    long http_status;  /* of the last page */
    tb_bar_vec bars;   /* sorted by start then symbol; freed after the callback: swap it out */
    const char *error; /* when !ok */
} alpaca_data_result;

typedef void (*alpaca_data_done_fn)(void *ud, alpaca_data_result *r);

typedef struct alpaca_data_stats {
    uint64_t bars, corrected, duplicates, gap_minutes, messages, bad_messages, errors, limit_406,
        auth_failures, reconnects, opens, backfills, backfilled_bars, pages;
    uint64_t stale_reconnects; /* reconnects the silence watchdog asked for */
    int last_error_code;
    int64_t last_bar_wall_ns;   /* wall time of the last bar message (any symbol, even a repeat) */
    int64_t last_subscribed_ns; /* wall time of the last subscription acknowledgement */
} alpaca_data_stats;

typedef struct alpaca_data alpaca_data;

alpaca_data *alpaca_data_new(const alpaca_data_opts *o, tb_err *e);

/* Closes the stream and frees, with what is still in flight: free the HTTP client first (it
 * then calls nothing back), or wait for the callbacks. */
void alpaca_data_free(alpaca_data *a);

/* Minute bars of symbols in [from_ns, to_ns), every page; one symbol uses
 * /v2/stocks/{symbol}/bars, several /v2/stocks/bars?symbols=. */
int alpaca_data_bars(alpaca_data *a, const char *const *symbols, int n, int64_t from_ns,
                     int64_t to_ns, alpaca_data_done_fn fn, void *ud, tb_err *e);

/* Starts the stream for these symbols (copied); reconnects until alpaca_data_free. */
int alpaca_data_subscribe(alpaca_data *a, const char *const *symbols, int n, tb_err *e);

/* Drops a connected-but-silent stream (counted as a stale reconnect); the websocket's backoff
 * reconnects it, resubscribes and backfills the gap over REST, from the last bar it has or, when
 * none came at all, from since_ns (the session's open; 0: no floor). Nothing when not
 * connected. */
void alpaca_data_reconnect(alpaca_data *a, const char *why, int64_t since_ns);

ad_state alpaca_data_state(const alpaca_data *a);
const char *alpaca_data_state_name(ad_state s);
void alpaca_data_stats_get(const alpaca_data *a, alpaca_data_stats *out);

#endif
