/*
 * alpaca_data_json.h - Alpaca market data v2 messages parsed into bars: the real-time stream's
 * JSON arrays (success, subscription, error, bar "b", updated bar "u") and the bars REST pages
 * (single symbol: "bars" is an array; multi-symbol: "bars" is an object of arrays), with their
 * next_page_token. Pure functions, unit-tested and fuzzed.
 */
#ifndef TB_FEED_ALPACA_DATA_JSON_H
#define TB_FEED_ALPACA_DATA_JSON_H

#include "data/bar.h"
#include "data/symbols.h"

#include <stddef.h>

typedef enum {
    AD_MSG_SUCCESS,      /* msg: "connected" or "authenticated" */
    AD_MSG_SUBSCRIPTION, /* the server's list of what we are subscribed to */
    AD_MSG_ERROR,        /* code (400..500) and msg */
    AD_MSG_BAR,          /* "b": a minute bar that just closed */
    AD_MSG_UPDATED_BAR,  /* "u": a correction of a bar already sent (late trades) */
    AD_MSG_OTHER         /* trades, quotes, daily bars, statuses: not used by the feed */
} ad_msg_type;

typedef struct ad_msg {
    ad_msg_type type;
    int code;      /* AD_MSG_ERROR */
    char msg[128]; /* AD_MSG_SUCCESS, AD_MSG_ERROR */
    int nbars;     /* AD_MSG_SUBSCRIPTION: how many bar symbols the server confirmed */
    tb_bar bar;    /* AD_MSG_BAR, AD_MSG_UPDATED_BAR (tf 60, symbol interned) */
} ad_msg;

typedef void (*ad_msg_fn)(void *ud, const ad_msg *m);

/*
 * Parses one stream message (a JSON array of objects, or one object) and calls fn for each
 * element, in order. A bar with a missing or bad field is an error for that element only (it is
 * skipped and counted in *bad). Returns -1 when the text is not JSON at all.
 */
int ad_parse_stream(const char *text, size_t len, tb_symtab *syms, ad_msg_fn fn, void *ud, int *bad,
                    tb_err *e);

/*
 * Parses one page of GET /v2/stocks/{symbol}/bars (symbol given: "bars" is an array) or
 * GET /v2/stocks/bars (symbol NULL: "bars" is an object keyed by symbol) and appends the bars of
 * tf_sec to out. next_token gets the next_page_token ("" on the last page).
 */
int ad_parse_bars_page(const char *text, size_t len, tb_symtab *syms, const char *symbol,
                       int32_t tf_sec, tb_bar_vec *out, char *next_token, size_t cap, tb_err *e);

/* The error of a REST answer ({"code":..., "message":...}) into msg; "" when none. */
void ad_parse_rest_error(const char *text, size_t len, char *msg, size_t cap);

#endif
