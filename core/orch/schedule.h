/*
 * schedule.h - the daily sequence as data, read from scripts/orchestrator.lua.
 *
 * The script returns a table { steps = { {name, at, command | lua, timeout, retries,
 * retry_delay, skip_non_trading, grace}, ... } }. `command` is a list of arguments to one of
 * tradebot's own sub-commands ({"candidates"}); `lua` names a function of the same script, run
 * in a child `tradebot lua scripts/orchestrator.lua --call NAME`. Loading checks every field and
 * says which step and key is wrong, so a bad edit never replaces a good schedule.
 */
#ifndef TB_ORCH_SCHEDULE_H
#define TB_ORCH_SCHEDULE_H

#include "orch/when.h"
#include "util/err.h"

#define TB_STEP_MAX_ARGS  16
#define TB_ORCH_MAX_STEPS 64

typedef struct tb_step {
    char name[64];
    char at[64]; /* the text as written */
    tb_when when;
    int argc; /* command: tradebot sub-command and its arguments; 0 for a Lua step */
    char argv[TB_STEP_MAX_ARGS][256];
    char lua[64];         /* function name in the script, "" for a command step */
    int timeout_s;        /* kill the child after this long: 600 */
    int retries;          /* further attempts after a failure: 0 */
    int retry_delay_s;    /* between attempts: 60 */
    int skip_non_trading; /* clock-time steps: not on closed days (default true) */
    int grace_s;          /* a step found late by more than this is recorded missed: 4 hours */
} tb_step;

typedef struct tb_schedule {
    tb_step steps[TB_ORCH_MAX_STEPS];
    int n;
} tb_schedule;

/* Runs the script in a fresh trusted Lua state and reads its steps. chunkname is what errors
 * show ("scripts/orchestrator.lua"). On error out is unchanged. */
int tb_schedule_load(const char *path, const char *chunkname, tb_schedule *out, tb_err *e);

/* The step named name, or NULL. */
const tb_step *tb_schedule_find(const tb_schedule *s, const char *name);

/* One line describing what the step runs ("tradebot candidates", "lua run_log_rotation"). */
char *tb_step_describe(const tb_step *st, char *buf, int len);

#endif
