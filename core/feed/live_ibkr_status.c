/* live_ibkr_status.c - the IB live feed's figures for /api/status and /metrics. */
#include "feed/live_ibkr_priv.h"

static void set_u(json_t *o, const char *k, uint64_t v)
{
    json_object_set_new(o, k, json_integer((json_int_t)v));
}

void live_ibkr_status(void *sv, json_t *o)
{
    li *x = sv;
    ibkr_conn *c = live_ibkr_conn(x);
    ibkr_state st = c ? ibkr_conn_state(c) : IBC_DISCONNECTED;
    json_object_set_new(o, "state", json_string(ibkr_state_name(st)));
    json_object_set_new(o, "status",
                        json_string(live_ibkr_connected(x) ? "real-time" : "connecting"));
    json_object_set_new(o, "connection",
                        json_string(x->sharing ? "shared with the broker" : "own"));
    if (!x->sharing) set_u(o, "client_id", (uint64_t)x->client_id);
    set_u(o, "subscribes", x->st.subscribes);
    set_u(o, "resubscribes", x->st.resubscribes);
    set_u(o, "realtime_bars_5s", x->st.rt_bars);
    set_u(o, "farm_broken", x->st.farm_broken);
    set_u(o, "farm_resubscribes", x->st.farm_resubscribes);
    set_u(o, "data_lost_1101", x->st.data_lost);
    set_u(o, "backfills", x->st.backfills);
    set_u(o, "backfilled_bars", x->st.backfilled);
    set_u(o, "backfill_corrected", x->st.corrected);
    set_u(o, "hist_requests", x->st.hist_requests);
    set_u(o, "hist_pacing_162", x->st.pacing_162);
    set_u(o, "hist_nodata_162", x->st.nodata_162);
    set_u(o, "hist_366", x->st.code_366);
    set_u(o, "hist_errors", x->st.hist_errors);
    set_u(o, "hist_timeouts", x->st.hist_timeouts);
    set_u(o, "hist_no_slot", x->st.hist_no_slot);
    set_u(o, "hist_in_flight", (uint64_t)x->ids.busy);
    set_u(o, "held_refetched", x->st.held_refetched);
    ibkr_hpace_stats hs;
    ibkr_hpace_stats_get(x->hp, &hs);
    set_u(o, "hist_queued", hs.waiting);
    set_u(o, "hist_paced", hs.delayed);
    set_u(o, "stream_errors", x->st.errors);
    set_u(o, "stale_reconnects", x->st.stale_resubscribes);
    json_object_set_new(o, "stale_after_s", json_real((double)x->stale_after_ns / 1e9));
    set_u(o, "minutes_flushed", x->st.flushed);
    set_u(o, "timer_backfills", x->st.timer_backfills);
    uint64_t late = 0;
    for (int i = 0; i < x->n; i++) late += x->s[i].agg.late;
    set_u(o, "late_5s_bars", late);
}
