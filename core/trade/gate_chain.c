#include "trade/gate_chain.h"

int tb_gate_chain_add(tb_gate_chain *c, tb_gate_fn fn, tb_gate_tick_fn tick, void *ud)
{
    if (!fn) return 0;
    if (c->n == TB_GATE_CHAIN_MAX) return -1;
    c->link[c->n].fn = fn;
    c->link[c->n].tick = tick;
    c->link[c->n].ud = ud;
    c->n++;
    return 0;
}

int tb_gate_chain_fn(void *ud, const tb_gate_ctx *cx, const oms_intent *in, char *gate,
                     size_t gate_len, char *reason, size_t reason_len)
{
    tb_gate_chain *c = ud;
    for (int i = 0; i < c->n; i++)
        if (c->link[i].fn(c->link[i].ud, cx, in, gate, gate_len, reason, reason_len)) return 1;
    return 0;
}

void tb_gate_chain_tick(void *ud, const tb_gate_ctx *cx)
{
    tb_gate_chain *c = ud;
    for (int i = 0; i < c->n; i++)
        if (c->link[i].tick) c->link[i].tick(c->link[i].ud, cx);
}
