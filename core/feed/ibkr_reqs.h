/*
 * ibkr_reqs.h - the IB feed's in-flight historical requests: ids from a range of their own, each
 * in a slot that is never handed out again while its request is in flight (an answer that comes
 * must find its request). An id whose slot is busy is skipped for the next one with a free slot;
 * when every slot is busy nothing is taken and the caller keeps its request for later. Ids only
 * grow, so an answer to a request that was freed (answered, abandoned) finds nothing. Pure: unit
 * tested.
 */
#ifndef TB_FEED_IBKR_REQS_H
#define TB_FEED_IBKR_REQS_H

#include <stdint.h>

#define IBKR_REQS_MAX 1024

typedef struct ibkr_reqs {
    int64_t base, next;
    int64_t ids[IBKR_REQS_MAX]; /* 0: free */
    int busy;
} ibkr_reqs;

/* Starts empty; ids are base, base + 1, ... (base > 0). */
void ibkr_reqs_init(ibkr_reqs *t, int64_t base);

/* Takes the next id whose slot is free: the slot (its index) with *id, or -1 when all are busy. */
int ibkr_reqs_take(ibkr_reqs *t, int64_t *id);

/* The slot of in-flight request id, or -1 (not ours, or freed). */
int ibkr_reqs_find(const ibkr_reqs *t, int64_t id);

/* Frees a slot (its request was answered or abandoned). */
void ibkr_reqs_free(ibkr_reqs *t, int slot);

/* Frees every slot (the connection the requests were sent on is gone); ids keep growing. */
void ibkr_reqs_clear(ibkr_reqs *t);

#endif
