/*
 * store.h - a sweep's SQLite file: what the sweep is (sweep_meta: the canonical spec, its hash,
 * the swept params, the metric, the sessions), its parameter sets (sweep_sets), segments
 * (sweep_segments) and one row per finished task (sweep_results). A local run and every shard
 * write the same kind of file; merge copies the results of shards into one, refusing shards of
 * another sweep and tasks two shards disagree on. The report reads nothing but this file.
 *
 * The file is left in rollback-journal mode (no -wal beside it): shards are written to shared
 * file systems (NFS on a cluster, a Kubernetes volume) where WAL does not work, and a finished
 * shard is one self-contained file to copy.
 */
#ifndef TB_SWEEP_STORE_H
#define TB_SWEEP_STORE_H

#include "store/db.h"
#include "sweep/plan.h"

#include <jansson.h>

/* Opens (creating) a sweep file. */
tb_db *tb_sweep_db_open(const char *path, tb_err *e);

/* Records the sweep in a new file, or checks that a file holding results is of this sweep
 * (same hash): a run resumes where it stopped. shard is "I/N", or "all" for a local run. */
int tb_sweep_db_init(tb_db *db, const tb_sweep_spec *s, const tb_sweep_plan *p, const char *shard,
                     tb_err *e);

/* done[t] = 1 for each task with a result already (done has ntasks entries). */
int tb_sweep_db_done(tb_db *db, unsigned char *done, size_t ntasks, tb_err *e);

/* Stores one task's result (task.h). */
int tb_sweep_db_put(tb_db *db, json_t *result, tb_err *e);

/* A value of sweep_meta (a new string), or NULL. */
char *tb_sweep_db_meta(tb_db *db, const char *key);

/* The same from an attached database (schema "s" while merging a shard). */
char *tb_sweep_db_meta_in(tb_db *db, const char *schema, const char *key);

/* Merges the shard files into out (created when missing). Every shard must be of the same
 * sweep; a task in two shards must have the same result in both, bit for bit. *missing is
 * the number of tasks no file has a result for. */
int tb_sweep_db_merge(const char *out, char *const *shards, int nshards, size_t *missing,
                      tb_err *e);

#endif
