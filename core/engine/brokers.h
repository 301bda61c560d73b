/*
 * brokers.h - the engine's real broker: built from the configuration ("broker": "alpaca" or "ibkr")
 * when the trader asks for one, and freed before the trader (the adapter points into its OMS).
 */
#ifndef TB_ENGINE_BROKERS_H
#define TB_ENGINE_BROKERS_H

#include "oms/broker.h"
#include "oms/oms.h"

struct tb_engine;

/* tb_trader_opts.make_broker for the engine (ud: the engine). */
int tb_engine_make_broker(void *ud, oms *m, broker *out, tb_err *e);

/*
 * Starts the runner (the feed) once the broker is ready: strategies trade only after the
 * broker has been reconciled. Starts it at once with the paper broker.
 */
int tb_engine_start_feed(struct tb_engine *en, tb_err *e);

/* The real broker (alpaca or ibkr) in *out: 1, or 0 with the paper broker. */
int tb_engine_real_broker(struct tb_engine *en, broker *out);

/* Frees the adapter and the HTTP client (before the trader). */
void tb_engine_brokers_close(struct tb_engine *en);

#endif
