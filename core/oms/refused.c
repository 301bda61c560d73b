#include "oms/refused.h"

#include "log/log.h"

#include <string.h>

const char *oms_refused_reason(const broker_update *u, int known, const char *why)
{
    if (!known) return "unknown_order";
    if (why && strstr(why, "wait for the locked database")) return "held_queue_full";
    if (why && strstr(why, "journal")) return "journal";
    if (why && strstr(why, "not a valid transition")) return "invalid_transition";
    if (u->has_exec) return "bad_execution";
    return "invalid_transition";
}

void oms_refused_report(tb_counters *c, const broker_update *u, int known, const char *why)
{
    const char *reason = oms_refused_reason(u, known, why);
    tb_counters_inc(c, reason);
    if (u->has_exec)
        TB_ERROR("oms",
                 "broker update refused (%s): client_id=%s broker_id=%s exec_id=%s qty=%lld "
                 "status=%s: %s",
                 reason, u->client_id ? u->client_id : "?", u->broker_id ? u->broker_id : "-",
                 u->exec_id ? u->exec_id : "-", (long long)u->exec_qty, oms_status_name(u->status),
                 why ? why : "");
    else
        TB_WARN("oms", "broker update refused (%s): client_id=%s broker_id=%s status=%s: %s",
                reason, u->client_id ? u->client_id : "?", u->broker_id ? u->broker_id : "-",
                oms_status_name(u->status), why ? why : "");
}
