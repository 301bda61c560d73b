/*
 * paper_tap.h - the simulation's second mode: the engine's own paper broker, as `tradebot run`
 * uses it (inside the trader, fed by its bars, rebuilt from the journal after a restart), with a
 * tap between it and the order manager that sees what only a broker would: each client id's
 * sends, each execution handed over, and each submit (for the kill-switch invariant).
 */
#ifndef TB_SIM_PAPER_TAP_H
#define TB_SIM_PAPER_TAP_H

#include "oms/broker.h"

#include <stdint.h>

typedef struct paper_tap paper_tap;

typedef struct paper_tap_config {
    void (*on_submit)(void *ud, const broker_submit_req *r);
    void (*trace)(void *ud, const char *line);
    void *ud;
} paper_tap_config;

paper_tap *paper_tap_new(const paper_tap_config *c);
void paper_tap_free(paper_tap *t);

/* A broker that forwards to inner (the trader's paper broker) and watches; give it to
 * oms_set_broker in place of inner. */
broker paper_tap_wrap(paper_tap *t, broker inner);

/* Distinct executions handed to the engine; the most sends of one client id (and which). */
int64_t paper_tap_delivered(const paper_tap *t);
int paper_tap_max_sends(const paper_tap *t, const char **client_id);

#endif
