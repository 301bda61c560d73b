/* live_ibkr_tick.c - the IB live feed's duties on the wall clock, once a second: what no
 * message triggers (see live_ibkr.c's header). */
#include "feed/live_ibkr_priv.h"
#include "log/log.h"
#include "net/watchdog.h"
#include "util/clock.h"

#include <stdio.h>

/* Connected but silent: every subscription is cancelled and requested again (which arms the
 * backfill of the gap); the next judgement counts from this resubscription. */
static void watch_silence(li *x, int64_t now)
{
    if (!x->o->cal || x->n == 0) return;
    int64_t last = x->last_bar_ns > x->last_sub_ns ? x->last_bar_ns : x->last_sub_ns;
    double silent;
    if (tb_wd_stream(x->o->cal, now, live_ibkr_connected(x), last, x->stale_after_ns, &silent) !=
        TB_WD_SILENT)
        return;
    x->st.stale_resubscribes++;
    TB_WARN("feed",
            "ibkr feed: real-time bars silent: no 5 s bar for any of %d symbols for %.0f s while "
            "connected during market hours (feed_stale_after_s %.0f): cancelling and requesting "
            "them again, the gap is backfilled (stale resubscribe %llu)",
            x->n, silent, (double)x->stale_after_ns / 1e9,
            (unsigned long long)x->st.stale_resubscribes);
    char why[96];
    snprintf(why, sizeof why, "no 5 s bar for %.0f s (watchdog)", silent);
    live_ibkr_subscribe_all(x, why);
}

/* A thin symbol's minute without its +55 s bar closes minute end + grace. */
static void flush_thin(li *x, int i, int64_t now)
{
    li_sym *s = &x->s[i];
    tb_bar b;
    if (!ibkr_agg_flush_due(&s->agg, now, s->arrived_ns, x->grace_ns) ||
        !ibkr_agg_flush(&s->agg, &b))
        return;
    x->st.flushed++;
    live_ibkr_deliver_minute(x, i, &b);
}

/* A symbol armed for a backfill whose first minute does not come (no trade since the
 * subscription): backfilled up to the last minute that has ended on the wall clock. */
static void backfill_by_timer(li *x, int i, int64_t now)
{
    li_sym *s = &x->s[i];
    if (s->bf != BF_ARMED || !s->armed_ns || now - s->armed_ns < x->bf_after_ns ||
        !live_ibkr_connected(x) || !x->o->cal || !tb_cal_is_open(x->o->cal, now, 0))
        return;
    int64_t minute = now / TB_NS_PER_SEC / 60 * 60 - 60; /* the last minute that has ended */
    x->st.timer_backfills++;
    TB_INFO("feed",
            "ibkr feed: no minute of %s for %lld s since the subscription: backfilling "
            "without waiting for one",
            s->name, (long long)((now - s->armed_ns) / TB_NS_PER_SEC));
    live_ibkr_start_backfill(x, i, minute);
}

void live_ibkr_on_tick(evutil_socket_t fd, short w, void *arg)
{
    li *x = arg;
    int64_t now = tb_clock_now_ns();
    watch_silence(x, now);
    live_ibkr_expire_requests(x, tb_clock_mono_ns());
    for (int i = 0; i < x->n; i++) {
        flush_thin(x, i, now);
        backfill_by_timer(x, i, now);
        /* a chunk that found no free request slot (or a full pacer queue) is asked again */
        if (x->s[i].bf == BF_WAIT && x->s[i].bf_no_slot && live_ibkr_connected(x))
            live_ibkr_request_chunk(x, i);
    }
}
