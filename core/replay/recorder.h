/*
 * recorder.h - the live engine's session recorder (docs/replay.md): a tap on the trading path
 * (trade/trader.h tb_trade_tap) that writes what the engine saw and did into
 * data/sessions/<id>.rec (format: replay/rec.h):
 *
 * - the configuration in effect (secrets left out) and every strategy version it ran (name, file,
 *   content hash, the file's text, params with the controller's overlay), again whenever a
 *   strategy is reloaded;
 * - bars in arrival order with the feed's timestamps, session starts and ends;
 * - every decision (intent, verdict, gate, reason) and every order sent to the broker;
 * - every broker update (acks, fills, rejects, cancels), through a decorator of the broker.
 *
 * Records are encoded into a buffer (no allocation per event) and written by a loop callback
 * activated after the event that produced them, so the bar-to-order path makes no system call.
 */
#ifndef TB_REPLAY_RECORDER_H
#define TB_REPLAY_RECORDER_H

#include "data/symbols.h"
#include "strategy/host.h"
#include "trade/trader.h"

#include <event2/event.h>
#include <jansson.h>

#define TB_SESSIONS_DIR "data/sessions"

typedef struct tb_recorder tb_recorder;

typedef struct tb_recorder_opts {
    struct event_base *base;
    const char *dir;       /* absolute: where <id>.rec is created (made if missing) */
    tb_shost *shost;       /* strategies whose versions are recorded */
    const tb_symtab *syms; /* the runner's: bars carry symbol ids */
    json_t *config;        /* the configuration in effect (borrowed; secrets are removed) */
    json_t *macro;      /* the gates' macro state at start {vix, survival, valid, ...} (borrowed) */
    const char *broker; /* for the META record */
    const char *feed;
    size_t buffer_bytes; /* record buffer (config record.buffer_kb) */
    /* What the engine restored at start, as JSON (a new reference), recorded before the first
     * bar (START); NULL: none. */
    json_t *(*start_state)(void *ud);
    void *start_ud;
} tb_recorder_opts;

typedef struct tb_recorder_stats {
    uint64_t bars, decisions, updates, strategies, bytes, flushes, sync_flushes, dropped;
    int failed;
} tb_recorder_stats;

/* Creates the session file (id: UTC start time, YYYY-MM-DD-HHMMSS, -2.. when taken) and records
 * the configuration and the strategies loaded so far. NULL with e on failure. */
tb_recorder *tb_recorder_open(const tb_recorder_opts *o, tb_err *e);

/* The tap to hand the runner (tb_runner_opts.tap); valid while the recorder is open. */
const tb_trade_tap *tb_recorder_tap(tb_recorder *r);

/* The session id and the file's path. */
const char *tb_recorder_id(const tb_recorder *r);
const char *tb_recorder_path(const tb_recorder *r);

void tb_recorder_stats_get(const tb_recorder *r, tb_recorder_stats *out);

/* Records the clean END, writes what is buffered and closes the file. NULL is a no-op. */
void tb_recorder_close(tb_recorder *r);

#endif
