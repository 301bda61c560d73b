/*
 * checkpoint.c - see checkpoint.h.
 */
#include "store/checkpoint.h"

#include <pthread.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

struct tb_ckpt {
    sqlite3 *db, *writer;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, kicked, interval_ms;
    tb_ckpt_stats st;
};

static void run_once(tb_ckpt *c)
{
    int nlog = 0, nckpt = 0;
    int rc = sqlite3_wal_checkpoint_v2(c->db, "main", SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
    pthread_mutex_lock(&c->mu);
    c->st.runs++;
    c->st.wal_pages = nlog;
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) { /* BUSY: another checkpoint ran; next time */
        c->st.failures++;
        c->st.last_rc = rc;
    }
    pthread_mutex_unlock(&c->mu);
}

static void *loop(void *arg)
{
    tb_ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += c->interval_ms / 1000;
        until.tv_nsec += (long)(c->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        while (!c->stop && !c->kicked)
            if (pthread_cond_timedwait(&c->cv, &c->mu, &until) != 0) break; /* the interval */
        c->kicked = 0;
        pthread_mutex_unlock(&c->mu);
        run_once(c);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

tb_ckpt *tb_ckpt_start(const char *path, sqlite3 *writer, int interval_ms, int backstop_pages,
                       tb_err *e)
{
    tb_ckpt *c = calloc(1, sizeof *c);
    if (!c) return tb_errf(e, "%s: checkpointer: out of memory", path), NULL;
    c->writer = writer;
    c->interval_ms = interval_ms > 0 ? interval_ms : 1000;
    int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        tb_errf(e, "%s: checkpointer: %s", path,
                c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    /* A new connection learns the file's journal mode when it first reads it: until then a
     * checkpoint is a no-op that reports "not in WAL mode". */
    sqlite3_stmt *st = NULL;
    int wal = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
              sqlite3_step(st) == SQLITE_ROW &&
              strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    if (!wal) {
        tb_errf(e, "%s: checkpointer: the database is not in WAL mode", path);
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->tid, NULL, loop, c) != 0) {
        tb_errf(e, "%s: checkpointer: cannot start its thread", path);
        sqlite3_close(c->db);
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        free(c);
        return NULL;
    }
    sqlite3_wal_autocheckpoint(writer, backstop_pages > 0 ? backstop_pages : 1000);
    return c;
}

void tb_ckpt_kick(tb_ckpt *c)
{
    pthread_mutex_lock(&c->mu);
    c->kicked = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

tb_ckpt_stats tb_ckpt_stats_of(tb_ckpt *c)
{
    pthread_mutex_lock(&c->mu);
    tb_ckpt_stats s = c->st;
    pthread_mutex_unlock(&c->mu);
    return s;
}

void tb_ckpt_stop(tb_ckpt *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->tid, NULL);
    run_once(c);
    sqlite3_close(c->db);
    sqlite3_wal_autocheckpoint(c->writer, 1000); /* SQLite's default */
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}
