#include "engine/engine_orch.h"
#include "engine/engine.h"
#include "home/home.h"
#include "log/log.h"
#include "loop/stall.h"
#include "orch/lock.h"
#include "orch/orch_env.h"
#include "util/clock.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tb_engine_orch {
    tb_orch_env env;
    int env_open, lock;
    struct event *poll;
    char cand_path[PATH_MAX];
    int64_t cand_mtime_ns, cand_loaded_ns;
    tb_cand_set *cands;
};

static void load_candidates(tb_engine_orch *eo, int64_t mtime)
{
    tb_cand_set *set = malloc(sizeof *set);
    tb_err e;
    if (!set || tb_cand_read(eo->cand_path, set, &e) != 0) {
        TB_WARN("candidates", "candidates file not loaded: %s", set ? e.msg : "out of memory");
        free(set);
        return;
    }
    free(eo->cands);
    eo->cands = set;
    eo->cand_loaded_ns = mtime;
    char ts[40], day[16];
    TB_INFO("candidates",
            "candidates loaded: count=%d file_time=%s date=%s generated_at=%s refused=%d", set->n,
            tb_clock_fmt_utc(mtime, ts, sizeof ts), tb_date_fmt(set->date, day, sizeof day),
            set->generated_at, set->nbad);
    for (int i = 0; i < set->nbad && i < TB_CAND_BAD_MSGS; i++)
        TB_WARN("candidates", "candidate row refused: %s", set->bad[i]);
    if (set->nbad > TB_CAND_BAD_MSGS)
        TB_WARN("candidates", "... and %d more candidate rows refused",
                set->nbad - TB_CAND_BAD_MSGS);
}

static void poll_cb_run(evutil_socket_t fd, short what, void *arg)
{
    tb_engine_orch *eo = arg;
    struct stat st;
    if (stat(eo->cand_path, &st) != 0) return;
    int64_t m = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    if (m == eo->cand_mtime_ns) return;
    eo->cand_mtime_ns = m; /* a bad file is reported once, not every poll */
    load_candidates(eo, m);
}

/* Named work for the loop's stall record (loop/stall.h). */
static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_ORCH, "candidates file poll", NULL);
    poll_cb_run(fd, what, arg);
    tb_work_end();
}

static int open_orchestrator(tb_engine *en, tb_engine_orch *eo, tb_err *e)
{
    if ((eo->lock = tb_orch_lock(e)) < 0) return tb_err_prefix(e, "orchestrator.enabled: ");
    if (tb_orch_env_open(&eo->env, &en->cfg, en->db, e) != 0) return -1;
    eo->env_open = 1;
    return tb_orch_env_start(&eo->env, tb_loop_base(en->loop), 0, (int)getpid(), 1, e);
}

int tb_engine_orch_open(tb_engine *en, tb_err *e)
{
    tb_engine_orch *eo = calloc(1, sizeof *eo);
    if (!eo) return tb_errf(e, "out of memory");
    en->orch = eo;
    eo->lock = -1;
    tb_home_path(eo->cand_path, sizeof eo->cand_path, TB_CAND_FILE);
    eo->poll = event_new(tb_loop_base(en->loop), -1, EV_PERSIST, poll_cb, eo);
    int64_t ms = en->cfg.orchestrator.candidates_poll_ms;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    event_add(eo->poll, &tv);
    poll_cb(-1, 0, eo);
    if (!en->cfg.orchestrator.enabled) return 0;
    return open_orchestrator(en, eo, e);
}

void tb_engine_orch_start(tb_engine *en)
{
    tb_engine_orch *eo = en->orch;
    if (!eo || !eo->env.orch) return;
    TB_INFO("orchestrator", "daily sequence running in the engine: steps=%d script=%s log=%s",
            tb_orch_schedule(eo->env.orch)->n, eo->env.script_rel, "logs/orchestrator.log");
    tb_orch_tick(eo->env.orch);
    tb_orch_start(eo->env.orch);
}

int tb_engine_orch_file_changed(tb_engine *en, const char *path)
{
    tb_engine_orch *eo = en->orch;
    if (!eo || !eo->env.orch || strcmp(path, eo->env.script) != 0) return 0;
    tb_err e;
    if (tb_orch_reload(eo->env.orch, &e) == 0)
        TB_INFO("orchestrator", "orchestrator schedule reloaded: steps=%d file=%s",
                tb_orch_schedule(eo->env.orch)->n, eo->env.script_rel);
    else
        TB_ERROR("orchestrator", "orchestrator schedule reload failed: %s", e.msg);
    tb_orch_tick(eo->env.orch);
    return 1;
}

const tb_cand_set *tb_engine_candidates(const tb_engine *en, int64_t *file_ns)
{
    const tb_engine_orch *eo = en->orch;
    if (file_ns) *file_ns = eo ? eo->cand_loaded_ns : 0;
    return eo ? eo->cands : NULL;
}

void tb_engine_orch_close(tb_engine *en)
{
    tb_engine_orch *eo = en->orch;
    if (!eo) return;
    if (eo->env_open) tb_orch_env_close(&eo->env);
    if (eo->poll) event_free(eo->poll);
    if (eo->lock >= 0) close(eo->lock);
    free(eo->cands);
    free(eo);
    en->orch = NULL;
}
