/*
 * fake_broker_priv.h - the fake broker's book and the helpers its two files share:
 * fake_broker.c (the vtable, delivery, reconciliation) and fake_broker_match.c (trading).
 */
#ifndef TB_SIM_FAKE_BROKER_PRIV_H
#define TB_SIM_FAKE_BROKER_PRIV_H

#include "fake_broker.h"
#include "sim_rng.h"

#include <stddef.h>

typedef struct fb_order {
    char cid[OMS_CLIENT_ID_MAX + 1];
    int sym, parent, tp, sl, last_exec;
    oms_side side;
    oms_type type;
    oms_tif tif;
    oms_leg leg;
    oms_status st;
    tb_qty qty, filled;
    tb_money limit, stop;
    int triggered;   /* a stop (or stop-limit) has been touched */
    int sends;       /* submits of this client id that reached the broker */
    int undelivered; /* updates made and not yet handed over (or lost) */
    int live_slot;   /* index in live[], -1 when final */
} fb_order;

typedef struct fb_exec {
    int order, prev, delivered;
    tb_qty qty, cum;
    tb_money price;
    oms_status st; /* the order's status after it */
    int64_t t_ns;
} fb_exec;

typedef struct fb_msg {
    int64_t due;
    int order, exec, dup;
    oms_status st;
    const char *reason;
} fb_msg;

typedef struct fb_sym {
    char name[OMS_SYMBOL_MAX + 1];
    tb_qty pos, undelivered;
    tb_money last;
} fb_sym;

struct fake_broker {
    fb_config c;
    sim_rng rng;
    broker_state state;
    int64_t step, reconnect_at, disconnects, t_ns;
    broker_update_fn fn;
    void *fn_ud;
    oms *m;
    fb_order *o;
    int no;
    int *map; /* client id -> order index + 1; 0 empty */
    uint32_t mapcap;
    int *live, nlive;
    fb_exec *x;
    int nx;
    int64_t delivered;
    int max_sends, max_sends_order;
    fb_msg *q;
    int nq, capq;
    fb_sym sym[FB_MAX_SYMBOLS];
    int nsym;
    tb_money cash;
};

/* One trace line (when the configuration has a trace callback). */
void fbp_trace(fake_broker *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Queues an update (or loses it while the stream is down); the order stays marked until it is
 * handed over or reconciled. xi: an execution, or -1 for a status. */
void fbp_emit(fake_broker *b, int oi, int xi, oms_status st, const char *reason);

/* Takes a final order off the working list. */
void fbp_unlive(fake_broker *b, int oi);

/* Sets the broker's status of an order (off the working list when final) and reports it. */
void fbp_set_final(fake_broker *b, int oi, oms_status st, const char *reason);

/* The index of a symbol in the book (added when new); -1 when the book is full. */
int fbp_sym_index(fake_broker *b, const char *name);

/* The id of execution x ("fx-<x>"). */
const char *fbp_exec_id(int x, char *buf, size_t n);

#endif
