/*
 * store_merge.c - `tradebot sweep merge OUT.db SHARD...` (store.h): the shards' results copied
 * into one file, each shard attached in turn.
 */
#include "sweep/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long count(tb_db *db, const char *sql)
{
    sqlite3_stmt *st;
    long long n = -1;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL)) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* A task both files have with another result: two runs of one sweep must agree bit for bit
 * (REAL compares exactly in SQLite), so this is a broken invariant, not a choice to make. */
static const char conflict_sql[] =
    "SELECT a.task FROM s.sweep_results a JOIN main.sweep_results b ON a.task = b.task WHERE NOT"
    " (a.set_id IS b.set_id AND a.seg IS b.seg AND a.pnl IS b.pnl AND a.return_pct IS b.return_pct"
    " AND a.sharpe IS b.sharpe AND a.max_drawdown_pct IS b.max_drawdown_pct AND a.win_rate IS"
    " b.win_rate AND a.trades IS b.trades AND a.fees IS b.fees AND a.end_equity IS b.end_equity"
    " AND a.sessions IS b.sessions AND a.disabled IS b.disabled AND a.error IS b.error AND"
    " a.equity IS b.equity) LIMIT 1";

static int merge_one(tb_db *db, const char *shard, tb_err *e)
{
    char *theirs = tb_sweep_db_meta_in(db, "s", "hash"), *ours = tb_sweep_db_meta(db, "hash");
    int rc = 0;
    long long bad;
    if (!theirs) {
        rc = tb_errf(e, "%s: not a sweep file (no sweep_meta hash)", shard);
    } else if (ours && strcmp(ours, theirs) != 0) {
        rc = tb_errf(e, "%s: a shard of another sweep (hash %s, %s has %s)", shard, theirs,
                     db->path, ours);
    } else if (!ours) {
        rc = tb_db_exec(db,
                        "INSERT INTO sweep_meta SELECT * FROM s.sweep_meta;"
                        "INSERT INTO sweep_sets SELECT * FROM s.sweep_sets;"
                        "INSERT INTO sweep_segments SELECT * FROM s.sweep_segments;"
                        "UPDATE sweep_meta SET value = 'merged' WHERE key = 'shard'",
                        e);
    }
    if (rc == 0 && (bad = count(db, conflict_sql)) >= 0)
        rc = tb_errf(e,
                     "%s: task %lld has another result than in %s: the runs of one sweep "
                     "disagree (different binaries or data?)",
                     shard, bad, db->path);
    if (rc == 0)
        rc = tb_db_exec(db, "INSERT OR IGNORE INTO sweep_results SELECT * FROM s.sweep_results", e);
    free(theirs);
    free(ours);
    return rc;
}

int tb_sweep_db_merge(const char *out, char *const *shards, int nshards, size_t *missing, tb_err *e)
{
    tb_db *db = tb_sweep_db_open(out, e);
    if (!db) return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < nshards; i++) {
        if (access(shards[i], R_OK) != 0) {
            rc = tb_errf(e, "%s: cannot read the shard", shards[i]);
            break;
        }
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db->h, "ATTACH ? AS s", -1, &st, NULL) != SQLITE_OK) {
            rc = tb_db_fail(db, sqlite3_errcode(db->h), "attach", e);
            break;
        }
        sqlite3_bind_text(st, 1, shards[i], -1, SQLITE_STATIC);
        int sr = sqlite3_step(st);
        sqlite3_finalize(st);
        if (sr != SQLITE_DONE) {
            rc = tb_errf(e, "%s: cannot open the shard: %s", shards[i], sqlite3_errmsg(db->h));
            break;
        }
        rc = tb_db_exec(db, "BEGIN", e);
        if (rc == 0) rc = merge_one(db, shards[i], e);
        tb_db_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", rc == 0 ? e : NULL);
        tb_db_exec(db, "DETACH s", NULL);
    }
    if (rc == 0) {
        char *nt = tb_sweep_db_meta(db, "ntasks");
        long long have = count(db, "SELECT count(*) FROM sweep_results");
        *missing = nt && have >= 0 ? (size_t)(atoll(nt) - have) : 0;
        free(nt);
    }
    tb_db_close(db);
    return rc;
}
