/*
 * unknown.h - orders whose submission outcome is unknown, as the order manager sees them.
 *
 * A timeout, a 5xx, a 504 or a connection dropped after the send does not say whether the broker
 * created the order, and neither does a crash between the journal row and the acknowledgement.
 * Such an order is `unknown` (persisted like any status) until the broker confirms it or a
 * deadline passes; the adapters look it up by client order id meanwhile. While it is unknown, the
 * strategy that sent it gets no new order on that symbol: a second order on top of one that may
 * be working would double the position when both turn out to exist.
 */
#ifndef TB_OMS_UNKNOWN_H
#define TB_OMS_UNKNOWN_H

#include "oms/oms.h"

/*
 * Refuses an intent while an order of the same strategy and symbol has an unknown outcome:
 * -1 with e naming that order ("order <id> has an unknown outcome: ..."), else 0.
 */
int oms_unknown_refuse(const oms *m, const oms_intent *in, tb_err *e);

/*
 * The deadline of an unknown order: created_ns + after_ms when after_ms > 0, else the end of the
 * regular session the order was created in (16:00 or 13:00 ET; the next close when it was created
 * after the close).
 */
int64_t oms_unknown_deadline(const oms_order *o, long after_ms);

/* The deadline as RFC 3339 UTC to the second ("2026-11-30T21:00:00Z"), for log lines. */
void oms_unknown_deadline_text(const oms_order *o, long after_ms, char *out, size_t cap);

/* How many orders have an unknown outcome now (metrics, status). */
int oms_unknown_count(const oms *m);

/* How long to wait before lookup number `attempt` (0-based): 1, 2, 4, 8, 16, 30, 30 ... s. */
int64_t oms_unknown_backoff_ns(int attempt);

#endif
