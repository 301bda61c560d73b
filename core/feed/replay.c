#include "feed/replay.h"
#include "loop/stall.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct tb_replay {
    struct event_base *base;
    struct event *timer;
    const tb_bar *bars;
    size_t n, next;
    tb_bar_vec owned;
    tb_replay_opts opts;
    tb_replay_cb cb;
    void *ud;
    tb_replay_state state;
    int in_session;
    tb_date day;
    tb_session sess;
    int64_t sim_ns;
    int64_t wall_anchor, sim_anchor; /* pacing: sim_anchor plays at wall_anchor (mono) */
    int64_t day_lo, day_hi;          /* [local midnight, next midnight) of day_of's last day */
    int64_t fast_until;              /* bars starting at or before it: no pacing */
    tb_date day_cached;
};

static void on_timer(evutil_socket_t fd, short what, void *arg);

/* The ET date of t. Asked several times a bar: the day's bounds are kept, so only a bar of
 * another day pays for the time zone arithmetic. */
static tb_date day_of(tb_replay *r, int64_t t)
{
    if (t >= r->day_lo && t < r->day_hi) return r->day_cached;
    tb_date d = tb_cal_session_day(t);
    r->day_cached = d;
    r->day_lo = tb_cal_local_to_ns(d, 0);
    r->day_hi = tb_cal_local_to_ns(d + 1, 0);
    return d;
}

static void fire(tb_replay *r, tb_replay_event type, const tb_bar *b)
{
    tb_replay_ev ev = {type, b, &r->sess, r->sim_ns};
    r->cb(&ev, r->ud);
}

tb_replay *tb_replay_new(struct event_base *base, const tb_bar *bars, size_t n,
                         const tb_replay_opts *opts, tb_replay_cb cb, void *ud, tb_err *e)
{
    for (size_t i = 1; i < n; i++)
        if (bars[i].start_ns < bars[i - 1].start_ns) {
            tb_errf(e, "replay: bar %zu starts before bar %zu (sort by start time)", i, i - 1);
            return NULL;
        }
    if (opts && opts->speed < 0) {
        tb_errf(e, "replay: speed %g is negative", opts->speed);
        return NULL;
    }
    tb_replay *r = calloc(1, sizeof *r);
    if (!r || !(r->timer = evtimer_new(base, on_timer, r))) {
        free(r);
        tb_errf(e, "replay: out of memory");
        return NULL;
    }
    r->base = base;
    r->bars = bars;
    r->n = n;
    if (opts) r->opts = *opts;
    if (r->opts.batch <= 0) r->opts.batch = 1000;
    r->cb = cb;
    r->ud = ud;
    r->state = TB_REPLAY_IDLE;
    r->sim_ns = n ? bars[0].start_ns : 0;
    return r;
}

tb_replay *tb_replay_new_from_store(struct event_base *base, tb_bar_store *bs, tb_symtab *syms,
                                    const char *const *symbols, int nsymbols, int tf_sec,
                                    int64_t from_ns, int64_t to_ns, const tb_replay_opts *opts,
                                    tb_replay_cb cb, void *ud, tb_err *e)
{
    tb_bar_vec v = {0};
    if (tb_bar_store_read(bs, syms, symbols, nsymbols, tf_sec, from_ns, to_ns, &v, e) != 0) {
        tb_bar_vec_free(&v);
        return NULL;
    }
    tb_replay *r = tb_replay_new(base, v.v, v.n, opts, cb, ud, e);
    if (!r) {
        tb_bar_vec_free(&v);
        return NULL;
    }
    r->owned = v;
    return r;
}

static void add_now(tb_replay *r)
{
    struct timeval zero = {0, 0};
    evtimer_add(r->timer, &zero);
}

/* Delivers bars[next], preceded by the session events its day calls for. */
static void emit_one(tb_replay *r)
{
    const tb_bar *b = &r->bars[r->next];
    tb_date d = day_of(r, b->start_ns);
    if (!r->in_session || d != r->day) {
        if (r->in_session) {
            r->in_session = 0;
            fire(r, TB_REPLAY_SESSION_END, NULL);
        }
        r->in_session = 1;
        r->day = d;
        tb_cal_session(r->opts.cal, d, &r->sess);
        r->sim_ns = b->start_ns;
        if (r->state != TB_REPLAY_RUNNING) return;
        fire(r, TB_REPLAY_SESSION_START, NULL);
        if (r->state != TB_REPLAY_RUNNING) return;
    }
    r->next++;
    r->sim_ns = tb_bar_end_ns(b);
    fire(r, TB_REPLAY_BAR, b);
    /* Report the end of a session with its last bar, not when the next session begins. */
    if (r->state == TB_REPLAY_RUNNING &&
        (r->next == r->n || day_of(r, r->bars[r->next].start_ns) != r->day)) {
        r->in_session = 0;
        fire(r, TB_REPLAY_SESSION_END, NULL);
    }
}

static int catching_up(const tb_replay *r)
{
    return r->next < r->n && r->bars[r->next].start_ns <= r->fast_until;
}

static void schedule(tb_replay *r)
{
    struct timeval tv = {0, 0};
    if (r->opts.speed > 0 && !catching_up(r)) {
        const tb_bar *b = &r->bars[r->next];
        int64_t now = tb_clock_mono_ns();
        if (day_of(r, b->start_ns) != r->day) {
            r->sim_anchor = b->start_ns; /* skip the idle time between sessions */
            r->wall_anchor = now;
        }
        int64_t due =
            r->wall_anchor + (int64_t)((double)(tb_bar_end_ns(b) - r->sim_anchor) / r->opts.speed);
        int64_t wait = due > now ? due - now : 0;
        tv.tv_sec = (time_t)(wait / 1000000000LL);
        tv.tv_usec = (suseconds_t)((wait % 1000000000LL) / 1000);
    }
    evtimer_add(r->timer, &tv);
}

static void finish(tb_replay *r)
{
    if (r->in_session) {
        r->in_session = 0;
        fire(r, TB_REPLAY_SESSION_END, NULL);
        if (r->state != TB_REPLAY_RUNNING) return;
    }
    r->state = TB_REPLAY_FINISHED;
    fire(r, TB_REPLAY_DONE, NULL);
}

static void on_timer_run(evutil_socket_t fd, short what, void *arg)
{
    tb_replay *r = arg;
    if (r->state != TB_REPLAY_RUNNING) return;
    if (r->opts.speed == 0) {
        for (int k = 0; k < r->opts.batch && r->next < r->n && r->state == TB_REPLAY_RUNNING; k++)
            emit_one(r);
    } else if (catching_up(r)) {
        for (int k = 0; k < r->opts.batch && catching_up(r) && r->state == TB_REPLAY_RUNNING; k++)
            emit_one(r);
        if (!catching_up(r) && r->next < r->n) { /* the pace starts again from here */
            r->sim_anchor = r->bars[r->next].start_ns;
            r->wall_anchor = tb_clock_mono_ns();
        }
    } else if (r->next < r->n) {
        /* Everything that closes at the same simulated time goes out together. */
        int64_t due = tb_bar_end_ns(&r->bars[r->next]);
        while (r->next < r->n && r->state == TB_REPLAY_RUNNING &&
               tb_bar_end_ns(&r->bars[r->next]) <= due)
            emit_one(r);
    }
    if (r->state != TB_REPLAY_RUNNING) return;
    if (r->next == r->n)
        finish(r);
    else
        schedule(r);
}

/* Named work for the loop's stall record (loop/stall.h). */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_FEED, "replay bars", NULL);
    on_timer_run(fd, what, arg);
    tb_work_end();
}

int tb_replay_start(tb_replay *r, tb_err *e)
{
    if (r->state != TB_REPLAY_IDLE) return tb_errf(e, "replay: already started");
    r->state = TB_REPLAY_RUNNING;
    r->wall_anchor = tb_clock_mono_ns();
    r->sim_anchor = r->n ? r->bars[0].start_ns : 0;
    if (r->n == 0) {
        add_now(r);
        return 0;
    }
    r->day = day_of(r, r->bars[0].start_ns);
    schedule(r);
    return 0;
}

void tb_replay_pause(tb_replay *r)
{
    if (r->state != TB_REPLAY_RUNNING) return;
    r->state = TB_REPLAY_PAUSED;
    evtimer_del(r->timer);
}

void tb_replay_resume(tb_replay *r)
{
    if (r->state != TB_REPLAY_PAUSED) return;
    r->state = TB_REPLAY_RUNNING;
    r->wall_anchor = tb_clock_mono_ns();
    r->sim_anchor = r->sim_ns;
    if (r->next < r->n && r->opts.speed > 0 && r->in_session &&
        day_of(r, r->bars[r->next].start_ns) == r->day)
        schedule(r);
    else
        add_now(r);
}

void tb_replay_fast_until(tb_replay *r, int64_t ns)
{
    r->fast_until = ns;
}

void tb_replay_stop(tb_replay *r)
{
    if (r->state == TB_REPLAY_FINISHED) return;
    r->state = TB_REPLAY_STOPPED;
    evtimer_del(r->timer);
}

void tb_replay_get_progress(const tb_replay *r, tb_replay_progress *p)
{
    p->played = r->next;
    p->total = r->n;
    p->sim_ns = r->sim_ns;
    p->state = r->state;
}

void tb_replay_free(tb_replay *r)
{
    if (!r) return;
    event_free(r->timer);
    tb_bar_vec_free(&r->owned);
    free(r);
}
