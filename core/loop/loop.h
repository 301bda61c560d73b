/*
 * loop.h - the engine's one event loop (libevent) on the main thread.
 *
 * Owns the signal handling (SIGINT/SIGTERM stop, SIGHUP reload) and measures loop latency: a
 * probe timer records how late it fires, into a histogram that metrics and the REPL publish.
 *
 * Loop latency (docs/architecture.md, "Loop latency"): every probe period the probe asks to run
 * at a due time on the monotonic clock; its sample is the time from that due time to the start
 * of its callback, on the loop's (main) thread. It is how long anything that became ready then
 * (a bar on the feed's socket, a broker's fill, a dashboard request) waited behind the callback
 * the loop was running. Samples go to the histogram of the loop's mode (live feed or replay),
 * so a fast replay's long callbacks never show in the live figure. Start-up (before the loop
 * runs) is not sampled.
 */
#ifndef TB_LOOP_H
#define TB_LOOP_H

#include "loop/stall.h"
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

/* What drives the engine's loop: a live feed, or a replay of stored bars (paced or catching up). */
typedef enum { TB_LOOP_REPLAY, TB_LOOP_LIVE, TB_LOOP_NMODES } tb_loop_mode;

/* "replay" or "live": the label of the mode's series. */
const char *tb_loop_mode_name(tb_loop_mode m);

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

/* Samples from now on go to mode m's histogram (a new loop is in TB_LOOP_REPLAY). */
void tb_loop_set_mode(tb_loop *l, tb_loop_mode m);
tb_loop_mode tb_loop_get_mode(const tb_loop *l);

/* Stalls (loop/stall.h): work or a probe wait over ms milliseconds is logged and counted; 0 (a
 * new loop) turns it off. */
void tb_loop_set_stall_ms(tb_loop *l, int64_t ms);

/* Copies the stall counts. */
void tb_loop_stalls(const tb_loop *l, tb_stall_stats *out);

/* Copies the latency statistics of the current mode. */
void tb_loop_latency(const tb_loop *l, tb_latency *out);

/* Copies the latency statistics of mode m (zeros when the loop never ran in it). */
void tb_loop_latency_of(const tb_loop *l, tb_loop_mode m, tb_latency *out);

/* Adds one sample of late_us microseconds (negative counts as 0) to lat. */
void tb_latency_add(tb_latency *lat, double late_us);

/* Percentile (0..1) of the latency histogram, in microseconds (bucket upper bound). */
double tb_latency_quantile(const tb_latency *lat, double q);

void tb_loop_free(tb_loop *l);

#endif
