/*
 * sse.h - server-sent events (text/event-stream) to the dashboard pages.
 *
 * A stream is an evhttp reply that never ends; events are written as chunks. A closed browser
 * tab removes its stream through the connection's close callback. Broadcasting formats the
 * event once and queues it on each stream: no per-client work beyond the buffer copy.
 */
#ifndef TB_HTTP_SSE_H
#define TB_HTTP_SSE_H

#include <event2/http.h>
#include <stddef.h>

#define TB_SSE_MAX_CLIENTS 32

typedef struct tb_sse tb_sse;

tb_sse *tb_sse_new(void);

/* Turns the request into a stream (503 when TB_SSE_MAX_CLIENTS are open). Returns 0 or -1. */
int tb_sse_add(tb_sse *s, struct evhttp_request *r);

/* Sends "event: <event>\ndata: <data>\n\n" to every stream (data must be one line). */
void tb_sse_broadcast(tb_sse *s, const char *event, const char *data);

/* Open streams. */
size_t tb_sse_count(const tb_sse *s);

/* Ends every stream and frees. */
void tb_sse_free(tb_sse *s);

#endif
