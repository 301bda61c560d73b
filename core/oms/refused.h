/*
 * refused.h - broker updates the order manager could not apply: logged with their ids and
 * counted by reason, never dropped in silence. A refused fill means positions in memory no longer
 * match the broker's; the operator needs the client id, broker order id and execution id to find
 * it, and /metrics needs the count (tradebot_broker_updates_refused_total{broker,reason}).
 */
#ifndef TB_OMS_REFUSED_H
#define TB_OMS_REFUSED_H

#include "oms/broker.h"
#include "util/counters.h"

/* The reason label of a refusal: "unknown_order", "invalid_transition", "bad_execution",
 * "journal" or "held_queue_full" (why is the error message, known says whether the OMS holds
 * the order). */
const char *oms_refused_reason(const broker_update *u, int known, const char *why);

/* Counts the refusal under its reason in c and logs it at WARN with every id it has. */
void oms_refused_report(tb_counters *c, const broker_update *u, int known, const char *why);

#endif
