/*
 * trader_state.h - the trader's state, shared by its files (trader.c: lifecycle and the bar path;
 * trader_fills.c: order events, fills and P&L; trader_gate.c: the gates and the kill switch;
 * trader_flatten.c: the session-end flatten; trader_restore.c: the restart). Not for users
 * outside core/trade/trader*.c: the Lua context reads the trader through trader_priv.h.
 */
#ifndef TB_TRADE_TRADER_STATE_H
#define TB_TRADE_TRADER_STATE_H

#include "data/ring.h"
#include "ind/ind_set.h"
#include "trade/admit.h"
#include "trade/trader.h"

/* Bar prices become exact money rounded to $0.0001: sub-penny quotes exist under $1. */
#define PRICE_TICK 100

typedef struct sym_state {
    ind_set *ind;
    tb_ring bars;
    double last;
    tb_money realized_seen;   /* the position's realised P&L at the last fill */
    tb_money fees_seen;       /* the position's fees at the last closing fill */
    int64_t open_ns;          /* first fill of the open position (0: flat) */
    int seeded;               /* realized_seen/fees_seen start from the restored position */
    tb_date flatten_held_day; /* a gate held the session-end flatten (logged once) */
    int ready;
} sym_state;

struct tb_trader {
    tb_trader_opts o;
    oms *oms;
    paper *paper;
    broker ext; /* a real broker (make_broker); ext.vt NULL: the paper broker trades */
    sym_state *sym;
    uint32_t nsym;
    /* what the strategy being called is looking at */
    int32_t cur_sym;
    int64_t now_ns;
    tb_session session;
    int32_t session_ymd; /* the session's day as YYYYMMDD */
    int in_session;
    /* The gates' view of the session: o.cal's session of the day, computed once per session
     * (tb_gate_ctx.session); gate_session_ok 0 when there is none. */
    tb_session gate_session;
    int gate_session_ok;
    /* oms position index -> symbol id (-1: not looked up yet), so the gates price every open
     * position per intent without a lookup by name (tb_gate_ctx.position_last). */
    int32_t *pos_sym;
    uint32_t npos_sym;
    tb_trader_stats st;
    tb_trade_rec *trades;
    size_t ntrades, captrades;
    int64_t resume_ns, bar_ns;
    tb_fill_rec fills[TB_TRADER_RECENT_FILLS]; /* a ring; nfills counts all ever */
    uint64_t nfills;
    tb_counters rejects, gate_blocks;
    int halted;
    char halt_reason[128];
    tb_admit admit;      /* broker readiness and reject holds, before the gates */
    oms_position *seeds; /* restored positions with P&L or fees (tb_trader_restored) */
    int nseeds;
};

static inline const char *sym_name(const tb_trader *t, int32_t id)
{
    return id >= 0 ? tb_symtab_name(t->o.syms, (uint32_t)id) : "";
}

/* trader_fills.c. The order manager's listener: counts fills, fees and rejects, records trades
 * and recent fills, checks the short invariant, and calls the owning strategy's on_fill or
 * on_order. */
void tb_trader_on_oms_event(void *ud, const oms_event *ev);

/* trader_flatten.c. Closes what is still open this close to the bell (opts.flatten_minutes). */
void tb_trader_flatten_if_late(tb_trader *t, const tb_bar *bar);

#endif
