/*
 * admit.h - what the broker side says before an intent becomes an order: the broker must be
 * ready (broker_not_ready: disconnected, paused by 1100, in the Gateway's restart window...), and
 * a symbol whose order the broker rejected for good (broker/reject_class.h) takes no new entries
 * for hold_ns. The trader asks here first, before its gates, for every intent, the session-end
 * flatten included; a refusal is a gate block ("broker:<reason>" or "reject_hold") in the
 * decision log and counted per gate, and no order is created: orders are never queued while the
 * broker cannot take them (they would go out stale, if at all).
 *
 * Exits are refused too while the broker is not ready: they cannot be sent, and the strategy's
 * next signal (or the flatten, every bar) asks again once it is. A hold never stops an exit for
 * good: it refuses orders that would open or add to a position on that symbol (a short-sale
 * refusal holds only short entries), and paces exits the broker keeps rejecting (after the
 * k-th rejected exit the next waits 2^(k-1) minutes, at most 15; gate "reject_exit_backoff"),
 * so a position the broker will not let us close is not asked about on every bar. Cancels are
 * not intents and are not judged here.
 *
 * A position difference with the broker that persists across reconciliations (broker/posdiff.h)
 * refuses entries on its symbol the same way (gate "position_difference") until a reconciliation
 * sees it resolved: sizing on a position the broker does not confirm trades blind.
 */
#ifndef TB_TRADE_ADMIT_H
#define TB_TRADE_ADMIT_H

#include "oms/broker.h"
#include "oms/oms.h"

#include <stddef.h>

#define TB_ADMIT_HOLDS 64

typedef struct tb_admit_hold {
    char symbol[OMS_SYMBOL_MAX + 1];
    int shorts_only; /* the reason was about short selling: long entries go on */
    int64_t until_ns;
    char why[OMS_REASON_MAX + 1];
    int exit_sent;        /* an exit was admitted since the last rejection */
    int exit_rejects;     /* exits rejected while held: the next waits 1, 2, 4 ... 15 minutes */
    int64_t next_exit_ns; /* no exit before this (0: now) */
} tb_admit_hold;

typedef struct tb_admit {
    int64_t hold_ns; /* 0: no holds */
    tb_admit_hold hold[TB_ADMIT_HOLDS];
    int nhold;
    uint64_t not_ready_refusals, hold_refusals, holds_started, holds_ended, posdiff_refusals;
} tb_admit;

/* hold_minutes <= 0: permanent rejections start no hold. */
void tb_admit_init(tb_admit *a, double hold_minutes);

/*
 * 1 when the intent must not become an order now: gate ("broker:paused", "reject_hold",
 * "position_difference") and why
 * are filled. b is the broker orders go to; m gives the symbol's position (exit or entry); now_ns
 * is the trader's clock (the bar's end; wall time on a live feed).
 */
int tb_admit_check(tb_admit *a, broker b, const oms *m, const oms_intent *in, int64_t now_ns,
                   char *gate, size_t gate_len, char *why, size_t why_len);

/* An order was rejected: a permanent reason starts (or extends) its symbol's hold, logged once. */
void tb_admit_on_reject(tb_admit *a, const oms_order *o, int64_t now_ns);

/* Ends the holds that are over (each logged once). Cheap: call it every bar. */
void tb_admit_tick(tb_admit *a, int64_t now_ns);

/* The hold on a symbol, or NULL. */
const tb_admit_hold *tb_admit_hold_of(const tb_admit *a, const char *symbol);

#endif
