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
#include "risk/gates.h"
#include "log/jsonl.h"
#include "store/db.h"
#include "store/kv.h"
#include "oms/oms_store.h"
#include "strategy/host.h"
#include "trade/gate_chain.h"
#include "trade/runner.h"

#include <limits.h>

struct tb_dashboard;

/* The kill switch: engage 1 stops new orders and cancels working ones, 0 releases it. who says
 * where the request came from (audit). Returns 0 or -1 with e. The risk issue may replace it. */
typedef int (*tb_kill_switch_fn)(void *ud, int engage, const char *who, tb_err *e);

/* How often the WAL of ml_db/ml_data.db is checkpointed off the loop (store/checkpoint.h). */
#define TB_ENGINE_CHECKPOINT_MS 1000
/* ... and the loop's own checkpoint left as a backstop at this many WAL pages (40 MB). */
#define TB_ENGINE_CHECKPOINT_BACKSTOP_PAGES 10000

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
    tb_risk *risk;            /* the gates every intent passes (core/risk/) */
    struct event *risk_timer; /* polls macro.json, pdt_state.json, kill_switch.json */
    tb_db *db;
    oms_store *ostore;
    oms_journal inner; /* the OMS store's journal, wrapped by persist.c */
    tb_kv *kv;
    struct tb_engine_orch *orch; /* daily sequence and candidates file (engine_orch.h) */
    /* The web dashboard, API and /metrics: a view of the engine, so the program opens it after
     * tb_engine_open and closes it before tb_engine_close (cli/cmd_run.c); NULL when off. */
    struct tb_dashboard *dash;
    int dash_port;                       /* the port it listens on */
    struct tb_engine_feedback *feedback; /* controller overlay, Sentinel directives (feedback.h) */
    tb_kill_switch_fn kill_switch;       /* NULL: tb_engine_kill_switch_default */
    void *kill_switch_ud;
    tb_engine_ml ml;     /* features, confidence, ML gate, model swaps (engine_ml.h) */
    tb_gate_chain gates; /* risk gates, then the ML gate (trade/gate_chain.h) */
    int64_t started_ns;
    uint64_t config_reloads, config_reload_failures, script_reloads, script_reload_failures;
    int stopping;
    struct alpaca *alpaca; /* "broker": "alpaca" (engine/brokers.c) */
    struct ibkr *ibkr;     /* "broker": "ibkr" (engine/brokers.c) */
    struct tb_http *http;  /* the one HTTP client of the engine */
    struct event *broker_wait;
    uint64_t broker_waits;
    struct tb_bar_sink *bar_sink; /* live bars into the bar store (bar_store.live) */
    struct tb_dbwait *dbwait;     /* writes waiting for a locked database (engine/dbwait.h) */
    struct tb_ckpt *ckpt; /* the database's WAL checkpoints, off the loop (store/checkpoint.h) */
    struct tb_recorder *recorder; /* the session recording of a live feed (replay/recorder.h) */
} tb_engine;

/* The engine of this process, or NULL (the REPL's tb.engine reads it). */
tb_engine *tb_engine_current(void);

/* What the command line sets over the configuration file (tradebot run's options). */
typedef struct tb_engine_args {
    int dashboard_port; /* -1: the configuration's dashboard.port; 0: any free port */
} tb_engine_args;

/* Opens everything (home must be initialised; the configuration is loaded here, then args
 * override it; args may be NULL). */
int tb_engine_open(tb_engine *en, const tb_engine_args *args, tb_err *e);

/* Runs the loop until a stop signal or tb_engine_stop(). */
int tb_engine_run(tb_engine *en);

void tb_engine_stop(tb_engine *en);

/* Reloads config/trading_config.json; a bad file keeps the running configuration. */
int tb_engine_reload_config(tb_engine *en, tb_err *e);

/* Engages or releases the kill switch through the hook (or the default). */
int tb_engine_kill_switch(tb_engine *en, int engage, const char *who, tb_err *e);

/* Whether the kill switch is engaged, and why (risk gate's when there is one). */
int tb_engine_kill_engaged(tb_engine *en, char *why, size_t len);

/* The default kill switch: the trader blocks every new intent (gate "kill_switch") and every
 * open order is asked to cancel; each use leaves a line in logs/control_audit_log.jsonl. */
int tb_engine_kill_switch_default(tb_engine *en, int engage, const char *who, tb_err *e);

/* Closes everything (flushes logs, removes the REPL socket). */
void tb_engine_close(tb_engine *en);

#endif
