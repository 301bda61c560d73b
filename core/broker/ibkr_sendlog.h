/*
 * ibkr_sendlog.h - what an outgoing TWS frame is, in words, for the lines that say what was
 * written to the socket and what was dropped unsent (placeOrder id=507 ref=tb-..., cancelOrder
 * id=507, message 61). Reads the frame in place: nothing is allocated.
 */
#ifndef TB_BROKER_IBKR_SENDLOG_H
#define TB_BROKER_IBKR_SENDLOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct ibkr_frame_info {
    int64_t msg_id;   /* -1: unreadable */
    int64_t order_id; /* placeOrder / cancelOrder: the IB order id, else 0 */
    char ref[64];     /* placeOrder: orderRef (our client order id), else "" */
} ibkr_frame_info;

/* Reads a whole outgoing frame (4-byte length prefix included). */
void ibkr_frame_info_of(const void *frame, size_t len, ibkr_frame_info *out);

/* "placeOrder id=507 ref=tb-x", "cancelOrder id=507" or "message 61" into out. */
const char *ibkr_frame_describe(const ibkr_frame_info *i, char *out, size_t n);

#endif
