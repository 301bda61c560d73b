#include "http/sse.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

typedef struct client {
    struct evhttp_request *r;
    struct evhttp_connection *c;
    tb_sse *owner;
} client;

struct tb_sse {
    client cl[TB_SSE_MAX_CLIENTS];
    size_t n;
};

tb_sse *tb_sse_new(void)
{
    return calloc(1, sizeof(tb_sse));
}

static void remove_at(tb_sse *s, size_t i)
{
    s->cl[i] = s->cl[--s->n];
}

/* The browser went away. libevent detaches a reply still streaming from its connection and
 * leaves freeing it to us; a request still attached is freed with its connection. */
static void on_close(struct evhttp_connection *c, void *arg)
{
    tb_sse *s = arg;
    for (size_t i = 0; i < s->n; i++)
        if (s->cl[i].c == c) {
            struct evhttp_request *r = s->cl[i].r;
            remove_at(s, i);
            if (!evhttp_request_get_connection(r)) evhttp_request_free(r);
            return;
        }
}

int tb_sse_add(tb_sse *s, struct evhttp_request *r)
{
    if (s->n == TB_SSE_MAX_CLIENTS) {
        evhttp_send_error(r, 503, "too many streams");
        return -1;
    }
    struct evhttp_connection *c = evhttp_request_get_connection(r);
    struct evkeyvalq *h = evhttp_request_get_output_headers(r);
    evhttp_add_header(h, "Content-Type", "text/event-stream");
    evhttp_add_header(h, "X-Accel-Buffering", "no");
    evhttp_send_reply_start(r, 200, "OK");
    evhttp_connection_set_closecb(c, on_close, s);
    s->cl[s->n++] = (client){.r = r, .c = c, .owner = s};
    /* the retry hint makes browsers reconnect quickly after an engine restart */
    tb_sse_broadcast(s, "hello", "{}");
    return 0;
}

void tb_sse_broadcast(tb_sse *s, const char *event, const char *data)
{
    if (!s->n) return;
    struct evbuffer *msg = evbuffer_new();
    if (!msg) return;
    evbuffer_add_printf(msg, "retry: 2000\nevent: %s\ndata: %s\n\n", event, data);
    size_t len = evbuffer_get_length(msg);
    const unsigned char *bytes = evbuffer_pullup(msg, -1);
    for (size_t i = 0; i < s->n; i++) {
        struct evbuffer *b = evbuffer_new();
        if (!b) continue;
        evbuffer_add(b, bytes, len);
        evhttp_send_reply_chunk(s->cl[i].r, b);
        evbuffer_free(b);
    }
    evbuffer_free(msg);
}

size_t tb_sse_count(const tb_sse *s)
{
    return s ? s->n : 0;
}

void tb_sse_free(tb_sse *s)
{
    if (!s) return;
    while (s->n) {
        client c = s->cl[s->n - 1];
        s->n--;
        evhttp_connection_set_closecb(c.c, NULL, NULL);
        evhttp_send_reply_end(c.r);
    }
    free(s);
}
