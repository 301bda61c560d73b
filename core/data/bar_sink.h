/*
 * bar_sink.h - the live feed's bars into the bar store without SQLite on the per-bar path.
 *
 * A push copies the bar into a buffer allocated once (no allocation, no I/O); a timer on the
 * engine's loop writes what is buffered, a slice of 64 bars per transaction and loop turn so that
 * I/O and timers run between slices (tb_bar_store_put: a corrected bar replaces the stored one of
 * its (symbol, timeframe, start)). The engine also flushes at the end
 * of a session and at shutdown. While the database is locked by another process (SQLITE_BUSY)
 * a flush waits only busy_ms, keeps every bar buffered and is retried on the next tick: the
 * loop never stalls and nothing is lost unless the buffer fills (then the newest bars are
 * dropped, counted and logged). A kill -9 loses at most the last flush interval.
 */
#ifndef TB_DATA_BAR_SINK_H
#define TB_DATA_BAR_SINK_H

#include "data/bar.h"
#include "data/symbols.h"
#include "store/db.h"

#include <jansson.h>
#include <stdint.h>

struct event_base;

typedef struct tb_bar_sink_opts {
    struct event_base *base;
    tb_db *db;             /* outlives the sink */
    const tb_symtab *syms; /* names of bar->sym, read only when flushing */
    long capacity;         /* bars buffered at most (default 131072) */
    long flush_ms;         /* timer period (default 2000) */
    int busy_ms;           /* lock wait of a timer flush (default 20) */
    int restore_busy_ms;   /* lock wait of the shutdown flush (default 5000) */
} tb_bar_sink_opts;

typedef struct tb_bar_sink_stats {
    uint64_t written;        /* bars committed */
    uint64_t pending;        /* bars buffered, not yet committed */
    uint64_t failed_flushes; /* flushes that kept their bars (locked database, I/O error) */
    uint64_t dropped;        /* bars lost because the buffer was full */
    uint64_t flushes;        /* committed transactions */
} tb_bar_sink_stats;

typedef struct tb_bar_sink tb_bar_sink;

/* Allocates the buffer and prepares the store's statement; the timer starts here. */
tb_bar_sink *tb_bar_sink_new(const tb_bar_sink_opts *o, tb_err *e);

/* Flushes with the connection's usual lock wait (shutdown), logs what could not be written,
 * frees. NULL is fine. */
void tb_bar_sink_free(tb_bar_sink *s);

/* Buffers one bar (ud is the sink: the live feed's store hook). */
void tb_bar_sink_push(void *ud, const tb_bar *b);

/* Writes everything buffered in one transaction now (session end, shutdown); why goes in the
 * log on failure. 0, or -1 with the bars kept. */
int tb_bar_sink_flush(tb_bar_sink *s, const char *why);

void tb_bar_sink_stats_get(const tb_bar_sink *s, tb_bar_sink_stats *out);

/* Adds "store": {written, pending, failed_flushes, dropped} to out (ud is the sink). */
void tb_bar_sink_status(void *ud, json_t *out);

#endif
