/*
 * ibkr_pace.h - the one scheduler every outgoing TWS message passes: at most per_sec messages
 * in any one-second window (IB answers error 100 above about 50 a second; field-lessons,
 * Pacing). The excess waits in order in a queue drained by a libevent timer; nothing is dropped
 * while the connection lives. The window is sliding (the send times of the last per_sec
 * messages), so no calendar second sees more than per_sec either.
 */
#ifndef TB_BROKER_IBKR_PACE_H
#define TB_BROKER_IBKR_PACE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

#define IBKR_PACE_DEFAULT 40

typedef struct ibkr_pace_stats {
    uint64_t sent, delayed, discarded; /* delayed: went through the queue */
    size_t max_queue;                  /* most messages waiting at once */
} ibkr_pace_stats;

/* Writes one whole frame to the socket; 0 or -1. */
typedef int (*ibkr_pace_write_fn)(void *ud, const void *frame, size_t len);

typedef struct ibkr_pacer ibkr_pacer;

/* per_sec <= 0: IBKR_PACE_DEFAULT. NULL when out of memory. */
ibkr_pacer *ibkr_pacer_new(struct event_base *base, int per_sec, ibkr_pace_write_fn write,
                           void *ud);
void ibkr_pacer_free(ibkr_pacer *p);

/* Sends one framed message (4-byte length prefix included) now or queues it behind the others.
 * 0 when sent or queued, -1 when it could not be written or stored. */
int ibkr_pacer_send(ibkr_pacer *p, const void *frame, size_t len);

/* Forgets queued messages (the socket they were for is gone); returns how many. each (may be
 * NULL) sees every dropped frame first, so the caller can say which orders were in it. */
size_t ibkr_pacer_clear(ibkr_pacer *p, void (*each)(void *ud, const void *frame, size_t len),
                        void *ud);

/* Shutdown: sends what is queued now, still at most per_sec a second, waiting (blocking) up to
 * bound_ms in all; returns how many are left. */
size_t ibkr_pacer_flush(ibkr_pacer *p, long bound_ms);

/* Messages waiting. */
size_t ibkr_pacer_queued(const ibkr_pacer *p);

void ibkr_pacer_stats_get(const ibkr_pacer *p, ibkr_pace_stats *out);

#endif
