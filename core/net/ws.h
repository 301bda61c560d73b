/*
 * ws.h - a websocket client for the vendor streams: wslay framing over libevent bufferevents,
 * TLS through libevent-openssl (peer and host name verified), on the engine's loop.
 *
 * The client owns its reconnects: when the socket drops or the handshake fails it waits (backoff
 * with jitter, from min to max, one reconnect at a time; Alpaca keeps a dropped socket "half
 * alive" for about 90 s and answers an instant reconnect with 406/429) and connects again;
 * on_open is called after every successful handshake so the owner authenticates and subscribes
 * again. Text and binary messages are both delivered (Alpaca's paper stream sends JSON in binary
 * frames).
 */
#ifndef TB_NET_WS_H
#define TB_NET_WS_H

#include "util/err.h"

#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef enum { TB_WS_IDLE, TB_WS_CONNECTING, TB_WS_OPEN, TB_WS_WAITING } tb_ws_state;

typedef struct tb_ws_opts {
    struct event_base *base;
    const char *url;                         /* ws://host:port/path or wss://... */
    const char *ca_file;                     /* extra CA bundle (tests); NULL: the system store */
    long reconnect_min_ms, reconnect_max_ms; /* defaults 2000 and 60000 */
    long idle_timeout_ms;                    /* no byte for this long: reconnect (0: never) */
    void (*on_open)(void *ud);
    void (*on_message)(void *ud, const char *data, size_t len, int binary);
    void (*on_close)(void *ud, const char *why); /* a reconnect follows */
    void *ud;
} tb_ws_opts;

typedef struct tb_ws tb_ws;

/* Creates a client (nothing connects before tb_ws_start); NULL and e on a bad URL. */
tb_ws *tb_ws_new(const tb_ws_opts *o, tb_err *e);

/* Connects (and keeps reconnecting until tb_ws_free). */
int tb_ws_start(tb_ws *w, tb_err *e);

/* Queues a text message; -1 when not open. */
int tb_ws_send_text(tb_ws *w, const char *text, size_t len);

/* Drops the connection now (as if the peer did): the reconnect logic takes over. */
void tb_ws_drop(tb_ws *w, const char *why);

/* Drops the connection and waits at least min_wait_ms (plus jitter) before reconnecting: what a
 * "connection limit exceeded" (Alpaca 406: the old socket stays half alive ~90 s) asks for. */
void tb_ws_drop_after(tb_ws *w, const char *why, long min_wait_ms);

/* Closes and stops reconnecting (bad keys: a tight retry would only be refused again);
 * tb_ws_start connects again. */
void tb_ws_halt(tb_ws *w, const char *why);

/* Reconnects scheduled so far. */
uint64_t tb_ws_reconnects(const tb_ws *w);

/* Closes without reconnecting and frees. */
void tb_ws_free(tb_ws *w);

/* Splits a ws(s) URL; 0 or -1. host gets cap bytes, path gets cap bytes. */
int tb_ws_parse_url(const char *url, int *tls, char *host, int *port, char *path, size_t cap);

#endif
