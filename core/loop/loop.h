/*
 * loop.h - the engine's one event loop (libevent) on the main thread.
 *
 * Owns the signal handling (SIGINT/SIGTERM stop, SIGHUP reload) and measures loop latency: a
 * probe timer records how late it fires, into a histogram that metrics and the REPL publish.
 */
#ifndef TB_LOOP_H
#define TB_LOOP_H

#include "util/err.h"

#include <event2/event.h>
#include <stdint.h>

#define TB_LAT_BUCKETS 12

typedef struct tb_latency {
    uint64_t count;
    double sum_us, max_us, last_us;
    /* bucket upper bounds in microseconds; the last bucket is +Inf */
    uint64_t buckets[TB_LAT_BUCKETS];
} tb_latency;

extern const double tb_latency_bounds_us[TB_LAT_BUCKETS];

typedef struct tb_loop tb_loop;

typedef struct tb_loop_hooks {
    void (*on_stop)(void *ud, int signo); /* before the loop exits (SIGINT/SIGTERM) */
    void (*on_reload)(void *ud);          /* SIGHUP */
    void *ud;
} tb_loop_hooks;

/* Creates the loop; probe_ms is the latency probe period (0 = no probe). */
tb_loop *tb_loop_new(int64_t probe_ms, tb_err *e);

/* Installs signal handling for SIGINT, SIGTERM, SIGHUP (and ignores SIGPIPE). */
int tb_loop_handle_signals(tb_loop *l, const tb_loop_hooks *hooks, tb_err *e);

struct event_base *tb_loop_base(tb_loop *l);

/* Runs until tb_loop_stop() or a stop signal. */
int tb_loop_run(tb_loop *l);

/* Asks the loop to exit after the current callback. */
void tb_loop_stop(tb_loop *l);

/* Copies the latency statistics. */
void tb_loop_latency(const tb_loop *l, tb_latency *out);

/* Percentile (0..1) of the latency histogram, in microseconds (bucket upper bound). */
double tb_latency_quantile(const tb_latency *lat, double q);

void tb_loop_free(tb_loop *l);

#endif
