/*
 * orch_env.h - what `tradebot orchestrate` and the engine both set up around the orchestrator:
 * home, configuration, the default scripts, ml_db/ml_data.db, the calendar, the schedule.
 */
#ifndef TB_ORCH_ORCH_ENV_H
#define TB_ORCH_ORCH_ENV_H

#include "config/config.h"
#include "orch/orch.h"

#include <limits.h>

typedef struct tb_orch_env {
    tb_config cfg;
    int cfg_loaded;
    char script[PATH_MAX], script_rel[256], log_path[PATH_MAX];
    tb_db *db;
    int own_db; /* opened here (closed with the env) */
    tb_cal cal;
    tb_schedule *sched; /* as read at open (for --list, --status, --dry-run) */
    tb_orch *orch;      /* after tb_orch_env_start */
} tb_orch_env;

/* Set by the command line (which knows tb_commands[]): steps naming a sub-command this binary
 * lacks are recorded unavailable instead of run. */
extern int (*tb_orch_has_command)(const char *name);

/* Initialises home, loads the configuration (cfg may be NULL: read config/trading_config.json),
 * writes missing default scripts, opens db (NULL: ml_db/ml_data.db) and reads the schedule. */
int tb_orch_env_open(tb_orch_env *env, const tb_config *cfg, tb_db *db, tb_err *e);

/* Creates the orchestrator on base (engine_pid: 0 standalone; owner: holds the lock). */
int tb_orch_env_start(tb_orch_env *env, struct event_base *base, int echo, int engine_pid,
                      int owner, tb_err *e);

void tb_orch_env_close(tb_orch_env *env);

#endif
