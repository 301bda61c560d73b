#include "data/bar_sink.h"
#include "data/bar_store.h"
#include "log/log.h"
#include "util/clock.h"
#include "loop/stall.h"

#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A timer's flush writes at most this many bars in a loop turn (each slice its own
 * transaction, about half a millisecond here) and the rest in the next turns, after the I/O and
 * timers that became ready: 500 symbols buffer 1,000 bars in two seconds, one transaction of 8 ms
 * on the loop, and a fill or a stream message waited behind it. */
#define SINK_SLICE_BARS 64

struct tb_bar_sink {
    tb_bar_sink_opts o;
    tb_bar_store *store;
    struct event *timer, *more;
    tb_bar *buf;
    size_t head, n, cap; /* buffered: buf[head .. head + n) */
    tb_bar_sink_stats st;
    int64_t last_warn_ns;
    uint64_t fails_in_row;
};

static int flush_some(tb_bar_sink *s, const char *why, int busy_ms, size_t max);

/* The flush timer and its continuation: one slice, then the next turn while bars are left. */
static void on_timer(evutil_socket_t fd, short what, void *ud)
{
    tb_bar_sink *s = ud;
    tb_work_begin(TB_WORK_TIMER, "bar store flush", NULL);
    if (flush_some(s, "timer", s->o.busy_ms, SINK_SLICE_BARS) == 0 && s->n) {
        static const struct timeval zero = {0, 0};
        event_add(s->more, &zero);
    }
    tb_work_end();
}

tb_bar_sink *tb_bar_sink_new(const tb_bar_sink_opts *o, tb_err *e)
{
    tb_bar_sink *s = tb_zalloc(sizeof *s, "bar store", e);
    if (!s) return NULL;
    s->o = *o;
    if (s->o.capacity <= 0) s->o.capacity = 131072;
    if (s->o.flush_ms <= 0) s->o.flush_ms = 2000;
    if (s->o.busy_ms <= 0) s->o.busy_ms = 20;
    if (s->o.restore_busy_ms <= 0) s->o.restore_busy_ms = 5000;
    s->cap = (size_t)s->o.capacity;
    if (!(s->buf = malloc(s->cap * sizeof *s->buf))) {
        tb_errf(e, "bar store: cannot allocate a buffer of %zu bars", s->cap);
        free(s);
        return NULL;
    }
    struct timeval tv = {s->o.flush_ms / 1000, (s->o.flush_ms % 1000) * 1000};
    if (!(s->store = tb_bar_store_open(o->db, e)) ||
        !(s->timer = event_new(o->base, -1, EV_PERSIST, on_timer, s)) ||
        !(s->more = event_new(o->base, -1, 0, on_timer, s)) || event_add(s->timer, &tv) != 0) {
        if (s->store && (!s->timer || !s->more))
            tb_errf(e, "bar store: cannot add the flush timer");
        tb_bar_store_close(s->store);
        if (s->timer) event_free(s->timer);
        if (s->more) event_free(s->more);
        free(s->buf);
        free(s);
        return NULL;
    }
    return s;
}

void tb_bar_sink_push(void *ud, const tb_bar *b)
{
    tb_bar_sink *s = ud;
    if (s->head + s->n == s->cap && s->head) { /* slices written from the front: compact */
        memmove(s->buf, s->buf + s->head, s->n * sizeof *s->buf);
        s->head = 0;
    }
    if (s->n == s->cap) {
        if (s->st.dropped++ == 0)
            TB_ERROR("store",
                     "bar store: buffer full (%zu bars, the database refuses writes): newer bars "
                     "are dropped until a flush succeeds",
                     s->cap);
        return;
    }
    s->buf[s->head + s->n++] = *b;
}

/* One warning when writes start failing, then one a minute while they keep failing. */
static void warn_failure(tb_bar_sink *s, const char *why, const tb_err *e)
{
    int64_t now = tb_clock_now_ns();
    if (s->fails_in_row > 1 && now - s->last_warn_ns < 60 * TB_NS_PER_SEC) return;
    s->last_warn_ns = now;
    TB_WARN("store",
            "bar store: %s flush failed (%s): %zu bars kept in memory, retrying every %ld ms "
            "(%llu failed flushes in a row)",
            why, e->msg, s->n, s->o.flush_ms, (unsigned long long)s->fails_in_row);
}

/* Bars are the vendor's history (`tradebot data fetch` gets a lost minute back), so their
 * commits are not synced: under a real broker's synchronous=FULL every slice would be an fsync
 * on the loop. The journal's next commit syncs the WAL, these frames with it. Returns the level
 * to restore (0: nothing changed). */
static int relax_sync(tb_db *db)
{
    int level = -1;
    tb_err e;
    if (!sqlite3_get_autocommit(db->h) || tb_db_pragma_int(db, "synchronous", &level, &e) != 0 ||
        level < 2 || tb_db_exec(db, "PRAGMA synchronous=NORMAL", &e) != 0)
        return 0;
    return level;
}

/* A journal left unsynced would be silent data loss on a power cut: a failure is an error line. */
static void restore_sync(tb_db *db, int level)
{
    tb_err e;
    const char *q = level == 2 ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=EXTRA";
    if (level >= 2 && tb_db_exec(db, q, &e) != 0)
        TB_ERROR("store", "bar store: the journal's durability could not be restored: %s", e.msg);
}

/* Writes the oldest max bars buffered (all of them: SIZE_MAX) in one transaction. */
static int flush_some(tb_bar_sink *s, const char *why, int busy_ms, size_t max)
{
    if (s->n == 0) return 0;
    size_t k = s->n < max ? s->n : max;
    tb_err e;
    int old = tb_db_set_busy(s->o.db, busy_ms), level = relax_sync(s->o.db);
    int rc = tb_bar_store_put(s->store, s->o.syms, s->buf + s->head, k, &e);
    restore_sync(s->o.db, level);
    tb_db_set_busy(s->o.db, old);
    if (rc != 0) {
        s->st.failed_flushes++;
        s->fails_in_row++;
        warn_failure(s, why, &e);
        return -1;
    }
    if (s->fails_in_row)
        TB_INFO("store", "bar store: %zu buffered bars written after %llu failed flushes", k,
                (unsigned long long)s->fails_in_row);
    s->fails_in_row = 0;
    s->st.written += k;
    s->st.flushes++;
    s->n -= k;
    s->head = s->n ? s->head + k : 0;
    return 0;
}

int tb_bar_sink_flush(tb_bar_sink *s, const char *why)
{
    return s ? flush_some(s, why, s->o.busy_ms, SIZE_MAX) : 0;
}

void tb_bar_sink_free(tb_bar_sink *s)
{
    if (!s) return;
    event_free(s->timer);
    event_free(s->more);
    if (flush_some(s, "shutdown", s->o.restore_busy_ms, SIZE_MAX) != 0)
        TB_ERROR("store", "bar store: %zu bars could not be written at shutdown", s->n);
    tb_bar_store_close(s->store);
    free(s->buf);
    free(s);
}

void tb_bar_sink_stats_get(const tb_bar_sink *s, tb_bar_sink_stats *out)
{
    *out = s->st;
    out->pending = s->n;
}

void tb_bar_sink_status(void *ud, json_t *out)
{
    tb_bar_sink_stats st;
    tb_bar_sink_stats_get(ud, &st);
    json_object_set_new(out, "store",
                        json_pack("{s:I, s:I, s:I, s:I}", "written", (json_int_t)st.written,
                                  "pending", (json_int_t)st.pending, "failed_flushes",
                                  (json_int_t)st.failed_flushes, "dropped",
                                  (json_int_t)st.dropped));
}
