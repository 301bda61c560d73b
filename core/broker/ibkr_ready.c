/*
 * ibkr_ready.c - whether the IB adapter can take a new order now, and why not (the broker
 * interface's not_ready, asked before an intent becomes an order: core/trade/admit.c).
 *
 * Not ready: no socket (disconnected, connecting), reconciling (syncing), paused by 1100 (IB's
 * servers lost; the Gateway is up but an order would sit there or be lost), within the window
 * around the Gateway's daily restart, or a Gateway whose server version is below the one our
 * message layouts are built for (refused at the greeting: broker/ibkr_conn.c).
 */
#include "broker/ibkr_priv.h"
#include "util/clock.h"

#include <stdio.h>

const char *ibk_not_ready(void *self, char *why, size_t why_len)
{
    ibkr *a = self;
    ibkr_conn_stats cs = {0};
    if (a->conn) ibkr_conn_stats_get(a->conn, &cs);
    ibkr_state cst = a->conn ? ibkr_conn_state(a->conn) : IBC_DISCONNECTED;
    if (cs.refused_version && cst != IBC_READY) {
        snprintf(why, why_len,
                 "ibkr: the Gateway offered server version %d; this engine needs %d (upgrade the "
                 "Gateway)",
                 cs.refused_version, IBKR_MIN_VERSION);
        return "server_version";
    }
    if (cst == IBC_PAUSED) {
        snprintf(why, why_len, "ibkr: paused: 1100 connectivity between IB and the Gateway lost");
        return "paused";
    }
    if (a->state != BROKER_READY) {
        snprintf(why, why_len, "ibkr: broker is %s, not ready for orders",
                 broker_state_name(a->state));
        return broker_state_name(a->state);
    }
    if (ibkr_in_restart_window(tb_clock_now_ns(), a->restart_sec, a->restart_utc,
                               a->o.restart_window_minutes)) {
        snprintf(why, why_len, "ibkr: within %d minutes of the Gateway's daily restart (%s %s)",
                 a->o.restart_window_minutes, a->restart_time, a->restart_zone);
        return "restart_window";
    }
    return NULL;
}
