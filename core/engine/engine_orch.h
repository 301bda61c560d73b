/*
 * engine_orch.h - the daily sequence and the candidates file inside the running engine.
 *
 * With orchestrator.enabled the engine runs the orchestrator on its own loop (steps are child
 * processes, so the loop never waits on them) and reloads scripts/orchestrator.lua when the
 * watch reports it changed. Whether enabled or not, the engine looks at
 * data/top_20_day_trading_candidates.csv every orchestrator.candidates_poll_ms and loads a new
 * one without restart ("candidates loaded: count=N file_time=..."); tb.engine.candidates()
 * shows it.
 */
#ifndef TB_ENGINE_ORCH_H
#define TB_ENGINE_ORCH_H

#include "cand/cand_file.h"
#include "util/err.h"

#include <stdint.h>

struct tb_engine;
typedef struct tb_engine_orch tb_engine_orch;

/* Sets up the candidates watch and, when enabled, the orchestrator. */
int tb_engine_orch_open(struct tb_engine *en, tb_err *e);

/* Starts ticking (from tb_engine_run). */
void tb_engine_orch_start(struct tb_engine *en);

/* A file changed under scripts/: 1 when it was the orchestrator's script (reloaded). */
int tb_engine_orch_file_changed(struct tb_engine *en, const char *path);

/* The candidates loaded last (NULL before any); *file_ns is the file's modification time. */
const tb_cand_set *tb_engine_candidates(const struct tb_engine *en, int64_t *file_ns);

void tb_engine_orch_close(struct tb_engine *en);

#endif
