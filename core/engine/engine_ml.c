#include "engine/engine_ml.h"
#include "home/home.h"
#include "log/log.h"
#include "loop/stall.h"
#include "ml/model_dir.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static tb_ml_opts opts_of(const tb_config *c, tb_ml_store *store)
{
    tb_ml_opts o = {.strict_schema = c->ml.strict_schema,
                    .min_confidence = c->ml.min_confidence,
                    .sample_every_min = (int)c->ml.sample_every_minutes,
                    .horizon_min = (int)c->ml.horizon_minutes,
                    .store = store};
    return o;
}

/* data/macro.json is written by the macro step; only its "vix" is read here. */
static void read_macro(tb_engine_ml *m)
{
    char path[PATH_MAX];
    struct stat st;
    tb_home_path(path, sizeof path, "data/macro.json");
    if (stat(path, &st) != 0 || st.st_mtime == m->macro_mtime) return;
    m->macro_mtime = st.st_mtime;
    json_t *j = json_load_file(path, 0, NULL);
    json_t *v = json_object_get(j, "vix");
    if (json_is_number(v) && json_number_value(v) > 0) {
        tb_ml_set_vix(m->ml, json_number_value(v));
        TB_INFO("ml", "VIX from data/macro.json: %.2f", json_number_value(v));
    }
    json_decref(j);
}

static void report_schema(const tb_ml_loaded *l)
{
    char diff[1024];
    if (tb_ml_schema_diff(&l->schema, diff, sizeof diff) == 0) return;
    char *nl = strchr(diff, '\n');
    if (nl) *nl = '\0';
    TB_WARN("ml",
            "model %s: its feature_schema.json differs from the live features (%s); "
            "`tradebot check` lists every difference",
            l->id, diff);
}

int tb_engine_ml_poll(tb_engine_ml *m)
{
    if (!m->ml) return 0;
    read_macro(m);
    char dir[PATH_MAX];
    if (tb_models_current(m->models, dir, sizeof dir) != 0) return 0;
    const tb_ml_loaded *cur = tb_ml_current(m->ml);
    if ((cur && strcmp(cur->dir, dir) == 0) || strcmp(m->refused, dir) == 0) return 0;
    tb_ml_loaded *next = calloc(1, sizeof *next);
    tb_err e;
    if (!next || tb_ml_load_dir(next, dir, &e) != 0) {
        if (!next) snprintf(e.msg, sizeof e.msg, "out of memory");
        free(next);
        snprintf(m->refused, sizeof m->refused, "%s", dir);
        m->refusals++;
        TB_ERROR("ml", "model refused: %s (keeping %s)", e.msg, cur ? cur->id : "no model");
        return -1;
    }
    m->refused[0] = '\0';
    tb_ml_loaded *prev = tb_ml_swap(m->ml, next);
    m->loads++;
    TB_INFO("ml", "model loaded: id=%s trees=%d depth=%d features=%d (was %s)", next->id,
            next->model.ntrees, next->model.max_depth, next->model.nfeat,
            prev ? prev->id : "no model");
    report_schema(next);
    tb_ml_loaded_free(prev);
    return 1;
}

static int arm(tb_engine_ml *m, double s)
{
    struct timeval every = {(time_t)s, (suseconds_t)((s - floor(s)) * 1e6)};
    return event_add(m->poll, &every);
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
    tb_work_begin(TB_WORK_TIMER, "ML model poll", NULL);
    tb_engine_ml_poll(arg);
    tb_work_end();
}

int tb_engine_ml_open(tb_engine_ml *m, struct event_base *base, sqlite3 *db, const tb_config *c,
                      tb_err *e)
{
    memset(m, 0, sizeof *m);
    if (!c->ml.enabled) return 0;
    tb_home_path(m->models, sizeof m->models, "ml_db/models");
    mkdir(m->models, 0755);
    if (!(m->store = tb_ml_store_open(db, 0, e))) return -1;
    /* Committed by the dbwait timer (every 50 ms) in one transaction: a minute's samples for
     * hundreds of symbols are one fsync on the loop, not one each. */
    tb_ml_store_group(m->store, 1);
    tb_ml_opts o = opts_of(c, m->store);
    if (!(m->ml = tb_ml_new(&o, e))) return -1;
    m->gate.ml = m->ml;
    tb_engine_ml_poll(m);
    m->poll = event_new(base, -1, EV_PERSIST, on_poll, m);
    if (!m->poll || arm(m, c->ml.poll_seconds) != 0)
        return tb_errf(e, "ml: cannot start the poll timer");
    return 0;
}

void tb_engine_ml_configure(tb_engine_ml *m, const tb_config *c)
{
    if (!m->ml) return;
    tb_ml_opts o = opts_of(c, m->store);
    tb_ml_set_opts(m->ml, &o);
    if (m->poll) arm(m, c->ml.poll_seconds); /* re-adding a pending event resets its period */
}

void tb_engine_ml_close(tb_engine_ml *m)
{
    if (m->poll) event_free(m->poll);
    tb_ml_free(m->ml);
    tb_ml_store_close(m->store);
    memset(m, 0, sizeof *m);
}
