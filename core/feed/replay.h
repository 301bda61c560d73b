/*
 * replay.h - the replay feed: plays stored bars through a callback on a libevent loop, session
 * by session, at a chosen speed.
 *
 * Speed 1 is real time, N is N times real time: a bar is delivered when it closes (start +
 * timeframe) on the simulated clock, paced against the monotonic clock; the idle time between
 * two sessions is skipped. Speed 0 plays as fast as possible, `batch` bars per loop turn from a
 * zero-delay timer, so the loop still services sockets, timers and the REPL between batches.
 * Before the first bar of a session day the callback sees SESSION_START, after its last bar
 * SESSION_END (reset session-anchored indicators, close day positions), then DONE at the end.
 * Delivering a bar copies nothing and allocates nothing.
 */
#ifndef TB_FEED_REPLAY_H
#define TB_FEED_REPLAY_H

#include "data/bar.h"
#include "data/bar_store.h"
#include "data/calendar.h"

struct event_base;

typedef enum {
    TB_REPLAY_BAR,
    TB_REPLAY_SESSION_START,
    TB_REPLAY_SESSION_END,
    TB_REPLAY_DONE,
} tb_replay_event;

typedef struct tb_replay_ev {
    tb_replay_event type;
    const tb_bar *bar;         /* TB_REPLAY_BAR: the bar that just closed */
    const tb_session *session; /* the session being played (calendar view of its day) */
    int64_t sim_ns;            /* simulated time: a bar's end, a session's first bar start */
} tb_replay_ev;

typedef void (*tb_replay_cb)(const tb_replay_ev *ev, void *ud);

typedef struct tb_replay_opts {
    double speed;      /* 0: as fast as possible; 1: real time; N: N times real time */
    int batch;         /* bars per loop turn at speed 0 (0: 1000) */
    const tb_cal *cal; /* extra closures; NULL: rules only */
} tb_replay_opts;

typedef enum {
    TB_REPLAY_IDLE,
    TB_REPLAY_RUNNING,
    TB_REPLAY_PAUSED,
    TB_REPLAY_FINISHED,
    TB_REPLAY_STOPPED,
} tb_replay_state;

typedef struct tb_replay_progress {
    size_t played, total;
    int64_t sim_ns; /* simulated time of the last event */
    tb_replay_state state;
} tb_replay_progress;

typedef struct tb_replay tb_replay;

/* A replay of n bars sorted by start time (checked), which the caller keeps alive until
 * tb_replay_free. Nothing runs before tb_replay_start. */
tb_replay *tb_replay_new(struct event_base *base, const tb_bar *bars, size_t n,
                         const tb_replay_opts *opts, tb_replay_cb cb, void *ud, tb_err *e);

/* A replay of the stored bars of timeframe tf_sec in [from_ns, to_ns) of the given symbols
 * (nsymbols 0: all), loaded now and owned by the replay. */
tb_replay *tb_replay_new_from_store(struct event_base *base, tb_bar_store *bs, tb_symtab *syms,
                                    const char *const *symbols, int nsymbols, int tf_sec,
                                    int64_t from_ns, int64_t to_ns, const tb_replay_opts *opts,
                                    tb_replay_cb cb, void *ud, tb_err *e);

/* Schedules the first bar on the loop. */
int tb_replay_start(tb_replay *r, tb_err *e);

/* Pause stops delivery after the current event (callable from the callback); resume picks up
 * where it stopped, re-anchoring the pace on the current simulated time. */
void tb_replay_pause(tb_replay *r);
void tb_replay_resume(tb_replay *r);

/* Bars that start at or before ns are played at full speed, whatever the pace: after a restart
 * the part seen before is caught up at once (the pace starts again after it). */
void tb_replay_fast_until(tb_replay *r, int64_t ns);

/* Stops for good: no more events, not even DONE. */
void tb_replay_stop(tb_replay *r);

/* Bars played out of the total, simulated time and state. */
void tb_replay_get_progress(const tb_replay *r, tb_replay_progress *p);

/* Frees the replay (not from inside its own callback: stop it there). NULL is fine. */
void tb_replay_free(tb_replay *r);

#endif
