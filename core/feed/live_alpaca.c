/* live_alpaca.c - Alpaca market data as the live feed's vendor side: the bars stream, with its
 * reconnect backfill (alpaca_data.c), pushing closed bars into the live feed, and the silence
 * watchdog: a stream that stays connected but sends no bar for any symbol for stale_after while
 * the market is open is dropped, reconnected with the websocket's backoff and backfilled. */
#include "feed/alpaca_data.h"
#include "feed/live.h"
#include "log/log.h"
#include "net/watchdog.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct la {
    tb_live *l;
    alpaca_data *ad;
    const char *const *symbols;
    int nsymbols;
    const tb_cal *cal;
    int64_t stale_after_ns;
    struct event *wd; /* the watchdog's tick */
    double silent_s;  /* last judged silence, for the status */
} la;

static void on_watch(evutil_socket_t fd, short what, void *arg)
{
    la *x = arg;
    alpaca_data_stats st;
    alpaca_data_stats_get(x->ad, &st);
    ad_state as = alpaca_data_state(x->ad);
    int64_t last =
        st.last_bar_wall_ns > st.last_subscribed_ns ? st.last_bar_wall_ns : st.last_subscribed_ns;
    tb_wd_verdict v = tb_wd_stream(x->cal, tb_clock_now_ns(), as == AD_LIVE || as == AD_BACKFILLING,
                                   last, x->stale_after_ns, &x->silent_s);
    if (v != TB_WD_SILENT) return;
    char why[160];
    snprintf(why, sizeof why, "no bar for %.0f s while connected (watchdog)", x->silent_s);
    TB_WARN("feed",
            "alpaca data stream silent: no bar for any of %d symbols for %.0f s while connected "
            "during market hours (stale_after %.0f s): reconnecting, the gap is backfilled over "
            "REST (stale reconnect %llu)",
            x->nsymbols, x->silent_s, (double)x->stale_after_ns / 1e9,
            (unsigned long long)st.stale_reconnects + 1);
    tb_session ses;
    int64_t now = tb_clock_now_ns();
    int64_t open = tb_cal_session(x->cal, tb_cal_session_day(now), &ses) ? ses.open_ns : 0;
    alpaca_data_reconnect(x->ad, why, open);
}

static void on_bar(void *ud, const tb_bar *b, int corrected)
{
    la *x = ud;
    tb_live_push(x->l, b, corrected);
}

static void on_state(void *ud, ad_state s, const char *why)
{
    TB_INFO("feed", "alpaca data stream: %s (%s)", alpaca_data_state_name(s), why);
}

static int la_start(void *s, tb_err *e)
{
    la *x = s;
    if (x->wd) {
        struct timeval tv = {1, 0};
        event_add(x->wd, &tv);
    }
    return alpaca_data_subscribe(x->ad, x->symbols, x->nsymbols, e);
}

static void la_free(void *s)
{
    la *x = s;
    if (x->wd) event_free(x->wd);
    alpaca_data_free(x->ad);
    free(x);
}

static int la_connected(void *s)
{
    ad_state st = alpaca_data_state(((la *)s)->ad);
    return st == AD_LIVE || st == AD_BACKFILLING;
}

static void la_status(void *s, json_t *o)
{
    la *x = s;
    alpaca_data_stats st;
    alpaca_data_stats_get(x->ad, &st);
    ad_state as = alpaca_data_state(x->ad);
    const char *status = as == AD_LIVE           ? "real-time"
                         : as == AD_AUTH_FAILED  ? "not authorized"
                         : as == AD_NOT_ENTITLED ? "not entitled to this feed"
                                                 : "connecting";
    json_object_set_new(o, "state", json_string(alpaca_data_state_name(as)));
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "reconnects", json_integer((json_int_t)st.reconnects));
    json_object_set_new(o, "backfilled_bars", json_integer((json_int_t)st.backfilled_bars));
    json_object_set_new(o, "stream_errors", json_integer((json_int_t)st.errors));
    json_object_set_new(o, "last_error_code", json_integer(st.last_error_code));
    json_object_set_new(o, "stale_reconnects", json_integer((json_int_t)st.stale_reconnects));
    json_object_set_new(o, "stale_after_s", json_real((double)x->stale_after_ns / 1e9));
}

int tb_live_alpaca_src(tb_live *l, const tb_live_opts *o, tb_http *http, tb_live_src *out,
                       tb_err *e)
{
    la *x = calloc(1, sizeof *x);
    if (!x) return tb_errf(e, "alpaca data: out of memory");
    x->l = l, x->symbols = o->symbols, x->nsymbols = o->nsymbols, x->cal = o->cal;
    x->stale_after_ns = (int64_t)o->alpaca.stale_after_ms * 1000000;
    alpaca_data_opts ao = {.base = o->base,
                           .http = http,
                           .data_url = o->alpaca.data_url,
                           .stream_url = o->alpaca.stream_url,
                           .feed = o->alpaca.feed,
                           .key_id = o->alpaca.key_id,
                           .secret_key = o->alpaca.secret_key,
                           .ca_file = o->ca_file,
                           .syms = o->syms,
                           .rate_per_minute = o->alpaca.rate_per_minute,
                           .limit_backoff_ms = o->alpaca.limit_backoff_ms,
                           .reconnect_min_ms = o->alpaca.reconnect_min_ms,
                           .reconnect_max_ms = o->alpaca.reconnect_max_ms,
                           .on_bar = on_bar,
                           .on_state = on_state,
                           .ud = x};
    if (!(x->ad = alpaca_data_new(&ao, e))) {
        free(x);
        return -1;
    }
    if (x->stale_after_ns > 0 && x->cal &&
        !(x->wd = event_new(o->base, -1, EV_PERSIST, on_watch, x))) {
        alpaca_data_free(x->ad);
        free(x);
        return tb_errf(e, "alpaca data: cannot create the watchdog timer");
    }
    *out = (tb_live_src){la_start, la_free, la_connected, la_status, x};
    return 0;
}
