/*
 * engine_ml.h - the engine's ML part: the runtime (features and confidence per bar), its
 * tables, the ML gate, and the model in service, swapped without a restart.
 *
 * Every ml.poll_seconds a loop timer resolves ml_db/models/current; when it names another folder
 * the model and schema there are loaded and checked off the hot path, then swapped in between
 * two events. A corrupt or incompatible folder is refused with an error in the log and the
 * previous model stays in service. data/macro.json ({"vix": 18.4, ...}) feeds the VIX feature.
 */
#ifndef TB_ENGINE_ML_H
#define TB_ENGINE_ML_H

#include "config/config.h"
#include "ml/ml.h"
#include "ml/ml_gate.h"

#include <event2/event.h>
#include <limits.h>
#include <time.h>

typedef struct tb_engine_ml {
    tb_ml *ml;
    tb_ml_store *store;
    tb_ml_gate gate; /* tb_ml_gate_fn's argument: the last link of the engine's gate chain */
    struct event *poll;
    char models[PATH_MAX];
    char refused[PATH_MAX]; /* last folder refused, so it is reported once */
    time_t macro_mtime;
    uint64_t loads, refusals;
} tb_engine_ml;

/* Opens the runtime on db and loads the current model, if any. Does nothing when ml.enabled is
 * false (m->ml stays NULL). */
int tb_engine_ml_open(tb_engine_ml *m, struct event_base *base, sqlite3 *db, const tb_config *c,
                      tb_err *e);

/* Applies a reloaded configuration (gate threshold, strict schema, sampling). */
void tb_engine_ml_configure(tb_engine_ml *m, const tb_config *c);

/* Looks at models/current now: 1 swapped, 0 nothing new, -1 refused. */
int tb_engine_ml_poll(tb_engine_ml *m);

void tb_engine_ml_close(tb_engine_ml *m);

#endif
