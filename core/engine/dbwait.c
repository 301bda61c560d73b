#include "engine/dbwait.h"
#include "engine/engine.h"
#include "log/log.h"
#include "loop/stall.h"
#include "store/checkpoint.h"
#include "util/clock.h"

#include <stdlib.h>

struct tb_dbwait {
    tb_engine *en;
    struct event *timer;
    int64_t busy_ns; /* last time a journal write met the lock */
    int retrying;    /* inside a retry pass: journal writes wait the loop's bound */
    int closing;     /* shutdown: journal writes may wait the default */
    int in_episode;  /* a lock episode was logged and has not ended */
    unsigned logged; /* kinds of waiting writes already logged in this episode */
    int64_t episode_ns;
    uint64_t refused_seen, held_seen, rows_seen; /* counters at the episode's start */
    uint64_t episodes;
    int64_t ckpt_failures; /* the checkpointer's failures already logged */
};

static oms *oms_of(const tb_dbwait *w)
{
    return w->en->runner.trader ? tb_trader_oms(w->en->runner.trader) : NULL;
}

int tb_dbwait_journal_ms(const tb_dbwait *w)
{
    if (w && w->closing) return TB_DB_DEFAULT_BUSY_MS;
    if (w && w->retrying) return TB_DBWAIT_PROBE_MS;
    /* Found locked a moment ago: one try without waiting, so a burst of intents on one tick
     * costs nothing, and the first one after the release goes through. */
    if (w && tb_clock_mono_ns() - w->busy_ns < TB_NS_PER_SEC) return 0;
    return TB_DB_JOURNAL_BUSY_MS;
}

void tb_dbwait_note_busy(tb_dbwait *w)
{
    if (w) w->busy_ns = tb_clock_mono_ns();
}

void tb_dbwait_stats_get(const tb_dbwait *w, tb_dbwait_stats *out)
{
    *out = (tb_dbwait_stats){.episodes = w->episodes};
    oms *m = oms_of(w);
    if (m) {
        out->held_updates = oms_held_count(m);
        out->held_total = oms_held_total(m);
        out->held_dropped = oms_held_dropped(m);
        out->intents_refused = oms_busy_refusals(m);
        out->unjournaled_cancels = oms_unjournaled_cancels(m);
    }
    out->rows_pending = (uint64_t)tb_kv_pending(w->en->kv);
    if (w->en->ml.store) {
        tb_ml_store_stats ms;
        tb_ml_store_stats_get(w->en->ml.store, &ms);
        out->rows_pending += ms.pending;
        out->rows_deferred += ms.deferred;
        out->rows_dropped = ms.dropped;
    }
}

/* What waits in memory, one bit each, for the log lines. */
enum { W_HELD = 1, W_REFUSED = 2, W_SAMPLES = 4, W_DECISIONS = 8, W_KV = 16 };

static unsigned waiting(const tb_dbwait *w, const tb_dbwait_stats *s)
{
    unsigned bits = (s->held_updates ? W_HELD : 0) |
                    (s->intents_refused > w->refused_seen ? W_REFUSED : 0) |
                    (tb_kv_pending(w->en->kv) ? W_KV : 0);
    if (w->en->ml.store) {
        tb_ml_store_stats ms;
        tb_ml_store_stats_get(w->en->ml.store, &ms);
        bits |= (ms.tables & 1 ? W_SAMPLES : 0) | (ms.tables & 2 ? W_DECISIONS : 0);
    }
    return bits;
}

/* One line per lock episode and per kind of write that waits in it; one when it ends. */
static void episode_log(tb_dbwait *w, const tb_dbwait_stats *s)
{
    static const char *const what[] = {
        "oms_fills/oms_orders: broker updates (fills, order statuses) held in memory in arrival "
        "order, not applied to orders and positions until committed",
        "intents are refused (not journaled, not sent) until the lock is released",
        "ml_samples: rows wait in memory", "ml_decisions: rows wait in memory",
        "engine_kv: strategy state waits in memory"};
    unsigned now = waiting(w, s);
    if (!w->in_episode && now) {
        w->in_episode = 1, w->episodes++, w->logged = 0;
        w->episode_ns = tb_clock_mono_ns();
        TB_WARN("store",
                "database locked: ml_db/ml_data.db is held by another process; what cannot be "
                "written waits in memory, retried every %d ms",
                TB_DBWAIT_RETRY_MS);
    }
    for (unsigned i = 0; i < 5; i++)
        if (now & ~w->logged & (1u << i)) TB_WARN("store", "database locked: %s", what[i]);
    w->logged |= now;
    if (!w->in_episode || s->held_updates || s->rows_pending ||
        tb_clock_mono_ns() - w->busy_ns < TB_NS_PER_SEC)
        return;
    w->in_episode = 0;
    TB_INFO("store",
            "database unlocked after %.1f s: %llu held broker updates committed in order, %llu "
            "intents were refused, %llu rows written late, %llu dropped",
            (double)(tb_clock_mono_ns() - w->episode_ns) / 1e9,
            (unsigned long long)(s->held_total - w->held_seen),
            (unsigned long long)(s->intents_refused - w->refused_seen),
            (unsigned long long)(s->rows_deferred - w->rows_seen),
            (unsigned long long)(s->rows_dropped + s->held_dropped));
    w->refused_seen = s->intents_refused;
    w->held_seen = s->held_total;
    w->rows_seen = s->rows_deferred;
}

/* Writes what waits, fills first; each part keeps its rows when the lock is still held, and the
 * pass stops at the first part that meets it (one short wait per tick). */
static void retry_all(tb_dbwait *w)
{
    tb_err e;
    int busy = 0;
    oms *m = oms_of(w);
    w->retrying = 1;
    if (m && oms_held_count(m) && oms_retry_held(m) > 0) busy = 1;
    w->retrying = 0;
    if (!busy && tb_kv_pending(w->en->kv) && tb_kv_flush(w->en->kv, &busy, &e) != 0 && !busy)
        TB_ERROR("store", "strategy state not written: %s", e.msg);
    if (busy) {
        tb_dbwait_note_busy(w);
        tb_ml_store_locked(w->en->ml.store); /* its rows wait for the lock too, not the timer */
        return;
    }
    tb_ml_store_stats before = {0};
    if (w->en->ml.store) tb_ml_store_stats_get(w->en->ml.store, &before);
    if (before.queued && tb_ml_store_flush(w->en->ml.store, &busy, &e) != 0) {
        if (busy)
            tb_dbwait_note_busy(w);
        else
            TB_ERROR("store", "deferred ML rows not written: %s", e.msg);
    }
    if (before.dropped == 0 && w->en->ml.store) {
        tb_ml_store_stats after;
        tb_ml_store_stats_get(w->en->ml.store, &after);
        if (after.dropped)
            TB_ERROR("store", "database locked too long: %s rows dropped (buffer of %d full)",
                     after.dropped_table ? after.dropped_table : "ML", TB_ML_STORE_DEFER_MAX);
    }
}

void tb_dbwait_retry(tb_dbwait *w)
{
    tb_dbwait_stats s;
    tb_dbwait_stats_get(w, &s);
    episode_log(w, &s); /* logged before the retry: an episode seen once is always reported */
    tb_ml_store_stats ms = {0};
    if (w->en->ml.store) tb_ml_store_stats_get(w->en->ml.store, &ms);
    if (s.held_updates || s.rows_pending || ms.queued) { /* queued: the ML rows' group commit */
        int old =
            tb_db_set_busy(w->en->db, w->closing ? TB_DB_DEFAULT_BUSY_MS : TB_DBWAIT_PROBE_MS);
        retry_all(w);
        tb_db_set_busy(w->en->db, old);
    }
    tb_dbwait_stats_get(w, &s);
    episode_log(w, &s);
}

/* The checkpointer cannot log from its thread: a line here whenever more of its runs failed. */
static void checkpoint_log(tb_dbwait *w)
{
    if (!w->en->ckpt) return;
    tb_ckpt_stats c = tb_ckpt_stats_of(w->en->ckpt);
    if (c.failures == w->ckpt_failures) return;
    w->ckpt_failures = c.failures;
    TB_WARN("store",
            "checkpoint of ml_db/ml_data.db failed: %s (%lld so far; WAL %lld pages): the WAL "
            "grows until one succeeds",
            sqlite3_errstr(c.last_rc), (long long)c.failures, (long long)c.wal_pages);
}

static void on_timer(evutil_socket_t fd, short what, void *ud)
{
    tb_work_begin(TB_WORK_TIMER, "database lock retry", NULL);
    tb_dbwait_retry(ud);
    checkpoint_log(ud);
    tb_work_end();
}

tb_dbwait *tb_dbwait_new(tb_engine *en, struct event_base *base)
{
    tb_dbwait *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->en = en;
    w->timer = event_new(base, -1, EV_PERSIST, on_timer, w);
    struct timeval tv = {0, TB_DBWAIT_RETRY_MS * 1000};
    if (!w->timer || event_add(w->timer, &tv) != 0) {
        if (w->timer) event_free(w->timer);
        free(w);
        return NULL;
    }
    return w;
}

void tb_dbwait_free(tb_dbwait *w)
{
    if (!w) return;
    event_free(w->timer);
    w->closing = 1;
    int old = tb_db_set_busy(w->en->db, TB_DB_DEFAULT_BUSY_MS);
    retry_all(w);
    tb_db_set_busy(w->en->db, old);
    tb_dbwait_stats s;
    tb_dbwait_stats_get(w, &s);
    if (s.held_updates)
        TB_ERROR("store",
                 "shutdown: %u broker updates could not be committed (database locked); the "
                 "broker reports them again at the next start",
                 s.held_updates);
    if (s.rows_pending)
        TB_ERROR("store", "shutdown: %llu deferred rows could not be written (database locked)",
                 (unsigned long long)s.rows_pending);
    free(w);
}
