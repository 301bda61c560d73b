/*
 * held.h - broker updates the order manager could not journal yet (the database was locked by
 * another process), kept in arrival order until they can be committed.
 *
 * A fill is applied to orders and positions only once its row is committed, so an update that
 * meets a locked database is copied here instead of being dropped; every later update waits
 * behind it, so the broker's order of events is kept. The queue is a ring allocated once; when
 * it is full the newest update is refused (the caller counts and logs it: the broker's
 * reconciliation reports executions again by id).
 */
#ifndef TB_OMS_HELD_H
#define TB_OMS_HELD_H

#include "oms/broker.h"
#include "oms/order.h"

#include <stdint.h>

/* One broker_update with its strings copied. */
typedef struct oms_held_update {
    char client_id[OMS_CLIENT_ID_MAX + 1];
    char broker_id[OMS_BROKER_ID_MAX + 1];
    char reason[OMS_REASON_MAX + 1];
    char exec_id[OMS_EXEC_ID_MAX + 1];
    broker_update u; /* strings point into the fields above (see oms_held_view) */
} oms_held_update;

typedef struct oms_held {
    oms_held_update *ring;
    uint32_t cap, head, n;
} oms_held;

/* Allocates room for cap updates; 0 or -1 when out of memory. */
int oms_held_init(oms_held *h, uint32_t cap);
void oms_held_free(oms_held *h);

/* Copies u to the tail; -1 when full (nothing copied). */
int oms_held_push(oms_held *h, const broker_update *u);

/* The oldest update (strings valid until it is popped), or NULL when empty. */
const broker_update *oms_held_front(oms_held *h);

/* The i-th update from the oldest (i < h->n). */
const broker_update *oms_held_at(const oms_held *h, uint32_t i);

/* Drops the oldest update. */
void oms_held_pop(oms_held *h);

#endif
