/*
 * orch.h - the orchestrator: runs the steps of scripts/orchestrator.lua at their times, each as
 * a child process of tradebot (never on the loop), one at a time in schedule order, with a
 * timeout and retries, and records every attempt in ml_db/ml_data.db so a restart resumes the
 * day without repeating what finished.
 *
 * A step is due on day d from its fire time until fire + grace; found later it is recorded
 * "missed". A command step whose sub-command this binary does not have is recorded
 * "unavailable" with a message saying which command is missing (Sentinel, Healer, ML until
 * they exist). Times come from tb_clock_now_ns(), so tests drive a week with a fake clock and
 * tb_orch_tick().
 */
#ifndef TB_ORCH_ORCH_H
#define TB_ORCH_ORCH_H

#include "data/calendar.h"
#include "orch/history.h"
#include "orch/schedule.h"

#include <event2/event.h>

typedef struct tb_orch tb_orch;

typedef struct tb_orch_opts {
    struct event_base *base;
    tb_db *db;              /* run history (must outlive the orchestrator) */
    const char *script;     /* absolute path of scripts/orchestrator.lua */
    const char *script_rel; /* as shown in messages */
    const char *exe;        /* the tradebot binary steps run (NULL: /proc/self/exe) */
    const char *home;       /* children run here with TRADEBOT_HOME set */
    const char *log_path;   /* logs/orchestrator.log; NULL: through tb_log */
    const tb_cal *cal;      /* NULL: the rules alone */
    int engine_pid;         /* set when hosted by the engine (steps see TB_ORCH_ENGINE_PID) */
    int echo;               /* also write the log lines to stderr */
    int owner; /* holds run/orchestrator.lock: rows left `running` are a dead process's */
    int (*has_command)(const char *name);       /* does tradebot have this sub-command? NULL: yes */
    void (*on_done)(const tb_run *r, void *ud); /* after each attempt (may be NULL) */
    void *ud;
} tb_orch_opts;

/* Loads the schedule; the owner marks runs a dead process left `running` as interrupted. */
tb_orch *tb_orch_new(const tb_orch_opts *o, tb_err *e);

/* Re-reads the script; a bad script keeps the running schedule. Both outcomes are logged. */
int tb_orch_reload(tb_orch *o, tb_err *e);

/* Queues the steps due at tb_clock_now_ns() and starts the next one if none is running. */
void tb_orch_tick(tb_orch *o);

/* Ticks on a timer from now on (at each next fire time, and at least every 30 s). */
void tb_orch_start(tb_orch *o);

/* 1 while a step runs or waits in the queue. */
int tb_orch_busy(const tb_orch *o);

/* Queues one step now, outside its schedule (recorded with source "manual"). */
int tb_orch_run_now(tb_orch *o, const char *name, tb_err *e);

/* The schedule in force. */
const tb_schedule *tb_orch_schedule(const tb_orch *o);

/* The earliest fire time after now over every step (INT64_MAX when none in 10 days); *step
 * (may be NULL) gets the step that fires then (NULL when none). */
int64_t tb_orch_next_fire(const tb_orch *o, int64_t now_ns, const tb_step **step);

/* Stops a running step (killed, recorded interrupted) and frees everything. NULL is fine. */
void tb_orch_free(tb_orch *o);

#endif
