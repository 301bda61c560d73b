/*
 * ibkr_hpace.h - the scheduler of IB historical-data requests, separate from the 40 msg/s pacer
 * every message passes (field-lessons, Pacing; IB answers 162 "pacing violation" otherwise):
 * no identical request within 15 s, at most 5 requests for one contract in any 2 s (IB counts six
 * or more within two seconds as a violation), at most 60 in any 10 minutes. Requests wait in one
 * queue in arrival order; the head goes when all three rules allow it (a later request never
 * overtakes it). The caller drives it from a timer with the time it reads, so the decisions are
 * tested on a fake clock. margin_ns is added to every window (the Gateway measures on its own
 * clock, after the network).
 */
#ifndef TB_BROKER_IBKR_HPACE_H
#define TB_BROKER_IBKR_HPACE_H

#include <stddef.h>
#include <stdint.h>

#define IBKR_HP_IDENTICAL_NS (15LL * 1000000000)
#define IBKR_HP_CONTRACT_NS  (2LL * 1000000000)
#define IBKR_HP_CONTRACT_MAX 5 /* allowed in any 2 s: the sixth is a violation */
#define IBKR_HP_WINDOW_NS    (600LL * 1000000000)
#define IBKR_HP_WINDOW_MAX   60
#define IBKR_HP_KEY_MAX      128
#define IBKR_HP_QUEUE_MAX    512

typedef struct ibkr_hpace_stats {
    uint64_t queued, sent, delayed; /* delayed: had to wait for a rule */
    uint64_t by_identical, by_contract, by_window;
    size_t waiting;
} ibkr_hpace_stats;

typedef struct ibkr_hpace ibkr_hpace;

/* NULL when out of memory. */
ibkr_hpace *ibkr_hpace_new(int64_t margin_ns);
void ibkr_hpace_free(ibkr_hpace *p);

/* Queues one request: key is the request with everything but its id (identical requests have
 * equal keys), contract the instrument, tag the caller's handle. -1 when the queue is full. */
int ibkr_hpace_push(ibkr_hpace *p, const char *key, const char *contract, int64_t tag);

/*
 * The head of the queue at now_ns: 1 with *tag when it may be sent now (it is recorded as sent),
 * 0 with *wait_ns (> 0) until it may, -1 when the queue is empty.
 */
int ibkr_hpace_pop(ibkr_hpace *p, int64_t now_ns, int64_t *tag, int64_t *wait_ns);

/* Requests waiting. */
size_t ibkr_hpace_waiting(const ibkr_hpace *p);

/* Forgets the queue (the connection it was for is gone); the send history stays: IB counts it. */
void ibkr_hpace_clear(ibkr_hpace *p);

void ibkr_hpace_stats_get(const ibkr_hpace *p, ibkr_hpace_stats *out);

#endif
