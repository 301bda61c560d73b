/*
 * gate_chain.h - several gates as one: the risk gates, then the ML gate, each intent passing
 * them in order; the first that blocks decides. Ticks go to every link that has one.
 */
#ifndef TB_TRADE_GATE_CHAIN_H
#define TB_TRADE_GATE_CHAIN_H

#include "trade/trader.h"

#define TB_GATE_CHAIN_MAX 16

typedef struct tb_gate_chain {
    struct {
        tb_gate_fn fn;
        tb_gate_tick_fn tick;
        void *ud;
    } link[TB_GATE_CHAIN_MAX];
    int n;
} tb_gate_chain;

/* Appends a gate (fn NULL is ignored; tick may be NULL). -1 when the chain is full. */
int tb_gate_chain_add(tb_gate_chain *c, tb_gate_fn fn, tb_gate_tick_fn tick, void *ud);

/* tb_gate_fn and tb_gate_tick_fn over a chain: ud is a tb_gate_chain. */
int tb_gate_chain_fn(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate,
                     size_t gate_len, char *reason, size_t reason_len);
void tb_gate_chain_tick(void *ud, const tb_gate_ctx *cx);

#endif
