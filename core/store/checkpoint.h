/*
 * checkpoint.h - the WAL checkpoint of the engine's database on a thread of its own.
 *
 * SQLite checkpoints a WAL from inside whichever commit pushes it past 1,000 pages, and a
 * checkpoint syncs the WAL and the database file: 40-150 ms on a busy virtio disk, on the
 * engine's loop, whatever the journal's own durability (measured with strace under
 * bench/bench_live.sh, docs/performance.md "Live loop"). The checkpointer raises the loop
 * connection's automatic checkpoint to a backstop (below) and runs a PASSIVE checkpoint every
 * interval from its own connection: PASSIVE never waits for a lock and never blocks a reader or the
 * writer, and once the whole WAL has been copied the next write starts it over, so it stays as
 * small as before. But a PASSIVE checkpoint copies only the frames there when it starts, and the
 * WAL starts over only when a write finds all of them copied: commits that keep coming during each
 * checkpoint grow it without bound (a review measured 2 GB in 10 s of back-to-back commits). So the
 * writer keeps its own checkpoint as a backstop at backstop_pages (the engine: 10,000, 40 MB), far
 * above what the thread leaves behind in ordinary trading, where it then copies little.
 * The thread does not log (the logger is the loop's): it counts runs and failures for the
 * engine to report.
 */
#ifndef TB_STORE_CHECKPOINT_H
#define TB_STORE_CHECKPOINT_H

#include "util/err.h"

#include <sqlite3.h>
#include <stdint.h>

typedef struct tb_ckpt tb_ckpt;

typedef struct tb_ckpt_stats {
    int64_t runs;      /* checkpoints run */
    int64_t failures;  /* ... that returned an error (last_rc says which) */
    int last_rc;       /* SQLite's code of the last failure (0: none) */
    int64_t wal_pages; /* pages in the WAL at the last run */
} tb_ckpt_stats;

/* Opens path a second time for the thread, moves writer's automatic checkpoint from SQLite's
 * 1,000 pages to backstop_pages and starts checkpointing every interval_ms. On error nothing is
 * changed (writer keeps checkpointing). */
tb_ckpt *tb_ckpt_start(const char *path, sqlite3 *writer, int interval_ms, int backstop_pages,
                       tb_err *e);

/* Wakes the thread for a checkpoint now (after a burst of writes, or in tests). */
void tb_ckpt_kick(tb_ckpt *c);

/* A copy of the counters (thread-safe). */
tb_ckpt_stats tb_ckpt_stats_of(tb_ckpt *c);

/* Stops and joins the thread after a last checkpoint, closes its connection and gives writer its
 * automatic checkpoint back. NULL is a no-op. */
void tb_ckpt_stop(tb_ckpt *c);

#endif
