/*
 * history.h - the orchestrator's run history in ml_db/ml_data.db (table orch_runs).
 *
 * One row per attempt of a step for a day. A row is `final` when the step is settled for that
 * day (ok, skipped, unavailable, missed, or failed with no retries left): a restarted scheduler
 * does not run a step again once a scheduled final row exists. A running row holds the pid of the
 * step's process group and its start time: a restarted orchestrator adopts a step whose process
 * still runs, settles one that ended meanwhile from its status file, and runs again only one whose
 * process is gone without a trace (interrupted).
 */
#ifndef TB_ORCH_HISTORY_H
#define TB_ORCH_HISTORY_H

#include "data/calendar.h"
#include "store/db.h"

#include <stdint.h>

typedef struct tb_run {
    int64_t id;
    char step[64];
    tb_date day;
    int attempt;
    char source[16]; /* schedule | manual */
    int64_t due_ns, started_ns, finished_ns;
    char status[16]; /* running ok skipped failed timeout unavailable missed interrupted */
    int final;
    int exit_code;
    char message[256];
    int pid;             /* the step's process (group) while it runs; 0 before */
    long long pid_start; /* its start time (clock ticks since boot), against pid reuse */
} tb_run;

/* 1 for an outcome that settles a step for good without a failure: ok, skipped (the step said
 * it does not apply to this home, with the reason) and unavailable (its command does not
 * exist). */
int tb_run_settled_ok(const char *status);

/* Inserts a run (r->id is set); finished_ns 0 means still running. */
int tb_history_insert(tb_db *db, tb_run *r, tb_err *e);

/* Updates status, final, exit_code, finished_ns and message of run r->id. */
int tb_history_finish(tb_db *db, const tb_run *r, tb_err *e);

/* 1 when a final row of source "schedule" exists for (step, day), 0 when not, -1 on error. */
int tb_history_settled(tb_db *db, const char *step, tb_date day, tb_err *e);

/* Number of attempts recorded for (step, day) by the schedule. */
int tb_history_attempts(tb_db *db, const char *step, tb_date day, int *n, tb_err *e);

/* The latest run of (step, day), preferring final rows: 1 found, 0 none, -1 error. */
int tb_history_latest(tb_db *db, const char *step, tb_date day, tb_run *out, tb_err *e);

/* Records the process running r->id (r->pid, r->pid_start). */
int tb_history_set_pid(tb_db *db, const tb_run *r, tb_err *e);

/* Rows left `running` by a process that stopped, oldest first: up to max into out; the count. */
int tb_history_running(tb_db *db, tb_run *out, int max, tb_err *e);

/* The Sentinel's read of orch_runs: the newest `max` settled attempts that failed (status neither
 * ok nor unavailable), newest first, fn once each. 0, or -1 when the query failed (no table). */
typedef void (*tb_history_failure_fn)(void *ud, const char *step, const char *status,
                                      const char *message);
int tb_history_failures(sqlite3 *db, int max, tb_history_failure_fn fn, void *ud);

#endif
