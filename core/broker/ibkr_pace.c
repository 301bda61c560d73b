#include "broker/ibkr_pace.h"
#include "util/clock.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <stdlib.h>
#include <time.h>

#define SEC_NS 1000000000LL

struct ibkr_pacer {
    int per_sec;
    int64_t *sent_ns;       /* ring of the last per_sec send times */
    int head;               /* oldest entry */
    struct evbuffer *queue; /* whole frames, in order */
    size_t nqueued;
    struct event *timer;
    ibkr_pace_write_fn write;
    void *ud;
    ibkr_pace_stats st;
};

/* 0 when a message may go now, else the nanoseconds to wait. */
static int64_t wait_ns(const ibkr_pacer *p, int64_t now)
{
    int64_t free_at = p->sent_ns[p->head] + SEC_NS; /* the oldest of the last per_sec */
    return p->sent_ns[p->head] == 0 || free_at <= now ? 0 : free_at - now;
}

static int emit(ibkr_pacer *p, const void *frame, size_t len, int64_t now)
{
    p->sent_ns[p->head] = now;
    p->head = (p->head + 1) % p->per_sec;
    p->st.sent++;
    return p->write(p->ud, frame, len);
}

static void arm(ibkr_pacer *p, int64_t ns)
{
    ns += 1000000; /* a millisecond late rather than early: the window is strict */
    struct timeval tv = {(time_t)(ns / SEC_NS), (suseconds_t)(ns % SEC_NS / 1000)};
    evtimer_add(p->timer, &tv);
}

/* The length of the first queued frame (its 4-byte prefix included). */
static size_t front_len(ibkr_pacer *p)
{
    unsigned char h[4];
    evbuffer_copyout(p->queue, h, 4);
    return 4 + ((size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3]);
}

static void emit_front(ibkr_pacer *p, int64_t now)
{
    size_t len = front_len(p);
    emit(p, evbuffer_pullup(p->queue, (ev_ssize_t)len), len, now);
    evbuffer_drain(p->queue, len);
    p->nqueued--;
}

static void drain(evutil_socket_t fd, short w, void *arg)
{
    ibkr_pacer *p = arg;
    while (p->nqueued) {
        int64_t now = tb_clock_mono_ns(), ns = wait_ns(p, now);
        if (ns) return arm(p, ns);
        emit_front(p, now);
    }
}

size_t ibkr_pacer_flush(ibkr_pacer *p, long bound_ms)
{
    int64_t end = tb_clock_mono_ns() + (int64_t)bound_ms * 1000000;
    while (p->nqueued) {
        int64_t now = tb_clock_mono_ns(), ns = wait_ns(p, now);
        if (now + ns > end) break;
        if (ns) {
            struct timespec ts = {(time_t)(ns / SEC_NS), (long)(ns % SEC_NS)};
            nanosleep(&ts, NULL);
            continue;
        }
        emit_front(p, now);
    }
    if (!p->nqueued) evtimer_del(p->timer);
    return p->nqueued;
}

ibkr_pacer *ibkr_pacer_new(struct event_base *base, int per_sec, ibkr_pace_write_fn write, void *ud)
{
    ibkr_pacer *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->per_sec = per_sec > 0 ? per_sec : IBKR_PACE_DEFAULT;
    p->write = write, p->ud = ud;
    p->sent_ns = calloc((size_t)p->per_sec, sizeof *p->sent_ns);
    p->queue = evbuffer_new();
    p->timer = evtimer_new(base, drain, p);
    if (!p->sent_ns || !p->queue || !p->timer) {
        ibkr_pacer_free(p);
        return NULL;
    }
    return p;
}

void ibkr_pacer_free(ibkr_pacer *p)
{
    if (!p) return;
    if (p->timer) event_free(p->timer);
    if (p->queue) evbuffer_free(p->queue);
    free(p->sent_ns);
    free(p);
}

int ibkr_pacer_send(ibkr_pacer *p, const void *frame, size_t len)
{
    if (len < 4) return -1;
    int64_t now = tb_clock_mono_ns();
    if (!p->nqueued && !wait_ns(p, now)) return emit(p, frame, len, now);
    if (evbuffer_add(p->queue, frame, len) != 0) return -1;
    p->nqueued++;
    p->st.delayed++;
    if (p->nqueued > p->st.max_queue) p->st.max_queue = p->nqueued;
    if (!evtimer_pending(p->timer, NULL)) arm(p, wait_ns(p, now));
    return 0;
}

size_t ibkr_pacer_clear(ibkr_pacer *p, void (*each)(void *ud, const void *frame, size_t len),
                        void *ud)
{
    size_t n = p->nqueued;
    while (each && p->nqueued) {
        size_t len = front_len(p);
        each(ud, evbuffer_pullup(p->queue, (ev_ssize_t)len), len);
        evbuffer_drain(p->queue, len);
        p->nqueued--;
    }
    evbuffer_drain(p->queue, evbuffer_get_length(p->queue));
    p->nqueued = 0;
    p->st.discarded += n;
    evtimer_del(p->timer);
    return n;
}

size_t ibkr_pacer_queued(const ibkr_pacer *p)
{
    return p->nqueued;
}

void ibkr_pacer_stats_get(const ibkr_pacer *p, ibkr_pace_stats *out)
{
    *out = p->st;
}
