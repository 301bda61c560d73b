#include "orch/orch_env.h"
#include "home/home.h"
#include "orch/defaults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int (*tb_orch_has_command)(const char *name);

static int load_config(tb_orch_env *env, tb_err *e)
{
    char path[PATH_MAX];
    tb_config_errors errs;
    if (tb_config_load(tb_home_path(path, sizeof path, TB_CONFIG_PATH), 1, &env->cfg, &errs) != 0)
        return tb_errf(e, "%s", errs.n ? errs.msg[0] : "configuration error");
    env->cfg_loaded = 1;
    return 0;
}

int tb_orch_env_open(tb_orch_env *env, const tb_config *cfg, tb_db *db, tb_err *e)
{
    memset(env, 0, sizeof *env);
    if (tb_home_init(e) != 0) return -1;
    if (!cfg && load_config(env, e) != 0) return -1;
    const tb_config *c = cfg ? cfg : &env->cfg;
    tb_orch_write_default_scripts();
    snprintf(env->script_rel, sizeof env->script_rel, "%s", c->orchestrator.script);
    tb_home_path(env->script, sizeof env->script, c->orchestrator.script);
    tb_home_path(env->log_path, sizeof env->log_path, "logs/orchestrator.log");
    tb_cal_init(&env->cal);
    char path[PATH_MAX];
    env->db = db;
    if (!db) {
        if (!(env->db = tb_db_open(tb_home_path(path, sizeof path, "ml_db/ml_data.db"), NULL, e)))
            return -1;
        env->own_db = 1;
    }
    if (!(env->sched = calloc(1, sizeof *env->sched))) return tb_errf(e, "out of memory");
    return tb_schedule_load(env->script, env->script_rel, env->sched, e);
}

int tb_orch_env_start(tb_orch_env *env, struct event_base *base, int echo, int engine_pid,
                      int owner, tb_err *e)
{
    tb_orch_opts o = {.base = base,
                      .db = env->db,
                      .script = env->script,
                      .script_rel = env->script_rel,
                      .home = tb_home_dir(),
                      .log_path = env->log_path,
                      .cal = &env->cal,
                      .engine_pid = engine_pid,
                      .has_command = tb_orch_has_command,
                      .echo = echo,
                      .owner = owner};
    env->orch = tb_orch_new(&o, e);
    return env->orch ? 0 : -1;
}

void tb_orch_env_close(tb_orch_env *env)
{
    tb_orch_free(env->orch);
    env->orch = NULL;
    if (env->own_db) tb_db_close(env->db);
    env->db = NULL;
    free(env->sched);
    env->sched = NULL;
    if (env->cfg_loaded) tb_config_free(&env->cfg);
    env->cfg_loaded = 0;
}
