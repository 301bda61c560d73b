#include "loop/loop.h"
#include "util/clock.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

const double tb_latency_bounds_us[TB_LAT_BUCKETS] = {10,   50,   100,   250,   500,    1000,
                                                     2500, 5000, 10000, 50000, 100000, 1e300};

struct tb_loop {
    struct event_base *base;
    struct event *probe, *sig_int, *sig_term, *sig_hup;
    int64_t probe_ns, probe_due;
    tb_loop_hooks hooks;
    tb_loop_mode mode;
    tb_latency lat[TB_LOOP_NMODES];
    tb_stall stall;
};

const char *tb_loop_mode_name(tb_loop_mode m)
{
    return m == TB_LOOP_LIVE ? "live" : "replay";
}

void tb_latency_add(tb_latency *lat, double late_us)
{
    if (late_us < 0) late_us = 0;
    lat->count++;
    lat->sum_us += late_us;
    lat->last_us = late_us;
    if (late_us > lat->max_us) lat->max_us = late_us;
    int b = 0;
    while (b < TB_LAT_BUCKETS - 1 && late_us > tb_latency_bounds_us[b]) b++;
    lat->buckets[b]++;
}

/* One-shot, re-armed for an absolute due time we keep: a persistent libevent timer reschedules
 * from its own idea of the due time, and a sample measured against another would read a late
 * probe's successor as early. libevent's cached time is refreshed first, or the timeout would be
 * counted from the start of this loop turn (earlier callbacks' time) and fire early. */
static void arm_probe(tb_loop *l, int64_t now)
{
    if (l->probe_due <= now) l->probe_due = now + l->probe_ns;
    int64_t in = l->probe_due - now;
    struct timeval tv = {(time_t)(in / 1000000000), (suseconds_t)(in % 1000000000 / 1000)};
    event_base_update_cache_time(l->base);
    event_add(l->probe, &tv);
}

static void probe_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_loop *l = arg;
    int64_t now = tb_clock_mono_ns();
    tb_latency_add(&l->lat[l->mode], (double)(now - l->probe_due) / 1000.0);
    tb_stall_probe(&l->stall, now, now - l->probe_due);
    l->probe_due += l->probe_ns; /* the next period's due time; past: from now (arm_probe) */
    arm_probe(l, now);
}

tb_loop *tb_loop_new(int64_t probe_ms, tb_err *e)
{
    tb_loop *l = tb_zalloc(sizeof *l, "event loop", e);
    if (!l) return NULL;
    struct event_config *cfg = event_config_new();
    /* Monotonic timers: a wall-clock step must not fire or stall every timer at once. */
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    l->base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if (!l->base) {
        free(l);
        tb_errf(e, "event loop: cannot create libevent base");
        return NULL;
    }
    if (probe_ms > 0) {
        l->probe_ns = probe_ms * 1000000;
        if (!(l->probe = event_new(l->base, -1, 0, probe_cb, l))) {
            tb_loop_free(l);
            tb_errf(e, "event loop: cannot create the latency probe");
            return NULL;
        }
    }
    return l;
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
    tb_loop *l = arg;
    if (sig == SIGHUP) {
        tb_work_begin(TB_WORK_RELOAD, "SIGHUP configuration reload", NULL);
        if (l->hooks.on_reload) l->hooks.on_reload(l->hooks.ud);
        tb_work_end();
        return;
    }
    if (l->hooks.on_stop) l->hooks.on_stop(l->hooks.ud, (int)sig);
    event_base_loopbreak(l->base);
}

int tb_loop_handle_signals(tb_loop *l, const tb_loop_hooks *hooks, tb_err *e)
{
    l->hooks = *hooks;
    signal(SIGPIPE, SIG_IGN); /* a peer that hangs up is an error return, not a death */
    l->sig_int = evsignal_new(l->base, SIGINT, signal_cb, l);
    l->sig_term = evsignal_new(l->base, SIGTERM, signal_cb, l);
    l->sig_hup = evsignal_new(l->base, SIGHUP, signal_cb, l);
    if (!l->sig_int || !l->sig_term || !l->sig_hup || event_add(l->sig_int, NULL) ||
        event_add(l->sig_term, NULL) || event_add(l->sig_hup, NULL))
        return tb_errf(e, "event loop: cannot install signal handlers");
    return 0;
}

struct event_base *tb_loop_base(tb_loop *l)
{
    return l->base;
}

int tb_loop_run(tb_loop *l)
{
    if (l->probe) { /* from now: the time before the loop ran (start-up) is not a sample */
        l->probe_due = 0;
        arm_probe(l, tb_clock_mono_ns());
    }
    tb_stall *prev = tb_stall_attach(&l->stall);
    int rc = event_base_dispatch(l->base) < 0 ? -1 : 0;
    tb_stall_attach(prev);
    return rc;
}

void tb_loop_stop(tb_loop *l)
{
    event_base_loopbreak(l->base);
}

void tb_loop_set_mode(tb_loop *l, tb_loop_mode m)
{
    if ((unsigned)m < TB_LOOP_NMODES) l->mode = m;
}

void tb_loop_set_stall_ms(tb_loop *l, int64_t ms)
{
    tb_stall_set_warn_ms(&l->stall, ms);
}

void tb_loop_stalls(const tb_loop *l, tb_stall_stats *out)
{
    tb_stall_stats_of(&l->stall, out);
}

tb_loop_mode tb_loop_get_mode(const tb_loop *l)
{
    return l->mode;
}

void tb_loop_latency(const tb_loop *l, tb_latency *out)
{
    *out = l->lat[l->mode];
}

void tb_loop_latency_of(const tb_loop *l, tb_loop_mode m, tb_latency *out)
{
    *out = (unsigned)m < TB_LOOP_NMODES ? l->lat[m] : (tb_latency){0};
}

double tb_latency_quantile(const tb_latency *lat, double q)
{
    if (!lat->count) return 0;
    uint64_t target = (uint64_t)(q * (double)lat->count + 0.5), seen = 0;
    if (target < 1) target = 1;
    for (int b = 0; b < TB_LAT_BUCKETS; b++) {
        seen += lat->buckets[b];
        if (seen >= target) return b == TB_LAT_BUCKETS - 1 ? lat->max_us : tb_latency_bounds_us[b];
    }
    return lat->max_us;
}

void tb_loop_free(tb_loop *l)
{
    if (!l) return;
    struct event *evs[] = {l->probe, l->sig_int, l->sig_term, l->sig_hup};
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
        if (evs[i]) event_free(evs[i]);
    event_base_free(l->base);
    tb_stall_close(&l->stall);
    free(l);
}
