/*
 * feeds.h - which feed the engine runs: "feed": "replay" (stored or sample bars), "alpaca"
 * (Alpaca market data v2), "polygon" / its new name "massive" (minute aggregates polled over
 * REST) or "ibkr" (IB Gateway's real-time bars; the broker's socket when "broker" is "ibkr"). For a
 * live feed this builds its options from the configuration, the keys and the symbols to subscribe:
 * config "symbols", else the candidates file's, else the strategies'.
 */
#ifndef TB_ENGINE_FEEDS_H
#define TB_ENGINE_FEEDS_H

#include "feed/live.h"

struct tb_engine;

/* Symbols one live feed subscribes (Alpaca's paid plans take any number on one stream). */
#define TB_FEED_MAX_SYMBOLS 1024

/* What the options point into, alive until tb_runner_open has copied it. */
typedef struct tb_engine_feed_buf {
    char sym[TB_FEED_MAX_SYMBOLS][16];
    const char *symv[TB_FEED_MAX_SYMBOLS];
    char key[128], secret[128];
} tb_engine_feed_buf;

/* 0: the configured feed is the replay (lo untouched); 1: lo describes the live feed; -1 with e
 * (no keys, no symbols, a feed this build lacks). Wipe buf's keys after use. */
int tb_engine_live_opts(struct tb_engine *en, tb_live_opts *lo, tb_engine_feed_buf *buf, tb_err *e);

/* The symbols a live feed subscribes (see above) into buf; returns how many (0: none). */
int tb_engine_feed_symbols(const struct tb_engine *en, tb_engine_feed_buf *buf);

#endif
