/*
 * session_replay.h - `tradebot replay`: a recorded session (replay/rec.h) played again through the
 * trading path (docs/replay.md). The recorded bars in their arrival order go through the same
 * strategy versions (the text stored in the recording, or the home's current files and params
 * with current = 1), the same risk gates and a broker that answers with the recorded updates
 * (replay/replay_broker.h). Every decision is compared with the recorded one.
 *
 * Gates: an intent the recording also made at that bar gets the verdict the session's gates gave
 * it (they read state the recording does not hold: the kill switch, the macro state, the broker's
 * account, the model); an intent the recording never made goes through the risk gates of the
 * configuration in effect, fresh. Either way a difference in intents is reported.
 *
 * This is the one replay API the Healer (healer/exec.c) and the Sentinel use: list the sessions,
 * replay the last N, read the report.
 */
#ifndef TB_REPLAY_SESSION_REPLAY_H
#define TB_REPLAY_SESSION_REPLAY_H

#include "config/config.h"
#include "data/bar.h"
#include "data/symbols.h"
#include "trade/report.h"

#include <jansson.h>
#include <stdio.h>

#define TB_REPLAY_MAX_FILES 256

typedef struct tb_sreplay_opts {
    const char *files[TB_REPLAY_MAX_FILES]; /* recordings, played in this order */
    int nfiles;
    int current;          /* strategies and config from the home, not the recording */
    const tb_config *cfg; /* the home's configuration (current = 1) */
    FILE *out;            /* decisions and differences as text; NULL: none */
    int print_decisions;  /* every replayed decision, not just the differences */
} tb_sreplay_opts;

typedef struct tb_sreplay_result {
    int64_t bars, recorded, replayed, differences;
    uint64_t paper_orders, unmatched_updates;
    int torn; /* a file ended in a partial record: the intact part was replayed */
    char torn_note[512];
    tb_report report;
    json_t *diffs;    /* [{file, bar, symbol, strategy, recorded, replayed}], owned by the caller */
    json_t *sessions; /* [{id, file, bars, decisions, torn}] */
} tb_sreplay_result;

/* Replays o->files. 0 with out filled (out->differences says whether it is identical); -1 with e
 * naming the file and offset when a recording cannot be read (or a strategy version not be
 * loaded). out->diffs and out->sessions are the caller's to json_decref. */
int tb_sreplay_run(const tb_sreplay_opts *o, tb_sreplay_result *out, tb_err *e);

/* The recordings in dir (.rec files), oldest first (ids sort by start time); returns how many
 * (up to cap), paths written into out[i] (each cap_path bytes). */
int tb_sreplay_list(const char *dir, char (*out)[4096], int cap);

/* The bars recorded for one session day in dir (every recording, arrival order, each symbol
 * interned into syms); returns how many were added, 0 when none was recorded that day. */
long tb_sreplay_day_bars(const char *dir, tb_date day, tb_symtab *syms, tb_bar_vec *out);

#endif
