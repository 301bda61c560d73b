/*
 * engine.h - the running engine: configuration, loop, strategies, hot reload and REPL together.
 *
 * `tradebot run` creates one engine; tb.engine (engine_lua.c) reads it from the REPL. Later
 * parts (feeds, brokers, gates, dashboard) hang off this struct.
 */
#ifndef TB_ENGINE_H
#define TB_ENGINE_H

#include "config/config.h"
#include "engine/engine_ml.h"
#include "engine/watch.h"
#include "loop/loop.h"
#include "repl/repl_server.h"
#include "log/jsonl.h"
#include "store/db.h"
#include "store/kv.h"
#include "store/oms_store.h"
#include "strategy/host.h"
#include "trade/runner.h"

#include <limits.h>

typedef struct tb_engine {
    tb_config cfg;
    char config_path[PATH_MAX];
    tb_loop *loop;
    tb_shost shost;
    tb_watch *watch;
    tb_repl_server *repl;
    tb_runner runner; /* replay feed + trader (the embedded default: paper broker) */
    int runner_open;
    tb_jsonl *decisions;
    tb_db *db;
    oms_store *ostore;
    oms_journal inner; /* the OMS store's journal, wrapped by persist.c */
    tb_kv *kv;
    tb_engine_ml ml;     /* features, confidence, ML gate, model swaps (engine_ml.h) */
    tb_gate_chain gates; /* every intent passes these in order (ml/ml_gate.h) */
    int64_t started_ns;
    uint64_t config_reloads, config_reload_failures, script_reloads, script_reload_failures;
    int stopping;
} tb_engine;

/* The engine of this process, or NULL (the REPL's tb.engine reads it). */
tb_engine *tb_engine_current(void);

/* Opens everything (home must be initialised; the configuration is loaded here). */
int tb_engine_open(tb_engine *en, tb_err *e);

/* Runs the loop until a stop signal or tb_engine_stop(). */
int tb_engine_run(tb_engine *en);

void tb_engine_stop(tb_engine *en);

/* Reloads config/trading_config.json; a bad file keeps the running configuration. */
int tb_engine_reload_config(tb_engine *en, tb_err *e);

/* Closes everything (flushes logs, removes the REPL socket). */
void tb_engine_close(tb_engine *en);

#endif
